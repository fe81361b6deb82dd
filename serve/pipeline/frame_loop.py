"""The frame loop: one camera's frames in time order through gate, detector and rules.

Each frame: the motion gate decides whether anything changed; the scene baseline
(``scene_cases``) looks at changed frames and, on a still street, every few seconds; the
detector runs on changed frames only; the tracker and the rules engine turn detections into
violation events, which ``case_writer`` makes into cases; ``reinspection`` checks
dispatched cases.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from pathlib import Path

import numpy as np
from sqlalchemy.exc import SQLAlchemyError

from detector.detections import Detections
from detector.frame import ScaledFrame
from detector.image import Image, decode_image
from detector.metadata import ModelInfo
from detector.model import Detector
from detector.motion import MotionGate
from detector.rules.config import resolve_rules
from detector.rules.engine import OpenViolation, ViolationEngine, ViolationEvent
from detector.scene.config import SceneConfig
from detector.taxonomy import Taxonomy
from detector.tiling import TiledDetector, TileGrid
from detector.tracking import Tracker
from serve.config.cameras import Camera
from serve.evidence.files import EvidenceFiles
from serve.evidence.render import encode_jpeg
from serve.metrics import Metrics
from serve.models import ModelHolder
from serve.pipeline.camera_clock import CameraClock
from serve.pipeline.case_writer import CaseWriter
from serve.pipeline.checkpoint import EngineCheckpoint
from serve.pipeline.evidence import EvidenceMaker
from serve.pipeline.glimpse import LatestFrame
from serve.pipeline.reinspection import Reinspector
from serve.pipeline.result import FrameOutOfOrderError, FrameResult
from serve.pipeline.scene_cases import SceneCases
from serve.pipeline.suppression import SuppressionFilter
from serve.pipeline.text_cases import TextCases
from serve.pipeline.text_worker import TextWorker
from serve.pipeline.timing import FrameMetrics, StageClock
from serve.scene import SceneWatch
from serve.store.cases import CaseRepo
from serve.store.checkpoints import CheckpointRepo
from serve.store.suppressions import SuppressionRepo
from serve.streams.health import StreamHealth
from serve.streams.pacing import PushBudget
from serve.workflow import WATCHED

logger = logging.getLogger(__name__)
SCENE_WIDTH = SceneConfig().width  # the scene baseline analyses frames this wide


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
        max_clock_ahead_s: float = 300.0,
        push_limit: tuple[float, float] | None = None,
        text_worker: TextWorker | None = None,
        checkpoints: CheckpointRepo | None = None,
        checkpoint_interval_s: float = 10.0,
    ) -> None:
        self.camera = camera
        self.max_clock_ahead_s = max_clock_ahead_s
        # pushed frames: (times the camera's sample rate, seconds of burst); None: no limit
        self.push_budget = (
            PushBudget(
                push_limit[0] * camera.sample_fps,
                max(1.0, push_limit[0] * camera.sample_fps * push_limit[1]),
            )
            if push_limit is not None
            else None
        )
        self.models = models
        self.cases = cases
        self.metrics = metrics
        self.series = FrameMetrics(metrics, camera.id)
        self.health = health
        self.rules = resolve_rules(camera.rules)
        self.engine = ViolationEngine(taxonomy, camera.zones, self.rules, tz=camera.tz)
        self.checkpoint = EngineCheckpoint(camera.id, checkpoints, checkpoint_interval_s)
        self.tracker = Tracker()
        self.gate = MotionGate(
            min_changed=camera.motion.min_changed, recheck_s=camera.motion.recheck_s
        )
        self.last_frame_at: dt.datetime | None = None
        self.clock = CameraClock(camera.id, max_clock_ahead_s, metrics)
        self._lock = threading.Lock()
        self._last_detections = Detections.empty()
        self.latest = LatestFrame()
        maker = EvidenceMaker(camera, taxonomy, evidence)
        self.suppressions = SuppressionFilter(camera.id, suppressions)
        self.writer = CaseWriter(
            camera, rules=self.rules, cases=cases, evidence=maker, metrics=metrics
        )
        watch = (
            SceneWatch(camera.id, camera.zones, camera.scene, scene_dir)
            if camera.scene.enabled
            else None
        )
        self.scene = SceneCases(
            camera,
            watch,
            taxonomy=taxonomy,
            engine=self.engine,
            cases=cases,
            writer=self.writer,
            evidence=maker,
            suppressions=self.suppressions,
            metrics=metrics,
            report=self._report,
        )
        self.text = TextCases(
            camera,
            text_worker,
            cases=cases,
            writer=self.writer,
            evidence=maker,
            metrics=metrics,
            report=self._report,
            case_here=self.scene.case_here,
        )
        self.scene.others = self.text.places
        self.checkpoint.parts = {"text": self.text} | ({"scene": watch} if watch else {})
        self.reinspector = Reinspector(
            camera,
            taxonomy=taxonomy,
            cases=cases,
            files=evidence,
            checks=reinspect_checks,
            interval_s=reinspect_interval_s,
        )

    def restore(self, now: dt.datetime) -> int:
        """Take back this camera's open cases so re-sightings update them; returns how many.

        Which cases are still "open" is judged against the camera's own latest sighting,
        not the wall clock, so replayed or delayed feeds restore the same way as live ones;
        a sighting stamped ahead of ``now`` (a camera clock that was wrong) is not taken
        back, so it cannot hold the camera's clock in the future.
        """
        longest = max(r.clear_after_s for r in self.rules.values())
        records = self.cases.open_for_camera(
            self.camera.id,
            statuses=sorted(WATCHED),
            within=dt.timedelta(seconds=longest),
            until=now + dt.timedelta(seconds=self.max_clock_ahead_s),
        )
        if not records:
            self.last_frame_at = self.checkpoint.restore(self.engine)
            return 0
        latest = max(r.last_seen for r in records)
        self.scene.restore(records)
        self.text.restore(records)
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
        saved = self.checkpoint.restore(self.engine)
        self.last_frame_at = latest if saved is None else max(latest, saved)
        return len(records)

    def admit_time(self, at: dt.datetime, now: dt.datetime) -> None:
        """FrameClockError for a pushed frame's time the camera's clock cannot have
        (``CameraClock.admit``); the health shows the offset either way."""
        self.clock.admit(at, now, self.health)

    def arrival_time(self, now: dt.datetime) -> dt.datetime:
        """The time for a pushed frame sent without one (``CameraClock.arrival``)."""
        with self._lock:
            last = self.last_frame_at
        return self.clock.arrival(now, last)

    def decode(self, data: bytes) -> ScaledFrame:
        """A pushed frame's bytes, decoded as small as the model and the scene baseline allow
        (whole for a tiled camera); ImageDecodeError for bytes that are no image."""
        if self.camera.inference.tiles is not None:
            return ScaledFrame.of(decode_image(data))
        imgsz = self.models.current.info.imgsz
        return ScaledFrame.decode(data, min_long_side=max(*imgsz, SCENE_WIDTH))

    def process(self, frame: Image | ScaledFrame, at: dt.datetime) -> FrameResult:
        """Run one frame taken at ``at``; raises FrameOutOfOrderError if older than the last."""
        if not isinstance(frame, ScaledFrame):
            frame = ScaledFrame.of(frame)
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
            self.series.frames_in.inc()
            return self._process(frame, at)

    def process_pulled(self, frame: Image | ScaledFrame, at: dt.datetime) -> FrameResult:
        """Run a frame a stream worker pulled (``serve/streams/``), read at ``at`` by our
        wall clock, which may step back (NTP): that never drops a frame."""
        last = self.last_frame_at
        return self.process(frame, at if last is None or at >= last else last)

    def accept_scene(self, zone_id: str | None) -> None:
        """Take the current scene as the empty street (of one zone, or all); KeyError for a
        zone the camera does not have, ValueError when the baseline is off."""
        if self.scene.watch is None:
            raise ValueError(f"camera {self.camera.id} has its scene baseline turned off")
        with self._lock:
            self.scene.watch.accept(zone_id)

    def close(self) -> None:
        """Save what outlives the process: waiting sightings, the learnt empty scene."""
        with self._lock:
            try:
                self.writer.flush()
            except (OSError, SQLAlchemyError):
                logger.exception("camera %s: sightings not written at close", self.camera.id)
            if self.scene.watch is not None:
                self.scene.watch.save()
            if self.last_frame_at is not None:
                self.checkpoint.save(self.engine, self.last_frame_at)

    def forget_dispatched(self) -> None:
        """Re-read the dispatched cases at the next frame (one was just dispatched)."""
        self.reinspector.forget()

    def forget_suppressions(self) -> None:
        """Re-read suppressions at the next chance (one was added or lifted)."""
        self.suppressions.forget()

    def _process(self, frame: ScaledFrame, at: dt.datetime) -> FrameResult:
        clock = StageClock()
        result = self._run(frame, at, clock)
        self.checkpoint.maybe_save(self.engine, at)
        result.timings_ms = clock.ms
        # a still frame is explained by the last inference's detections
        self.latest.record(frame, at, self._last_detections, result.names)
        self.series.record(clock)
        return result

    def _run(self, frame: ScaledFrame, at: dt.datetime, clock: StageClock) -> FrameResult:
        detector = self.models.current
        names = detector.names
        with clock("gate"):
            motion = self.camera.motion.enabled
            # at the scene baseline's analysis width: one downscale serves both
            small = frame.shrunk(SCENE_WIDTH) if motion else None
            decision = self.gate.check(small, at.timestamp()) if small is not None else None
        changed = decision is None or decision.run
        with clock("scene"):
            scene = self.scene.update(frame, at, changed=changed)
        if not changed:
            result = FrameResult(self.camera.id, at, False, "static", Detections.empty(), names)
            # nothing moved since the last inference: its detections still explain the scene
            with clock("cases"):
                self.scene.handle(scene, frame, at, result, self._last_detections, detector.info)
                self._text(frame, at, result, self._last_detections, detector.info)
                self._flush(at)
            self.health.frame_processed(at, inferred=False)
            self.series.processed[False].inc()
            return result
        with clock("detect"):
            detections = self._detect(detector, frame)
        self.series.inference.observe(clock.seconds["detect"])
        with clock("track"):
            tracked = self.tracker.update(detections)
        self._last_detections = tracked
        with clock("rules"):
            events = self.engine.update(tracked, at)
        gate = decision.reason if decision is not None else "motion"
        result = FrameResult(self.camera.id, at, True, gate, tracked, names, events)
        with clock("cases"):
            for event in events:
                self._handle(event, frame, at, result, detector.info)
            self.scene.handle(scene, frame, at, result, tracked, detector.info)
            self._text(frame, at, result, tracked, detector.info)
            self._flush(at)
            self._reinspect(events, result, frame, at)
        self.health.frame_processed(at, inferred=True)
        self.series.processed[True].inc()
        return result

    def _text(
        self,
        frame: ScaledFrame,
        at: dt.datetime,
        result: FrameResult,
        tracked: Detections,
        info: ModelInfo,
    ) -> None:
        """The text signal: reads that came back become cases; new reads are asked for."""
        if not self.text.active:
            return
        self.text.collect(result, info)
        self.text.schedule(frame, at, tracked, result.names, result.scene)

    def _flush(self, at: dt.datetime) -> None:
        try:
            self.writer.flush_due(at)
        except (OSError, SQLAlchemyError) as e:  # kept: the next frame tries again
            logger.exception("camera %s: could not write sightings", self.camera.id)
            self._report(f"could not write sightings: {e}")
            self.metrics.frame_errors.labels(self.camera.id, "case_write").inc()

    def _reinspect(
        self,
        events: list[ViolationEvent],
        result: FrameResult,
        frame: ScaledFrame,
        at: dt.datetime,
    ) -> None:
        seen = {e.case_id for e in events if e.kind in ("seen", "reached") and e.case_id}
        try:
            self.reinspector.check(seen | self.scene.seen(result.scene), frame, at)
        except (OSError, SQLAlchemyError) as e:
            logger.exception("camera %s: re-inspection failed", self.camera.id)
            self.health.error(f"re-inspection failed: {e}")

    def _detect(self, detector: Detector, frame: ScaledFrame) -> Detections:
        """Detections in full-size pixels (tiles look at the full frame)."""
        settings = self.camera.inference
        if settings.tiles is not None:
            grid = TileGrid(*settings.tiles, overlap=settings.tile_overlap)
            return TiledDetector(detector, grid).detect(frame.full())
        found = self.models.detect(detector, frame.image)
        if frame.scale == 1.0:
            return found
        return dataclasses.replace(found, xyxy=found.xyxy * np.float32(frame.scale))

    def _handle(
        self,
        event: ViolationEvent,
        frame: ScaledFrame,
        at: dt.datetime,
        out: FrameResult,
        info: ModelInfo,
    ) -> None:
        if event.kind == "started":
            full = frame.full()
            size = (full.shape[1], full.shape[0])
            self.writer.hold_start(event.key, encode_jpeg(full), size, at)
        elif event.kind == "ended":
            self.writer.drop(event.key)
            self.suppressions.release(event.key)
            if event.case_id is not None:
                self._flush_now()
        elif event.kind == "reached":
            if self.suppressions.holds_back(event.key, event.label, event.box, at):
                return
            try:
                if (case_id := self.scene.identify(event, at)) is not None:
                    self.engine.attach_case(event.key, case_id)
                    out.updated.append(case_id)
                    return
                case_id = self.writer.open(event, frame, at, info)
            except (OSError, SQLAlchemyError) as e:
                # the engine offers the violation again with the next sighting
                self._case_write_failed(event, e)
                return
            self.engine.attach_case(event.key, case_id)
            out.opened.append(case_id)
            out.case_ids[event.key] = case_id
        elif event.kind == "seen" and event.case_id is not None:
            try:
                self.writer.update(event, frame, at)
            except (OSError, SQLAlchemyError) as e:
                self._case_write_failed(event, e)
                return
            out.updated.append(event.case_id)

    def _flush_now(self) -> None:
        """A case's violation ended: its last sighting is written now."""
        try:
            self.writer.flush()
        except (OSError, SQLAlchemyError) as e:
            logger.exception("camera %s: could not write sightings", self.camera.id)
            self._report(f"could not write sightings: {e}")

    def _case_write_failed(self, event: ViolationEvent, error: Exception) -> None:
        logger.exception("camera %s: could not write %s case", self.camera.id, event.violation)
        self._report(f"could not write {event.violation} case: {error}")
        self.metrics.frame_errors.labels(self.camera.id, "case_write").inc()

    def _report(self, message: str) -> None:
        # the health object is replaced when the camera's stream starts: look it up each time
        self.health.error(message)
