"""One camera's frames to draft cases: gate, detect, track, rules, cases with evidence."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.exc import SQLAlchemyError

from detector.detections import Detections
from detector.geometry import box_iou
from detector.metadata import ModelInfo
from detector.motion import GateReason, MotionGate
from detector.rules.config import resolve_rules
from detector.rules.engine import OpenViolation, ViolationEngine, ViolationEvent
from detector.taxonomy import Taxonomy
from detector.tracking import Tracker
from serve.cameras.config import Camera
from serve.evidence.files import EvidenceFiles
from serve.evidence.render import Annotation, annotate, crop, encode_jpeg
from serve.metrics import Metrics
from serve.models import ModelHolder
from serve.store.cases import CaseRepo
from serve.store.records import (
    WATCHED_STATUSES,
    CaseRecord,
    EvidenceIn,
    EvidenceKind,
    NewCase,
    SuppressionRecord,
)
from serve.store.suppressions import SuppressionRepo
from serve.streams.health import StreamHealth

logger = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]
# a new sighting replaces the best evidence only when it is clearly better
BEST_MARGIN = 0.05
# open cases older than this are not taken back after a restart
RESTORE_DAYS = 30
# how stale the cached suppressions may get (they also refresh when one changes)
SUPPRESSION_REFRESH_S = 30.0
DISPATCHED_REFRESH_S = 30.0


class FrameOutOfOrderError(ValueError):
    """A frame older than the camera's last one (HTTP 409)."""


@dataclass
class FrameResult:
    camera_id: str
    at: dt.datetime
    inferred: bool
    gate: GateReason
    detections: Detections
    names: list[str]
    events: list[ViolationEvent] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    case_ids: dict[int, int] = field(default_factory=dict)  # candidate key -> case opened


@dataclass
class _Held:
    """What the pipeline keeps for a candidate until its case exists: its first frame."""

    start_jpeg: bytes
    start_at: dt.datetime
    start_size: tuple[int, int]
    best_written: float = 0.0


