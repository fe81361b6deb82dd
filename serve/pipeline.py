"""One camera's frames to draft cases: gate, detect, track, rules, cases with evidence."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from sqlalchemy.exc import SQLAlchemyError

from detector.detections import Detections
from detector.geometry import Box, box_iou, box_overlap
from detector.metadata import ModelInfo
from detector.model import Detector
from detector.motion import GateReason, MotionGate
from detector.rules.config import resolve_rules
from detector.rules.engine import Candidate, OpenViolation, ViolationEngine, ViolationEvent
from detector.scene.events import SceneEvent
from detector.scene.naming import explain
from detector.taxonomy import Taxonomy
from detector.tiling import TiledDetector, TileGrid
from detector.tracking import Tracker
from detector.zones import Zone
from serve.config.cameras import Camera
from serve.evidence.files import EvidenceFiles
from serve.evidence.render import Annotation, annotate, crop, encode_jpeg
from serve.metrics import Metrics
from serve.models import ModelHolder
from serve.scene import SceneWatch
from serve.store.cases import CaseRepo
from serve.store.records import (
    SCENE_LABEL,
    SCENE_VIOLATION,
    CaseRecord,
    EvidenceIn,
    EvidenceKind,
    NewCase,
    Signal,
    SuppressionRecord,
)
from serve.store.suppressions import SuppressionRepo
from serve.streams.health import StreamHealth
from serve.workflow import WATCHED, CaseStatus

logger = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]
# a new sighting replaces the best evidence only when it is clearly better
BEST_MARGIN = 0.05
# open cases older than this are not taken back after a restart
RESTORE_DAYS = 30
# how stale the cached suppressions may get (they also refresh when one changes)
SUPPRESSION_REFRESH_S = 30.0
DISPATCHED_REFRESH_S = 30.0
# a scene region and a case's box are the same object at this overlap (over the smaller)
SAME_PLACE = 0.5


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
    scene: list[SceneEvent] = field(default_factory=list)


# one evidence file to write: kind, JPEG bytes, (width, height), when it was taken
_Item = tuple[EvidenceKind, bytes, tuple[int, int], dt.datetime]


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
        scene_dir: Path | None = None,
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
        self.scene = (
            SceneWatch(camera.id, camera.zones, camera.scene, scene_dir)
            if camera.scene.enabled
            else None
        )
        self._scene_keys: dict[int, int | None] = {}  # scene candidate -> its case (None: no case)
        self._scene_open: dict[int, tuple[Box, str]] = {}  # case -> box, violation
        self._last_detections = Detections.empty()

    def restore(self, now: dt.datetime) -> int:
        """Take back this camera's open cases so re-sightings update them; returns how many.

        Which cases are still "open" is judged against the camera's own latest sighting,
        not the wall clock, so replayed or delayed feeds restore the same way as live ones.
        """
        longest = max(r.clear_after_s for r in self.rules.values())
        recent = self.cases.open_for_camera(
            self.camera.id,
            statuses=sorted(WATCHED),
            seen_since=now - dt.timedelta(days=RESTORE_DAYS),
        )
        if not recent:
            return 0
        latest = max(r.last_seen for r in recent)
        records = [r for r in recent if (latest - r.last_seen).total_seconds() <= longest]
        for r in records:
            if r.signal != "detector":
                self._scene_open[r.id] = ((r.box[0], r.box[1], r.box[2], r.box[3]), r.violation)
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

    def _detect(self, detector: Detector, frame: Image) -> Detections:
        settings = self.camera.inference
        if settings.tiles is None:
            return detector.detect(frame)
        grid = TileGrid(*settings.tiles, overlap=settings.tile_overlap)
        return TiledDetector(detector, grid).detect(frame)

    def _process(self, frame: Image, at: dt.datetime) -> FrameResult:
        detector = self.models.current
        names = detector.names
        scene = self._scene_update(frame, at)
        decision = self.gate.check(frame, at.timestamp()) if self.camera.motion.enabled else None
        if decision is not None and not decision.run:
            result = FrameResult(self.camera.id, at, False, "static", Detections.empty(), names)
            # nothing moved since the last inference: its detections still explain the scene
            self._handle_scene(scene, frame, at, result, self._last_detections, detector.info)
            self.health.frame_processed(at, inferred=False)
            self.metrics.frames_processed.labels(self.camera.id, "false").inc()
            return result
        started = time.perf_counter()
        detections = self._detect(detector, frame)
        self.metrics.inference_seconds.observe(time.perf_counter() - started)
        tracked = self.tracker.update(detections)
        self._last_detections = tracked
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
        self._handle_scene(scene, frame, at, result, tracked, detector.info)
        try:
            self._reinspect(events, frame, at, result.scene)
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
            if event.key in self._suppressed or self._is_suppressed(event.label, event.box, at):
                self._suppressed.add(event.key)
                return
            try:
                if (case_id := self._identify_scene_case(event, at)) is not None:
                    self.engine.attach_case(event.key, case_id)
                    out.updated.append(case_id)
                    return
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

    def _reinspect(
        self,
        events: list[ViolationEvent],
        frame: Image,
        at: dt.datetime,
        scene: Sequence[SceneEvent] = (),
    ) -> None:
        """回头看: a dispatched case whose object is gone for ``reinspect_checks`` checks,
        ``reinspect_interval_s`` apart, is verified cleared with a frame of the cleared scene."""
        now = time.monotonic()
        if now - self._dispatched_fetched > DISPATCHED_REFRESH_S:
            records, _ = self.cases.list(
                status=CaseStatus.DISPATCHED, camera_id=self.camera.id, limit=500
            )
            self._dispatched = {r.id: r for r in records}
            self._dispatched_fetched = now
        if not self._dispatched:
            return
        seen = {e.case_id for e in events if e.kind in ("seen", "reached") and e.case_id}
        for e in scene:
            if e.kind in ("seen", "reached") and (case_id := self._scene_keys.get(e.key)):
                seen.add(case_id)
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
            CaseStatus.VERIFIED_CLEARED,
            actor="system",
            reason="reinspection",
            detail={"checks": checks, "interval_s": self.reinspect_interval_s},
        )
        logger.info("camera %s: case %d verified cleared", self.camera.id, record.id)

    def _is_suppressed(self, label: str, box: Box, at: dt.datetime) -> bool:
        """A reviewer rejected this class at this place as a false positive, not long ago."""
        if self.suppressions is None:
            return False
        fetched, active = self._suppression_cache
        now = time.monotonic()
        if now - fetched > SUPPRESSION_REFRESH_S:
            active = self.suppressions.active(self.camera.id, dt.datetime.now(dt.UTC))
            self._suppression_cache = (now, active)
        return any(
            s.label == label and s.expires_at > at and box_iou(s.box, box) >= 0.5 for s in active
        )

    def accept_scene(self, zone_id: str | None) -> None:
        """Take the current scene as the empty street (of one zone, or all); KeyError for a
        zone the camera does not have, ValueError when the baseline is off."""
        if self.scene is None:
            raise ValueError(f"camera {self.camera.id} has its scene baseline turned off")
        with self._lock:
            self.scene.accept(zone_id)

    def close(self) -> None:
        """Save what outlives the process (the learnt empty scene)."""
        if self.scene is not None:
            with self._lock:
                self.scene.save()

    def forget_dispatched(self) -> None:
        """Re-read the dispatched cases at the next frame (one was just dispatched)."""
        self._dispatched_fetched = -1e18

    def forget_suppressions(self) -> None:
        """Re-read suppressions at the next chance (one was added or lifted)."""
        self._suppression_cache = (-1e18, [])
        self._suppressed.clear()

    # -- the scene baseline: new objects that appear and stay -----------------------------

    def _scene_update(self, frame: Image, at: dt.datetime) -> list[SceneEvent]:
        if self.scene is None:
            return []
        try:
            return self.scene.update(frame, at.timestamp(), self._protected())
        except cv2.error as e:  # never let the second signal stop the first
            logger.exception("camera %s: scene baseline failed", self.camera.id)
            self.health.error(f"scene baseline failed: {e}")
            return []

    def _protected(self) -> list[Box]:
        """Boxes of the objects that already are cases: never learnt as empty street."""
        boxes = [c.box for c in self.engine.candidates.values() if c.case_id is not None]
        return boxes + [box for box, _ in self._scene_open.values()]

    def _handle_scene(
        self,
        events: list[SceneEvent],
        frame: Image,
        at: dt.datetime,
        out: FrameResult,
        detections: Detections,
        info: ModelInfo,
    ) -> None:
        out.scene = events
        for event in events:
            try:
                if event.kind == "reached":
                    self._scene_reached(event, frame, at, out, detections, info)
                elif event.kind == "seen":
                    case_id = self._scene_keys.get(event.key)
                    # a case the detector's rules hold is updated by its own sightings
                    if case_id is not None and not self._engine_holds(case_id):
                        self.cases.update(case_id, last_seen=at)
                        out.updated.append(case_id)
                elif event.kind == "ended":
                    case_id = self._scene_keys.pop(event.key, None)
                    if case_id is not None:
                        self._scene_open.pop(case_id, None)
            except (OSError, SQLAlchemyError) as e:
                # a reached event is not offered again: the object is a case at the next
                # restart at the latest (the baseline does not learn it meanwhile)
                logger.exception("camera %s: could not write a scene case", self.camera.id)
                self.health.error(f"could not write a new static object case: {e}")
                self.metrics.frame_errors.labels(self.camera.id, "case_write").inc()

    def _engine_holds(self, case_id: int) -> bool:
        return any(c.case_id == case_id for c in self.engine.candidates.values())

    def _case_here(self, box: Box) -> int | None:
        """An open case of this camera whose box is this place (same object)."""
        held = [(c.case_id, c.box) for c in self.engine.candidates.values() if c.case_id]
        held += [(case_id, b) for case_id, (b, _) in self._scene_open.items()]
        for case_id, other in held:
            if case_id is not None and box_overlap(box, other)[1] >= SAME_PLACE:
                return case_id
        return None

    def _scene_reached(
        self,
        event: SceneEvent,
        frame: Image,
        at: dt.datetime,
        out: FrameResult,
        detections: Detections,
        info: ModelInfo,
    ) -> None:
        """A new object stayed its zone's dwell: the same case as before, a case of the
        detection that explains it (both signals agree), or a new static object case."""
        if (case_id := self._case_here(event.box)) is not None:
            self._scene_keys[event.key] = case_id
            record, _ = self.cases.update(case_id, last_seen=at, signal="scene")
            self._scene_open.setdefault(case_id, (event.box, record.violation))
            out.updated.append(case_id)
            return
        names = out.names
        row = explain(event.box, detections, names) if len(detections) else None
        label, violation, box, confidence = SCENE_LABEL, SCENE_VIOLATION, event.box, event.score
        signal: Signal = "scene"
        if row is not None:
            label = names[int(detections.class_id[row])]
            violations = self.taxonomy.violations_for_class(label)
            if not violations:  # a context object such as a new bin: seen, breaks no rule
                self._scene_keys[event.key] = None
                return
            violation, signal = violations[0].key, "both"
            x1, y1, x2, y2 = (float(v) for v in detections.xyxy[row])
            box = (x1, y1, x2, y2)
            # two independent signals agree: noisy-OR of their confidences
            confidence = 1.0 - (1.0 - float(detections.confidence[row])) * (1.0 - event.score)
        if self._is_suppressed(label, box, at):
            self._scene_keys[event.key] = None
            return
        case_id = self._open_scene_case(
            event, violation, label, box, confidence, signal, frame, at, info
        )
        self._scene_keys[event.key] = case_id
        self._scene_open[case_id] = (box, violation)
        out.opened.append(case_id)
        if violation != SCENE_VIOLATION:
            self._hand_to_engine(case_id, event, violation, label, box, confidence, at)

    def _hand_to_engine(
        self,
        case_id: int,
        event: SceneEvent,
        violation: str,
        label: str,
        box: Box,
        confidence: float,
        at: dt.datetime,
    ) -> None:
        """The detector's rules keep a named case updated: its pending candidate for the
        object takes the case, or the case is handed over as an open violation."""
        pending: Candidate | None = next(
            (
                c
                for c in self.engine.candidates.values()
                if c.violation == violation
                and c.case_id is None
                and box_overlap(box, c.box)[1] >= SAME_PLACE
            ),
            None,
        )
        if pending is not None:
            self.engine.attach_case(pending.key, case_id, at)
            self._held.pop(pending.key, None)
            return
        zone = self._zone(event.zone_id)
        self.engine.restore(
            [
                OpenViolation(
                    case_id=case_id,
                    violation=violation,
                    label=label,
                    box=box,
                    confidence=confidence,
                    zone_id=event.zone_id,
                    responsible=zone.responsible if zone else None,
                    first_seen=dt.datetime.fromtimestamp(event.first_seen, dt.UTC),
                    last_seen=at,
                    reached_at=at,
                )
            ]
        )

    def _identify_scene_case(self, event: ViolationEvent, at: dt.datetime) -> int | None:
        """The detector now recognises an object that already is a scene case: that case
        (named by the detector if no reviewer has named it yet), not a second one."""
        for case_id, (box, violation) in self._scene_open.items():
            if violation not in (SCENE_VIOLATION, event.violation):
                continue
            if box_overlap(event.box, box)[1] < SAME_PLACE:
                continue
            record, _ = self.cases.update(
                case_id,
                last_seen=at,
                signal="detector",
                identified=(event.violation, event.label),
            )
            self._scene_open[case_id] = (box, record.violation)
            return case_id
        return None

    def _open_scene_case(
        self,
        event: SceneEvent,
        violation: str,
        label: str,
        box: Box,
        confidence: float,
        signal: Signal,
        frame: Image,
        at: dt.datetime,
        info: ModelInfo,
    ) -> int:
        v = self.taxonomy.violation(violation)
        cls = next((c for c in self.taxonomy.classes if c.name == label), None)
        what_zh = f"{v.zh} · {cls.zh}" if cls else v.zh
        what_en = f"{v.en} · {label}" if cls else v.en
        zone = self._zone(event.zone_id)
        annotation = self._frame_annotation(
            box, f"{what_zh} {confidence:.2f}", f"{what_en} {confidence:.2f}", zone, at
        )
        items = self._pack_items(annotation, box, frame, at)
        before = self.scene.before(event.first_seen) if self.scene else None
        if before is not None:
            taken = dt.datetime.fromtimestamp(before.at, dt.UTC)
            items.append(("before", before.jpeg, before.size, taken))
        items.append(("dwell", items[0][1], items[0][2], at))
        record = self._create(
            items,
            violation=violation,
            label=label,
            signal=signal,
            first_seen=event.first_seen,
            at=at,
            dwell=True,
            confidence=confidence,
            box=box,
            zone_id=event.zone_id,
            responsible=zone.responsible if zone else None,
            info=info,
        )
        logger.info(
            "camera %s: opened case %d (%s %s, scene baseline, %.0f s)",
            self.camera.id,
            record.id,
            violation,
            label,
            event.last_seen - event.first_seen,
        )
        return record.id

    # -- cases --------------------------------------------------------------------------

    def _annotation(self, event: ViolationEvent, at: dt.datetime) -> Annotation:
        violation = self.taxonomy.violation(event.violation)
        cls = next(c for c in self.taxonomy.classes if c.name == event.label)
        zone = self._zone(event.zone_id)
        return self._frame_annotation(
            event.box,
            f"{violation.zh} · {cls.zh} {event.confidence:.2f}",
            f"{violation.en} · {event.label} {event.confidence:.2f}",
            zone,
            at,
        )

    def _frame_annotation(
        self, box: Box, label: str, fallback: str, zone: Zone | None, at: dt.datetime
    ) -> Annotation:
        local = at.astimezone(self.camera.tz)
        cam = self.camera
        return Annotation(
            box=box,
            label=label,
            fallback_label=fallback,
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

    def _pack_items(
        self, annotation: Annotation, box: Box, frame: Image, at: dt.datetime
    ) -> list[_Item]:
        """The annotated frame, the original and the object's crop, encoded."""
        h, w = frame.shape[:2]
        annotated = annotate(frame, annotation).image
        cropped = crop(frame, box)
        return [
            ("annotated", encode_jpeg(annotated), (annotated.shape[1], annotated.shape[0]), at),
            ("original", encode_jpeg(frame, quality=95), (w, h), at),
            ("crop", encode_jpeg(cropped), (cropped.shape[1], cropped.shape[0]), at),
        ]

    def _write(self, key: str, items: list[_Item]) -> list[EvidenceIn]:
        """Write the evidence files (atomically); returns the rows to record."""
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

    def _pack_event(
        self, event: ViolationEvent, frame: Image, at: dt.datetime, *, dwell: bool
    ) -> list[_Item]:
        """The evidence of a detector sighting (with its start and dwell frames if ``dwell``)."""
        items = self._pack_items(self._annotation(event, at), event.box, frame, at)
        if dwell:
            held = self._held.get(event.key)
            if held is not None:
                items.append(("start", held.start_jpeg, held.start_size, held.start_at))
            items.append(("dwell", items[0][1], items[0][2], at))
        return items

    def _zone(self, zone_id: str | None) -> Zone | None:
        return next((z for z in self.camera.zones if z.id == zone_id), None)

    def _create(
        self,
        items: list[_Item],
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
            ),
            self._write(key, items),
        )
        self.metrics.cases_opened.labels(self.camera.id, violation).inc()
        return record

    def _open_case(
        self, event: ViolationEvent, frame: Image, at: dt.datetime, info: ModelInfo
    ) -> int:
        dwell = self.rules[event.violation].dwell_s is not None
        record = self._create(
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
                evidence = self._write(key, self._pack_event(event, frame, at, dwell=False))
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
