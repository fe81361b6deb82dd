"""A camera's pending violation clocks, saved to the store and taken back on start: the
rules engine's pending candidates, and its other signals' (``parts``: the scene baseline's
objects waiting for their dwell, the text signal's flyers read fewer times than a case
needs), which a new worker would otherwise see as just arrived.

Written every ``interval_s`` of the camera's frame time while anything is pending (and
once more when the pipeline closes, so a camera moved on purpose resumes exactly); read
when a pipeline for the camera starts, in this process or another (``serve/cluster``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError

from detector.rules.engine import ViolationEngine
from detector.rules.state import adopt_pending, pending_state
from serve.store.checkpoints import CheckpointRepo


class Resumable(Protocol):
    """A signal whose pending finds outlive its process: ``pending`` as plain data, and
    ``adopt`` (ValueError for data it cannot read) in a fresh one."""

    def pending(self) -> list[dict[str, Any]]: ...

    def adopt(self, pending: Sequence[Mapping[str, Any]]) -> int: ...


logger = logging.getLogger(__name__)

# who writes: the host and process, so a checkpoint says where a camera last ran
OWNER = f"{socket.gethostname()}:{os.getpid()}"


class EngineCheckpoint:
    def __init__(self, camera_id: str, repo: CheckpointRepo | None, interval_s: float) -> None:
        self.camera_id = camera_id
        self.repo = repo
        self.interval_s = interval_s
        self._saved_at: dt.datetime | None = None
        self._had_pending = False
        self.parts: dict[str, Resumable] = {}  # the camera's other signals, by state key

    def maybe_save(self, engine: ViolationEngine, at: dt.datetime) -> None:
        """Save if ``interval_s`` of frame time has passed since the last save and there is
        something to say (pending clocks now, or there were some at the last save)."""
        if self.repo is None:
            return
        if self._saved_at is not None and (at - self._saved_at).total_seconds() < self.interval_s:
            return
        self.save(engine, at)

    def save(self, engine: ViolationEngine, at: dt.datetime) -> None:
        if self.repo is None:
            return
        state: dict[str, Any] = pending_state(engine)
        for name, part in self.parts.items():
            state[name] = part.pending()
        pending = bool(state["pending"]) or any(state[name] for name in self.parts)
        if not pending and not self._had_pending and self._saved_at is not None:
            self._saved_at = at
            return  # nothing pending then or now: the stored state already says so
        try:
            self.repo.save(self.camera_id, at, OWNER, state)
        except SQLAlchemyError:  # kept: the next interval tries again
            logger.exception("camera %s: checkpoint not written", self.camera_id)
            return
        self._saved_at, self._had_pending = at, pending

    def restore(self, engine: ViolationEngine) -> dt.datetime | None:
        """Give the engine the saved pending clocks (after its open cases, which win over a
        pending clock at their place); returns the saved frame time (None: nothing saved).
        Clocks too old for their rule's gap end at the camera's next frame, as they would
        have in the process that saved them."""
        if self.repo is None:
            return None
        try:
            saved = self.repo.load(self.camera_id)
        except SQLAlchemyError:
            logger.exception("camera %s: checkpoint not read", self.camera_id)
            return None
        if saved is None:
            return None
        others = 0
        for name, part in self.parts.items():
            if not (found := saved.state.get(name)):
                continue
            try:
                others += part.adopt(found)
            except ValueError as e:
                logger.warning("camera %s: %s finds not taken back: %s", self.camera_id, name, e)
        try:
            taken = adopt_pending(engine, saved.state)
        except ValueError as e:
            logger.warning("camera %s: checkpoint not taken back: %s", self.camera_id, e)
            return None
        logger.info(
            "camera %s: %d pending violations and %d scene/text finds taken back from %s "
            "(frame %s)",
            self.camera_id,
            taken,
            others,
            saved.owner,
            saved.frame_at.isoformat(),
        )
        self._saved_at, self._had_pending = saved.frame_at, taken + others > 0
        return saved.frame_at