class CameraPipeline:
    """Processes one camera's frames in time order; safe to call from several threads."""

    def __init__(
        self,
        camera: Camera,
        *,
        models: ModelHolder,
        taxonomy: Taxonomy,
        cases: CaseRepo,
        evidence: EvidenceFiles,
        metrics: Metrics,
        health: StreamHealth,
        suppressions: SuppressionRepo | None = None,
        reinspect_checks: int = 3,
        reinspect_interval_s: float = 60.0,
    ) -> None:
        self.camera = camera
        self.reinspect_checks = reinspect_checks
        self.reinspect_interval_s = reinspect_interval_s
        self._dispatched: dict[int, CaseRecord] = {}
        self._dispatched_fetched = -1e18
        self._checks: dict[int, list[Any]] = {}  # case id -> [absent checks, last check time]
        self.models = models
        self.taxonomy = taxonomy
        self.cases = cases
        self.evidence = evidence
        self.metrics = metrics
        self.health = health
        self.rules = resolve_rules(camera.rules)
        self.engine = ViolationEngine(taxonomy, camera.zones, self.rules, tz=camera.tz)
        self.tracker = Tracker()
        self.gate = MotionGate(
            min_changed=camera.motion.min_changed, recheck_s=camera.motion.recheck_s
        )
        self.last_frame_at: dt.datetime | None = None
        self._held: dict[int, _Held] = {}
        self._lock = threading.Lock()
        self.suppressions = suppressions
        self._suppressed: set[int] = set()  # candidate keys a suppression holds back
        self._suppression_cache: tuple[float, list[SuppressionRecord]] = (-1e18, [])

    def restore(self, now: dt.datetime) -> int:
        """Take back this camera's open cases so re-sightings update them; returns how many.

        Which cases are still "open" is judged against the camera's own latest sighting,
        not the wall clock, so replayed or delayed feeds restore the same way as live ones.
        """
        longest = max(r.clear_after_s for r in self.rules.values())
        recent = self.cases.open_for_camera(
            self.camera.id,
            statuses=WATCHED_STATUSES,
            seen_since=now - dt.timedelta(days=RESTORE_DAYS),
        )
        if not recent:
            return 0
        latest = max(r.last_seen for r in recent)
        records = [r for r in recent if (latest - r.last_seen).total_seconds() <= longest]
        self.engine.restore(
            [
                OpenViolation(
                    case_id=r.id,
                    violation=r.violation,
                    label=r.label,
                    box=(r.box[0], r.box[1], r.box[2], r.box[3]),
                    confidence=r.confidence,
                    zone_id=r.zone_id,
                    responsible=r.responsible,
                    first_seen=r.first_seen,
                    last_seen=r.last_seen,
                    reached_at=r.dwell_reached_at,
                )
                for r in records
            ]
        )
        self.last_frame_at = latest
        return len(records)

    def process(self, frame: Image, at: dt.datetime) -> FrameResult:
        """Run one frame taken at ``at``; raises FrameOutOfOrderError if older than the last."""
        if at.tzinfo is None:
            raise ValueError("frame time must be timezone-aware")
        with self._lock:
            if self.last_frame_at is not None and at < self.last_frame_at:
                self.metrics.frame_errors.labels(self.camera.id, "out_of_order").inc()
                raise FrameOutOfOrderError(
                    f"frame time {at.isoformat()} is older than camera {self.camera.id}'s "
                    f"last frame ({self.last_frame_at.isoformat()})"
                )
            self.last_frame_at = at
            self.metrics.frames_in.labels(self.camera.id).inc()
            return self._process(frame, at)

    def _process(self, frame: Image, at: dt.datetime) -> FrameResult:
        detector = self.models.current
        names = detector.names
        decision = self.gate.check(frame, at.timestamp()) if self.camera.motion.enabled else None
        if decision is not None and not decision.run:
            self.health.frame_processed(at, inferred=False)
            self.metrics.frames_processed.labels(self.camera.id, "false").inc()
            return FrameResult(self.camera.id, at, False, "static", Detections.empty(), names)
        started = time.perf_counter()
        detections = detector.detect(frame)
        self.metrics.inference_seconds.observe(time.perf_counter() - started)
        tracked = self.tracker.update(detections)
        events = self.engine.update(tracked, at)
        result = FrameResult(
            self.camera.id,
            at,
            True,
            decision.reason if decision else "motion",
            tracked,
            names,
            events,
        )
        for event in events:
            self._handle(event, frame, at, result, detector.info)
        try:
            self._reinspect(events, frame, at)
        except (OSError, SQLAlchemyError) as e:
            logger.exception("camera %s: re-inspection failed", self.camera.id)
            self.health.error(f"re-inspection failed: {e}")
        self.health.frame_processed(at, inferred=True)
        self.metrics.frames_processed.labels(self.camera.id, "true").inc()
        return result

    def _handle(
        self,
        event: ViolationEvent,
        frame: Image,
        at: dt.datetime,
        out: FrameResult,
        info: ModelInfo,
    ) -> None:
        if event.kind == "started":
            self._held[event.key] = _Held(encode_jpeg(frame), at, (frame.shape[1], frame.shape[0]))
        elif event.kind == "ended":
            self._held.pop(event.key, None)
            self._suppressed.discard(event.key)
        elif event.kind == "reached":
            if event.key in self._suppressed or self._is_suppressed(event, at):
                self._suppressed.add(event.key)
                return
            try:
                case_id = self._open_case(event, frame, at, info)
            except (OSError, SQLAlchemyError) as e:
                # the engine offers the violation again with the next sighting
                self._case_write_failed(event, e)
                return
            self.engine.attach_case(event.key, case_id)
            out.opened.append(case_id)
            out.case_ids[event.key] = case_id
        elif event.kind == "seen" and event.case_id is not None:
            try:
                self._update_case(event, frame, at)
            except (OSError, SQLAlchemyError) as e:
                self._case_write_failed(event, e)
                return
            out.updated.append(event.case_id)

    def _case_write_failed(self, event: ViolationEvent, error: Exception) -> None:
        logger.exception("camera %s: could not write %s case", self.camera.id, event.violation)
        self.health.error(f"could not write {event.violation} case: {error}")
        self.metrics.frame_errors.labels(self.camera.id, "case_write").inc()

    def _reinspect(self, events: list[ViolationEvent], frame: Image, at: dt.datetime) -> None:
        """回头看: a dispatched case whose object is gone for ``reinspect_checks`` checks,
        ``reinspect_interval_s`` apart, is verified cleared with a frame of the cleared scene."""
        now = time.monotonic()
        if now - self._dispatched_fetched > DISPATCHED_REFRESH_S:
            records, _ = self.cases.list(status="dispatched", camera_id=self.camera.id, limit=500)
            self._dispatched = {r.id: r for r in records}
            self._dispatched_fetched = now
        if not self._dispatched:
            return
        seen = {e.case_id for e in events if e.kind in ("seen", "reached") and e.case_id}
        for case_id, record in list(self._dispatched.items()):
            state = self._checks.setdefault(case_id, [0, None])
            if case_id in seen:
                state[0], state[1] = 0, None
                continue
            last = state[1]
            if last is not None and (at - last).total_seconds() < self.reinspect_interval_s:
                continue
            state[0] += 1
            state[1] = at
            if state[0] < self.reinspect_checks:
                continue
            self._clear(record, frame, at, state[0])
            del self._dispatched[case_id]
            del self._checks[case_id]

    def _clear(self, record: CaseRecord, frame: Image, at: dt.datetime, checks: int) -> None:
        violation = self.taxonomy.violation(record.violation)
        annotation = Annotation(
            box=record.box,
            label=f"已清除 · {violation.zh} (核查 {checks} 次)",
            fallback_label=f"cleared · {violation.en} ({checks} checks)",
            header=(
                f"{self.camera.name or self.camera.id}  {self.camera.address}".strip(),
                at.astimezone(self.camera.tz).isoformat(sep=" ", timespec="seconds"),
            ),
        )
        image = annotate(frame, annotation).image
        key = record.evidence[0].path.split("/")[0] if record.evidence else f"case{record.id}"
        stored = self.evidence.write(key, "cleared", encode_jpeg(image))
        self.cases.update(
            record.id,
            last_seen=record.last_seen,
            evidence=[
                EvidenceIn(
                    kind="cleared",
                    path=stored.relpath,
                    sha256=stored.sha256,
                    size=stored.size,
                    width=image.shape[1],
                    height=image.shape[0],
                    taken_at=at,
                )
            ],
        )
        self.cases.transition(
            record.id,
            "verified_cleared",
            actor="system",
            reason="reinspection",
            detail={"checks": checks, "interval_s": self.reinspect_interval_s},
        )
        logger.info("camera %s: case %d verified cleared", self.camera.id, record.id)

    def _is_suppressed(self, event: ViolationEvent, at: dt.datetime) -> bool:
        """A reviewer rejected this class at this place as a false positive, not long ago."""
        if self.suppressions is None:
            return False
        fetched, active = self._suppression_cache
        now = time.monotonic()
        if now - fetched > SUPPRESSION_REFRESH_S:
            active = self.suppressions.active(self.camera.id, dt.datetime.now(dt.UTC))
            self._suppression_cache = (now, active)
        return any(
            s.label == event.label and s.expires_at > at and box_iou(s.box, event.box) >= 0.5
            for s in active
        )

    def forget_dispatched(self) -> None:
        """Re-read the dispatched cases at the next frame (one was just dispatched)."""
        self._dispatched_fetched = -1e18

    def forget_suppressions(self) -> None:
        """Re-read suppressions at the next chance (one was added or lifted)."""
        self._suppression_cache = (-1e18, [])
        self._suppressed.clear()

    # -- cases --------------------------------------------------------------------------

    def _annotation(self, event: ViolationEvent, at: dt.datetime) -> Annotation:
        violation = self.taxonomy.violation(event.violation)
        cls = next(c for c in self.taxonomy.classes if c.name == event.label)
        zone = next((z for z in self.camera.zones if z.id == event.zone_id), None)
        local = at.astimezone(self.camera.tz)
        cam = self.camera
        return Annotation(
            box=event.box,
            label=f"{violation.zh} · {cls.zh} {event.confidence:.2f}",
            fallback_label=f"{violation.en} · {event.label} {event.confidence:.2f}",
            zone_polygon=zone.polygon if zone else None,
            zone_label=(zone.name or zone.id) if zone else None,
            header=tuple(
                line
                for line in (
                    f"{cam.name or cam.id}  {cam.address}".strip(),
                    local.isoformat(sep=" ", timespec="seconds"),
                )
                if line
            ),
        )

    def _pack(
        self, key: str, event: ViolationEvent, frame: Image, at: dt.datetime, *, dwell: bool
    ) -> list[EvidenceIn]:
        """Write the evidence files for a sighting; returns the rows to record."""
        h, w = frame.shape[:2]
        annotated = annotate(frame, self._annotation(event, at)).image
        cropped = crop(frame, event.box)
        items: list[tuple[EvidenceKind, bytes, tuple[int, int], dt.datetime]] = [
            ("annotated", encode_jpeg(annotated), (annotated.shape[1], annotated.shape[0]), at),
            ("original", encode_jpeg(frame, quality=95), (w, h), at),
            ("crop", encode_jpeg(cropped), (cropped.shape[1], cropped.shape[0]), at),
        ]
        if dwell:
            held = self._held.get(event.key)
            if held is not None:
                items.append(("start", held.start_jpeg, held.start_size, held.start_at))
            items.append(("dwell", items[0][1], items[0][2], at))
        rows = []
        for kind, data, (ew, eh), taken in items:
            stored = self.evidence.write(key, kind, data)
            rows.append(
                EvidenceIn(
                    kind=kind,
                    path=stored.relpath,
                    sha256=stored.sha256,
                    size=stored.size,
                    width=ew,
                    height=eh,
                    taken_at=taken,
                )
            )
        return rows

    def _open_case(
        self, event: ViolationEvent, frame: Image, at: dt.datetime, info: ModelInfo
    ) -> int:
        dwell = self.rules[event.violation].dwell_s is not None
        key = f"{self.camera.id}-{at.strftime('%Y%m%d')}-{uuid.uuid4().hex[:12]}"
        evidence = self._pack(key, event, frame, at, dwell=dwell)
        first_seen = dt.datetime.fromtimestamp(event.first_seen, dt.UTC)
        record = self.cases.create(
            NewCase(
                camera_id=self.camera.id,
                violation=event.violation,
                label=event.label,
                signal="detector",
                first_seen=first_seen,
                last_seen=at,
                dwell_reached_at=at if dwell else None,
                confidence=event.confidence,
                box=list(event.box),
                zone_id=event.zone_id,
                responsible=event.responsible,
                address=self.camera.address,
                lat=self.camera.lat,
                lon=self.camera.lon,
                timezone=self.camera.timezone,
                model_name=info.name,
                model_version=info.version,
            ),
            evidence,
        )
        self._held.pop(event.key, None)
        self.metrics.cases_opened.labels(self.camera.id, event.violation).inc()
        logger.info(
            "camera %s: opened case %d (%s %s, %.0f s)",
            self.camera.id,
            record.id,
            event.violation,
            event.label,
            event.duration_s,
        )
        return record.id

    def _update_case(self, event: ViolationEvent, frame: Image, at: dt.datetime) -> None:
        assert event.case_id is not None
        evidence: list[EvidenceIn] = []
        record = None
        if event.best:
            record = self.cases.get(event.case_id)
            # a reviewed case keeps the frame the reviewer judged
            if (
                record is not None
                and record.reviewed_at is None
                and event.confidence >= record.confidence + BEST_MARGIN
            ):
                key = (
                    record.evidence[0].path.split("/")[0]
                    if record.evidence
                    else (f"{self.camera.id}-case{record.id}")
                )
                evidence = self._pack(key, event, frame, at, dwell=False)
        _, stale = self.cases.update(
            event.case_id,
            last_seen=at,
            confidence=event.confidence if evidence else None,
            box=list(event.box) if evidence else None,
            evidence=evidence,
        )
        for path in stale:
            self.evidence.remove(path)
        self.metrics.case_updates.labels(self.camera.id).inc()
