"""The camera registry: each camera's configuration and where it came from."""

from __future__ import annotations

import builtins
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from serve.config.cameras import Camera
from serve.config.secret_box import SecretBox
from serve.store.database import Database
from serve.store.orm import CameraAuditRow, CameraRow
from serve.store.records import (
    CAMERA_ORIGINS,
    CameraAuditRecord,
    CameraOrigin,
    CameraRecord,
)

logger = logging.getLogger(__name__)


class CameraRepo:
    """Cameras in ``db``, keyed by ``Camera.id``; passwords in source URLs are sealed with
    ``box`` in the database (None: stored as given, for tools that hold no key)."""

    def __init__(self, db: Database, box: SecretBox | None = None) -> None:
        self._db = db
        self._box = box

    def list(self) -> builtins.list[CameraRecord]:
        """Every camera, by id."""
        with self._db.session(write=False) as session:
            rows = session.scalars(select(CameraRow).order_by(CameraRow.id))
            return [self._record(r) for r in rows]

    def get(self, camera_id: str) -> CameraRecord | None:
        with self._db.session(write=False) as session:
            row = session.get(CameraRow, camera_id)
            return None if row is None else self._record(row)

    def upsert(self, camera: Camera, origin: CameraOrigin) -> CameraRecord:
        """Store ``camera``, replacing the configuration of one with the same id.

        ``created_at`` of an existing camera is kept.
        """
        if origin not in CAMERA_ORIGINS:
            raise ValueError(f"origin must be one of {list(CAMERA_ORIGINS)}, got {origin!r}")
        now = datetime.now(UTC)
        config = self._sealed(camera.model_dump(mode="json"))
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
            record = self._record(row)
        logger.debug("stored camera %s (from %s)", camera.id, origin)
        return record

    def reseal(self) -> int:
        """Seal every stored password that is in clear (stored before sealing, or by a tool
        without the key) or sealed with an older key; how many cameras were rewritten."""
        if self._box is None:
            return 0
        done = 0
        with self._db.session() as session:
            for row in session.scalars(select(CameraRow).with_for_update()):
                url = _source_url(row.config)
                if url is None or not self._box.stale(url):
                    continue
                row.config = self._sealed({**row.config, "source": {**row.config["source"]}})
                done += 1
        if done:
            logger.info("sealed the source passwords of %d stored cameras", done)
        return done

    def _sealed(self, config: dict[str, Any]) -> dict[str, Any]:
        url = _source_url(config)
        if self._box is not None and url is not None:
            config["source"]["url"] = self._box.seal(self._box.open(url))
        return config

    def _record(self, row: CameraRow) -> CameraRecord:
        config = row.config
        url = _source_url(config)
        if self._box is not None and url is not None:
            config = {**config, "source": {**config["source"], "url": self._box.open(url)}}
        return _camera_record(row, config)

    def delete(self, camera_id: str) -> bool:
        """Forget the camera; its cases stay. False when there was no such camera."""
        with self._db.session() as session:
            row = session.get(CameraRow, camera_id, with_for_update=True)
            if row is None:
                return False
            session.delete(row)
        logger.debug("deleted camera %s", camera_id)
        return True


def _source_url(config: dict[str, Any]) -> str | None:
    source = config.get("source")
    url = source.get("url") if isinstance(source, dict) else None
    return url if isinstance(url, str) else None


def _camera_record(row: CameraRow, config: dict[str, Any]) -> CameraRecord:
    origin = next((o for o in CAMERA_ORIGINS if o == row.origin), None)
    if origin is None:
        raise ValueError(f"camera {row.id!r} has an unknown origin {row.origin!r} in the database")
    return CameraRecord(
        camera=Camera.model_validate(config),
        origin=origin,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class CameraAudit:
    """The append-only log of operator actions on cameras (accepting a scene baseline, ...)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def log(
        self,
        camera_id: str,
        *,
        actor: str,
        action: str,
        zone_id: str | None = None,
        reason: str | None = None,
        detail: dict[str, object] | None = None,
    ) -> CameraAuditRecord:
        with self._db.session() as session:
            row = CameraAuditRow(
                camera_id=camera_id,
                at=datetime.now(UTC),
                actor=actor,
                action=action,
                zone_id=zone_id,
                reason=reason,
                detail=detail,
            )
            session.add(row)
            session.flush()
            return _audit_record(row)

    def list(self, camera_id: str) -> builtins.list[CameraAuditRecord]:
        """The camera's log, oldest first."""
        query = select(CameraAuditRow).where(CameraAuditRow.camera_id == camera_id)
        with self._db.session(write=False) as session:
            return [_audit_record(r) for r in session.scalars(query.order_by(CameraAuditRow.id))]


def _audit_record(row: CameraAuditRow) -> CameraAuditRecord:
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
    return CameraAuditRecord(
        at=at,
        camera_id=row.camera_id,
        actor=row.actor,
        action=row.action,
        zone_id=row.zone_id,
        reason=row.reason,
        detail=row.detail,
    )
