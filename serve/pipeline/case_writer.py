"""Detector violations to cases: open one per violation with its evidence, update it.

Evidence files are written before the case row that names them, so a crash between the
two leaves an unreferenced file, never a case without its evidence.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from detector.frame import ScaledFrame
from detector.geometry import Box
from detector.metadata import ModelInfo
from detector.rules.config import RuleConfig
from detector.rules.engine import ViolationEvent
from serve.config.cameras import Camera
from serve.metrics import Metrics
from serve.pipeline.evidence import EvidenceMaker, Item
from serve.store.cases import CaseRepo
from serve.store.readings import Reading
from serve.store.records import CaseRecord, NewCase, Signal

logger = logging.getLogger(__name__)

# a new sighting replaces the best evidence only when it is clearly better
BEST_MARGIN = 0.05
# sightings without new evidence are written together this often (frame time): a crash
# loses at most this much of a case's last_seen, never a case or its evidence
FLUSH_S = 5.0


@dataclass
class _Held:
    """What is kept for a candidate until its case exists: its first frame."""

    start_jpeg: bytes
    start_at: dt.datetime
    start_size: tuple[int, int]


class CaseWriter:
    """Writes one camera's cases: evidence files first, then the row that names them."""

    def __init__(
        self,
        camera: Camera,
        *,
        rules: dict[str, RuleConfig],
        cases: CaseRepo,
        evidence: EvidenceMaker,
        metrics: Metrics,
    ) -> None:
        self.camera = camera
        self.rules = rules
        self.cases = cases
        self.evidence = evidence
        self.metrics = metrics
        self._held: dict[int, _Held] = {}
        self._pending: dict[int, tuple[dt.datetime, int]] = {}  # case -> last seen, count
        self._flushed_at: dt.datetime | None = None

    def hold_start(self, key: int, jpeg: bytes, size: tuple[int, int], at: dt.datetime) -> None:
        """Keep a candidate's first frame: it becomes the case's "start" evidence."""
        self._held[key] = _Held(jpeg, at, size)

    def drop(self, key: int) -> None:
        """The candidate ended, or another case took it: its first frame is not needed."""
        self._held.pop(key, None)

    def open(
        self, event: ViolationEvent, frame: ScaledFrame, at: dt.datetime, info: ModelInfo
    ) -> int:
        """A new case for a violation that reached its rule; returns its id."""
        dwell = self.rules[event.violation].dwell_s is not None
        record = self.create(
            self._pack_event(event, frame, at, dwell=dwell),
            violation=event.violation,
            label=event.label,
            signal="detector",
            first_seen=event.first_seen,
            at=at,
            dwell=dwell,
            confidence=event.confidence,
            box=event.box,
            zone_id=event.zone_id,
            responsible=event.responsible,
            info=info,
        )
        self._held.pop(event.key, None)
        logger.info(
            "camera %s: opened case %d (%s %s, %.0f s)",
            self.camera.id,
            record.id,
            event.violation,
            event.label,
            event.duration_s,
        )
        return record.id

    def update(self, event: ViolationEvent, frame: ScaledFrame, at: dt.datetime) -> None:
        """A new sighting of a case's violation; a clearly better one replaces its evidence
        at once, the others wait for the next ``flush_due``."""
        assert event.case_id is not None
        self.metrics.case_updates.labels(self.camera.id).inc()
        record = self._improved(event)
        if record is None:
            last, count = self._pending.get(event.case_id, (at, 0))
            self._pending[event.case_id] = (max(last, at), count + 1)
            return
        self.flush()  # the waiting sightings go first, in the order they were seen
        key = (
            record.evidence[0].path.split("/")[0]
            if record.evidence
            else (f"{self.camera.id}-case{record.id}")
        )
        evidence = self.evidence.write(key, self._pack_event(event, frame, at, dwell=False))
        _, stale = self.cases.update(
            event.case_id,
            last_seen=at,
            confidence=event.confidence,
            box=list(event.box),
            evidence=evidence,
        )
        for path in stale:
            self.evidence.files.remove(path)

    def flush_due(self, at: dt.datetime) -> None:
        """Write the waiting sightings if ``FLUSH_S`` of frame time passed since the last."""
        last = self._flushed_at
        if last is None or not 0.0 <= (at - last).total_seconds() < FLUSH_S:
            self.flush()
            self._flushed_at = at

    def flush(self) -> None:
        """Write the waiting sightings in one transaction (kept for a retry if it fails)."""
        if self._pending:
            self.cases.add_sightings(self._pending)
            self._pending.clear()

    def _improved(self, event: ViolationEvent) -> CaseRecord | None:
        """The case, when this sighting's frame replaces its evidence: the best so far,
        clearly better than the stored one, and no reviewer has judged the case yet."""
        if not event.best or event.case_id is None:
            return None
        record = self.cases.get(event.case_id)
        if (
            record is None
            or record.reviewed_at is not None
            or event.confidence < record.confidence + BEST_MARGIN
        ):
            return None
        return record

    def create(
        self,
        items: list[Item],
        *,
        violation: str,
        label: str,
        signal: Signal,
        first_seen: float,
        at: dt.datetime,
        dwell: bool,
        confidence: float,
        box: Box,
        zone_id: str | None,
        responsible: str | None,
        info: ModelInfo,
        reading: Reading | None = None,
    ) -> CaseRecord:
        """Write the evidence files, then the case that names them (one per violation)."""
        key = f"{self.camera.id}-{at.strftime('%Y%m%d')}-{uuid.uuid4().hex[:12]}"
        record = self.cases.create(
            NewCase(
                camera_id=self.camera.id,
                violation=violation,
                label=label,
                signal=signal,
                first_seen=dt.datetime.fromtimestamp(first_seen, dt.UTC),
                last_seen=at,
                dwell_reached_at=at if dwell else None,
                confidence=confidence,
                box=list(box),
                zone_id=zone_id,
                responsible=responsible,
                address=self.camera.address,
                lat=self.camera.lat,
                lon=self.camera.lon,
                timezone=self.camera.timezone,
                model_name=info.name,
                model_version=info.version,
                reading=reading,
            ),
            self.evidence.write(key, items),
        )
        self.metrics.cases_opened.labels(self.camera.id, violation).inc()
        return record

    def _pack_event(
        self, event: ViolationEvent, frame: ScaledFrame, at: dt.datetime, *, dwell: bool
    ) -> list[Item]:
        """The evidence of a detector sighting (with its start and dwell frames if ``dwell``)."""
        annotation = self.evidence.event_annotation(event, at)
        items = self.evidence.items(annotation, event.box, frame.full(), at)
        if dwell:
            held = self._held.get(event.key)
            if held is not None:
                items.append(("start", held.start_jpeg, held.start_size, held.start_at))
            items.append(("dwell", items[0][1], items[0][2], at))
        return items
