"""The camera registry: each camera's configuration and where it came from."""

from __future__ import annotations

import builtins
import logging
from datetime import UTC, datetime

from sqlalchemy import select

from serve.cameras.config import Camera
from serve.store.database import Database
from serve.store.orm import CameraRow
from serve.store.records import CAMERA_ORIGINS, CameraOrigin, CameraRecord

logger = logging.getLogger(__name__)


class CameraRepo:
    """Cameras in ``db``, keyed by ``Camera.id``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def list(self) -> builtins.list[CameraRecord]:
        """Every camera, by id."""
        with self._db.session(write=False) as session:
            rows = session.scalars(select(CameraRow).order_by(CameraRow.id))
            return [_camera_record(r) for r in rows]

    def get(self, camera_id: str) -> CameraRecord | None:
        with self._db.session(write=False) as session:
            row = session.get(CameraRow, camera_id)
            return None if row is None else _camera_record(row)

    def upsert(self, camera: Camera, origin: CameraOrigin) -> CameraRecord:
        """Store ``camera``, replacing the configuration of one with the same id.

        ``created_at`` of an existing camera is kept.
        """
        if origin not in CAMERA_ORIGINS:
            raise ValueError(f"origin must be one of {list(CAMERA_ORIGINS)}, got {origin!r}")
        now = datetime.now(UTC)
        config = camera.model_dump(mode="json")
        with self._db.session() as session:
            row = session.get(CameraRow, camera.id, with_for_update=True)
            if row is None:
                row = CameraRow(
                    id=camera.id, config=config, origin=origin, created_at=now, updated_at=now
                )
                session.add(row)
            else:
                row.config = config
                row.origin = origin
                row.updated_at = now
            session.flush()
            record = _camera_record(row)
        logger.debug("stored camera %s (from %s)", camera.id, origin)
        return record

    def delete(self, camera_id: str) -> bool:
        """Forget the camera; its cases stay. False when there was no such camera."""
        with self._db.session() as session:
            row = session.get(CameraRow, camera_id, with_for_update=True)
            if row is None:
                return False
            session.delete(row)
        logger.debug("deleted camera %s", camera_id)
        return True


def _camera_record(row: CameraRow) -> CameraRecord:
    origin = next((o for o in CAMERA_ORIGINS if o == row.origin), None)
    if origin is None:
        raise ValueError(f"camera {row.id!r} has an unknown origin {row.origin!r} in the database")
    return CameraRecord(
        camera=Camera.model_validate(row.config),
        origin=origin,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
