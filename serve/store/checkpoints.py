"""Camera checkpoints in the database: the state a camera's pipeline resumes from.

One row per camera, replaced on every write. ``owner`` names the process that wrote it, so
a log or ``GET /v1/cluster`` can say where a camera's state last came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete

from serve.store.database import Database
from serve.store.orm import CheckpointRow


@dataclass(frozen=True)
class Checkpoint:
    camera_id: str
    frame_at: datetime
    saved_at: datetime
    owner: str
    state: dict[str, Any]


class CheckpointRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    def save(self, camera_id: str, frame_at: datetime, owner: str, state: dict[str, Any]) -> None:
        with self._db.session() as session:
            row = session.get(CheckpointRow, camera_id)
            now = datetime.now(UTC)
            if row is None:
                session.add(
                    CheckpointRow(
                        camera_id=camera_id,
                        frame_at=frame_at,
                        saved_at=now,
                        owner=owner,
                        state=state,
                    )
                )
                return
            row.frame_at, row.saved_at, row.owner, row.state = frame_at, now, owner, state

    def load(self, camera_id: str) -> Checkpoint | None:
        with self._db.session(write=False) as session:
            row = session.get(CheckpointRow, camera_id)
            if row is None:
                return None
            return Checkpoint(row.camera_id, row.frame_at, row.saved_at, row.owner, row.state)

    def delete(self, camera_id: str) -> None:
        with self._db.session() as session:
            session.execute(delete(CheckpointRow).where(CheckpointRow.camera_id == camera_id))
