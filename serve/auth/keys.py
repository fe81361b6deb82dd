"""Per-camera API keys: a push camera (or its gateway) proves which camera it is."""

from __future__ import annotations

import builtins
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from serve.auth.orm import CameraKeyRow
from serve.auth.records import CameraKey
from serve.auth.tokens import CAMERA_KEY_PREFIX, DISPLAY_CHARS, digest, new_camera_key
from serve.store.database import Database

logger = logging.getLogger(__name__)


class UnknownKeyError(KeyError):
    """No such key for that camera."""

    def __str__(self) -> str:
        camera_id, key_id = self.args
        return f"camera {camera_id!r} has no API key with id {key_id}"


class NoSuchCameraError(KeyError):
    """A key was asked for a camera that is not in the registry."""

    def __str__(self) -> str:
        return f"no camera with id {self.args[0]!r}"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key: ``key`` is shown this once and never stored."""

    record: CameraKey
    key: str


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """What a presented key turned out to be: ``camera_id`` is the camera it belongs to
    (``None``: not a key at all), ``revoked`` whether it was revoked."""

    camera_id: str | None
    revoked: bool = False


class CameraKeyRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    def issue(self, camera_id: str, created_by: str) -> IssuedKey:
        key = new_camera_key()
        now = datetime.now(UTC)
        row = CameraKeyRow(
            camera_id=camera_id,
            key_hash=digest(key),
            prefix=key[:DISPLAY_CHARS],
            created_by=created_by,
            created_at=now,
            revoked_at=None,
        )
        try:
            with self._db.session() as session:
                session.add(row)
                session.flush()
                record = _key(row)
        except IntegrityError as e:  # the foreign key: the camera is gone
            raise NoSuchCameraError(camera_id) from e
        logger.info("issued API key %s for camera %s (by %s)", record.prefix, camera_id, created_by)
        return IssuedKey(record=record, key=key)

    def list(self, camera_id: str) -> builtins.list[CameraKey]:
        with self._db.session(write=False) as session:
            rows = session.scalars(
                select(CameraKeyRow)
                .where(CameraKeyRow.camera_id == camera_id)
                .order_by(CameraKeyRow.id)
            )
            return [_key(r) for r in rows]

    def revoke(self, camera_id: str, key_id: int) -> CameraKey:
        """Revoke a key at once; revoking a revoked key changes nothing."""
        with self._db.session() as session:
            row = session.get(CameraKeyRow, key_id, with_for_update=True)
            if row is None or row.camera_id != camera_id:
                raise UnknownKeyError(camera_id, key_id)
            if row.revoked_at is None:
                row.revoked_at = datetime.now(UTC)
                logger.info("revoked API key %s of camera %s", row.prefix, camera_id)
            session.flush()
            return _key(row)

    def check(self, key: str) -> KeyCheck:
        """Which camera ``key`` belongs to, if any."""
        if not key.startswith(CAMERA_KEY_PREFIX):
            return KeyCheck(None)
        with self._db.session(write=False) as session:
            row = session.scalars(
                select(CameraKeyRow).where(CameraKeyRow.key_hash == digest(key))
            ).first()
            if row is None:
                return KeyCheck(None)
            return KeyCheck(row.camera_id, revoked=row.revoked_at is not None)


def _key(row: CameraKeyRow) -> CameraKey:
    return CameraKey(
        id=row.id,
        camera_id=row.camera_id,
        prefix=row.prefix,
        created_by=row.created_by,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
