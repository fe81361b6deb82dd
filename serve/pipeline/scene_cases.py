"""The scene baseline's finds to cases: new objects that appear and stay.

A find that stays its zone's dwell becomes the same case as before (same place), a case
of the detection that explains it (both signals agree), or a new static object case.
A detector violation at the place of a scene case names that case instead of opening a
second one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import cv2
from sqlalchemy.exc import SQLAlchemyError

from detector.detections import Detections
from detector.frame import ScaledFrame
from detector.geometry import Box, box_overlap
from detector.metadata import ModelInfo
from detector.rules.engine import Candidate, OpenViolation, ViolationEngine, ViolationEvent
from detector.scene.events import SceneEvent
from detector.scene.naming import explain
from detector.taxonomy import Taxonomy
from serve.config.cameras import Camera
from serve.metrics import Metrics
from serve.pipeline.case_writer import CaseWriter
from serve.pipeline.evidence import EvidenceMaker
from serve.pipeline.result import FrameResult
from serve.pipeline.suppression import SuppressionFilter
from serve.scene import SceneWatch
from serve.store.cases import CaseRepo
from serve.store.records import SCENE_LABEL, SCENE_VIOLATION, CaseRecord, Signal

logger = logging.getLogger(__name__)

# a scene region and a case's box are the same object at this overlap (over the smaller)
# when neither is more than MAX_SIZE_RATIO times the other's area
SAME_PLACE = 0.5
MAX_SIZE_RATIO = 4.0
# a difference over this fraction of the frame is no object but the scene itself changing
# (a knocked camera, a PTZ preset, snow): the baseline relearns it, nothing is a case
SCENE_CHANGE = 0.35


def same_object(a: Box, b: Box) -> bool:
    """Whether two boxes frame the same object: one mostly inside the other, and of
    comparable size (a region over half the frame is not "the same" as a car in it).

    >>> same_object((0, 0, 10, 10), (1, 1, 9, 11)), same_object((0, 0, 100, 100), (0, 0, 10, 10))
    (True, False)
    """
    area_a = max(a[2] - a[0], 0.0) * max(a[3] - a[1], 0.0)
    area_b = max(b[2] - b[0], 0.0) * max(b[3] - b[1], 0.0)
    if min(area_a, area_b) <= 0 or max(area_a, area_b) > MAX_SIZE_RATIO * min(area_a, area_b):
        return False
    return box_overlap(a, b)[1] >= SAME_PLACE


class SceneCases:
    """Turns one camera's scene events into cases, alongside the detector's rules."""

    def __init__(
        self,
        camera: Camera,
        watch: SceneWatch | None,
        *,
        taxonomy: Taxonomy,
        engine: ViolationEngine,
        cases: CaseRepo,
        writer: CaseWriter,
        evidence: EvidenceMaker,
        suppressions: SuppressionFilter,
        metrics: Metrics,
        report: Callable[[str], None],
    ) -> None:
        self.camera = camera
        self.watch = watch
        self.taxonomy = taxonomy
        self.engine = engine
        self.cases = cases
        self.writer = writer
        self.evidence = evidence
        self.suppressions = suppressions
        self.metrics = metrics
        self.report = report  # tells the camera's health what went wrong
        self._keys: dict[int, int | None] = {}  # scene candidate -> its case (None: no case)
        self._open: dict[int, tuple[Box, str]] = {}  # case -> box, violation
        # another signal's open cases and their boxes (the text signal's flyers)
        self.others: Callable[[], list[tuple[int, Box]]] = list

    def restore(self, records: list[CaseRecord]) -> None:
        """Take back the open cases the scene baseline found (or helped find)."""
        for r in records:
            if r.signal != "detector":
                self._open[r.id] = ((r.box[0], r.box[1], r.box[2], r.box[3]), r.violation)

    def update(self, frame: ScaledFrame, at: dt.datetime, *, changed: bool) -> list[SceneEvent]:
        """The baseline's events for this frame (``changed``: the motion gate let it
        through); none when it is off, not due to look, or fails."""
        if self.watch is None:
            return []
        try:
            return self.watch.update(frame, at.timestamp(), self._protected(), changed=changed)
        except cv2.error as e:  # never let the second signal stop the first
            logger.exception("camera %s: scene baseline failed", self.camera.id)
            self.report(f"scene baseline failed: {e}")
            return []

    def seen(self, events: list[SceneEvent]) -> set[int]:
        """The cases whose objects these events saw in place."""
        return {
            case_id
            for e in events
            if e.kind in ("seen", "reached") and (case_id := self._keys.get(e.key))
        }

    def handle(
        self,
        events: list[SceneEvent],
        frame: ScaledFrame,
        at: dt.datetime,
        out: FrameResult,
        detections: Detections,
        info: ModelInfo,
    ) -> None:
        out.scene = events
        w, h = frame.size
        for event in events:
            x1, y1, x2, y2 = event.box
            if (
                event.kind in ("started", "reached")
                and (x2 - x1) * (y2 - y1) > SCENE_CHANGE * w * h
            ):
                self._scene_changed(event)
                continue
            try:
                if event.kind == "reached":
                    self._reached(event, frame, at, out, detections, info)
                elif event.kind == "seen":
                    case_id = self._keys.get(event.key)
                    # a case the detector's rules hold is updated by its own sightings
                    if case_id is not None and not self._engine_holds(case_id):
                        self.cases.update(case_id, last_seen=at)
                        out.updated.append(case_id)
                elif event.kind == "ended":
                    case_id = self._keys.pop(event.key, None)
                    if case_id is not None:
                        self._open.pop(case_id, None)
            except (OSError, SQLAlchemyError) as e:
                # a reached event is not offered again: the object is a case at the next
                # restart at the latest (the baseline does not learn it meanwhile)
                logger.exception("camera %s: could not write a scene case", self.camera.id)
                self.report(f"could not write a new static object case: {e}")
                self.metrics.frame_errors.labels(self.camera.id, "case_write").inc()

    def _scene_changed(self, event: SceneEvent) -> None:
        """The whole picture changed: learn it as the empty street (the detector still
        finds what stands in it) and tell the camera's health."""
        self._keys[event.key] = None
        if self.watch is None:
            return
        x1, y1, x2, y2 = (int(v) for v in event.box)
        logger.warning(
            "camera %s: the scene changed (%dx%d px differ at once): relearning the empty "
            "street; check the camera's aim and zones",
            self.camera.id,
            x2 - x1,
            y2 - y1,
        )
        self.report("scene changed (camera moved, PTZ preset or weather): baseline relearnt")
        self.metrics.frame_errors.labels(self.camera.id, "scene_change").inc()
        self.watch.accept(None)

    def identify(self, event: ViolationEvent, at: dt.datetime) -> int | None:
        """The detector now recognises an object that already is a scene case: that case
        (named by the detector if no reviewer has named it yet), not a second one."""
        flyers = [(case_id, (box, "illegal_ad")) for case_id, box in self.others()]
        for case_id, (box, violation) in [*self._open.items(), *flyers]:
            if violation not in (SCENE_VIOLATION, event.violation):
                continue
            if not same_object(event.box, box):
                continue
            record, _ = self.cases.update(
                case_id,
                last_seen=at,
                signal="detector",
                identified=(event.violation, event.label),
            )
            self._open[case_id] = (box, record.violation)
            return case_id
        return None

    def _protected(self) -> list[Box]:
        """Boxes of the objects that already are cases: never learnt as empty street."""
        boxes = [c.box for c in self.engine.candidates.values() if c.case_id is not None]
        return boxes + [box for box, _ in self._open.values()]

    def _engine_holds(self, case_id: int) -> bool:
        return any(c.case_id == case_id for c in self.engine.candidates.values())

    def case_here(self, box: Box) -> int | None:
        """An open case of this camera whose box is this place (same object)."""
        held = [(c.case_id, c.box) for c in self.engine.candidates.values() if c.case_id]
        held += [(case_id, b) for case_id, (b, _) in self._open.items()]
        held += self.others()
        for case_id, other in held:
            if case_id is not None and same_object(box, other):
                return case_id
        return None

    def _reached(
        self,
        event: SceneEvent,
        frame: ScaledFrame,
        at: dt.datetime,
        out: FrameResult,
        detections: Detections,
        info: ModelInfo,
    ) -> None:
        if (case_id := self.case_here(event.box)) is not None:
            self._keys[event.key] = case_id
            record, _ = self.cases.update(case_id, last_seen=at, signal="scene")
            self._open.setdefault(case_id, (record.box, record.violation))
            out.updated.append(case_id)
            return
        names = out.names
        row = explain(event.box, detections, names) if len(detections) else None
        label, violation, box, confidence = SCENE_LABEL, SCENE_VIOLATION, event.box, event.score
        signal: Signal = "scene"
        if row is not None:
            label = names[int(detections.class_id[row])]
            x1, y1, x2, y2 = (float(v) for v in detections.xyxy[row])
            box = (x1, y1, x2, y2)
            # the violation the rules would make of it, given what is around it
            found = self.engine.violation_for(label, box)
            if found is None:  # a context object such as a new bin: seen, breaks no rule
                self._keys[event.key] = None
                return
            violation, signal = found, "both"
            # two independent signals agree: noisy-OR of their confidences
            confidence = 1.0 - (1.0 - float(detections.confidence[row])) * (1.0 - event.score)
        if self.suppressions.covers(label, box, at):
            self._keys[event.key] = None
            return
        case_id = self._open_case(event, violation, label, box, confidence, signal, frame, at, info)
        self._keys[event.key] = case_id
        self._open[case_id] = (box, violation)
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
                if c.violation == violation and c.case_id is None and same_object(box, c.box)
            ),
            None,
        )
        if pending is not None:
            self.engine.attach_case(pending.key, case_id, at)
            self.writer.drop(pending.key)
            return
        zone = self.evidence.zone(event.zone_id)
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

    def _open_case(
        self,
        event: SceneEvent,
        violation: str,
        label: str,
        box: Box,
        confidence: float,
        signal: Signal,
        frame: ScaledFrame,
        at: dt.datetime,
        info: ModelInfo,
    ) -> int:
        v = self.taxonomy.violation(violation)
        cls = next((c for c in self.taxonomy.classes if c.name == label), None)
        what_zh = f"{v.zh} · {cls.zh}" if cls else v.zh
        what_en = f"{v.en} · {label}" if cls else v.en
        zone = self.evidence.zone(event.zone_id)
        annotation = self.evidence.annotation(
            box, f"{what_zh} {confidence:.2f}", f"{what_en} {confidence:.2f}", zone, at
        )
        items = self.evidence.items(annotation, box, frame.full(), at)
        before = self.watch.before(event.first_seen) if self.watch else None
        if before is not None:
            taken = dt.datetime.fromtimestamp(before.at, dt.UTC)
            items.append(("before", before.jpeg, before.size, taken))
        items.append(("dwell", items[0][1], items[0][2], at))
        record = self.writer.create(
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
