"""The text signal's reads to cases: flyers (小广告) found by their print and phone number.

Inside a camera's ``wall`` and ``ad_prohibited`` zones, the OCR (``text_worker``) reads
each zone whole every ``text.sweep_s`` of camera time, and the detector's flyer and
outdoor-ad boxes and the scene baseline's new objects there at most once each
``text.recheck_s``. Lines are grouped into blocks and ``FlyerRule`` tells a flyer from a
lawful sign. A flyer read ``text.confirm_reads`` times at the same place becomes one
``illegal_ad`` / ``flyer`` case (signal ``ocr``) that carries its phone numbers, the text
with its confidences, and a legible crop of the print in its evidence; later reads of it,
and detector or scene sightings of the same object, update that case.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import deque
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from sqlalchemy.exc import SQLAlchemyError

from detector.detections import Detections
from detector.frame import ScaledFrame
from detector.geometry import Box, as_box
from detector.image import Image, decode_image
from detector.metadata import ModelInfo
from detector.scene.events import SceneEvent
from detector.text.flyer import FlyerRule, FlyerVerdict, TextBlock, group_lines
from detector.zones import Zone
from serve.config.cameras import Camera
from serve.evidence.render import encode_jpeg
from serve.metrics import Metrics
from serve.pipeline.case_writer import CaseWriter
from serve.pipeline.evidence import EvidenceMaker
from serve.pipeline.result import FrameResult
from serve.pipeline.scene_cases import same_object
from serve.pipeline.text_worker import TextJob, TextWorker
from serve.store.cases import CaseRepo
from serve.store.readings import LineRead, PhoneRead, Reading
from serve.store.records import SCENE_VIOLATION, CaseRecord

logger = logging.getLogger(__name__)

WALL_ZONES = ("wall", "ad_prohibited")
READ_CLASSES = ("flyer", "outdoor_ad")
# a detected box is read with this much of its size around it
MARGIN = 0.3
# a detected outdoor ad at least this sure and this many times a block's size is a sign
# the block is printed on
SIGN_CONFIDENCE = 0.4
SIGN_AREA_RATIO = 2.0
# flyers read once, waiting for their confirming read: at most this many, this long
MAX_PENDING = 200
PENDING_S = 86400.0
# the text crop in a case's evidence is enlarged to at least this height
TEXT_CROP_MIN_HEIGHT = 240


@dataclass
class _Pending:
    """A flyer read fewer than ``confirm_reads`` times so far."""

    box: Box
    numbers: set[str]
    first_at: float
    last_at: float
    reads: int


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _inside(zones: list[Zone], box: Box) -> Zone | None:
    point = np.array([_centre(box)], np.float64)
    return next((z for z in zones if bool(z.contains(point)[0])), None)


def _area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


class TextCases:
    """One camera's text signal: schedules reads, collects them, opens and updates cases."""

    def __init__(
        self,
        camera: Camera,
        worker: TextWorker | None,
        *,
        cases: CaseRepo,
        writer: CaseWriter,
        evidence: EvidenceMaker,
        metrics: Metrics,
        report: Callable[[str], None],
        case_here: Callable[[Box], int | None] = lambda box: None,
        rule: FlyerRule | None = None,
    ) -> None:
        self.camera = camera
        self.settings = camera.text
        self.worker = worker if camera.text.enabled else None
        self.walls = [z for z in camera.zones if z.type in WALL_ZONES]
        self._sweeps: list[tuple[tuple[str, str | int], Box]] = [
            (
                ("zone", z.id),
                (
                    min(p[0] for p in z.polygon),
                    min(p[1] for p in z.polygon),
                    max(p[0] for p in z.polygon),
                    max(p[1] for p in z.polygon),
                ),
            )
            for z in self.walls
        ]
        self.permitted = [z for z in camera.zones if z.type == "ad_permitted"]
        self.cases = cases
        self.writer = writer
        self.evidence = evidence
        self.metrics = metrics
        self.report = report
        self.case_here = case_here  # another signal's open case at a place
        self.rule = rule or FlyerRule()
        self._last_read: dict[Hashable, float] = {}
        self._busy: set[Hashable] = set()
        self._inbox: deque[TextJob] = deque()  # appended by the OCR thread
        self._pending: list[_Pending] = []
        self._open: dict[int, Box] = {}  # the text signal's open cases

    @property
    def active(self) -> bool:
        return self.worker is not None and bool(self.walls)

    def places(self) -> list[tuple[int, Box]]:
        """The text signal's open cases and their boxes (for the other signals)."""
        return list(self._open.items())

    def restore(self, records: list[CaseRecord]) -> None:
        for r in records:
            if r.signal == "ocr":
                self._open[r.id] = (r.box[0], r.box[1], r.box[2], r.box[3])

    def pending(self) -> list[dict[str, Any]]:
        """Flyers read fewer than ``confirm_reads`` times, as plain data: a camera moved to
        another worker (or restarted) goes on counting their reads there."""
        return [
            {
                "box": list(p.box),
                "numbers": sorted(p.numbers),
                "first_at": p.first_at,
                "last_at": p.last_at,
                "reads": p.reads,
            }
            for p in self._pending
        ]

    def adopt(self, pending: Sequence[Mapping[str, Any]]) -> int:
        """Take another process's ``pending`` reads; ValueError for data of another shape."""
        try:
            taken = [
                _Pending(
                    box=as_box(p["box"]),
                    numbers={str(n) for n in p["numbers"]},
                    first_at=float(p["first_at"]),
                    last_at=float(p["last_at"]),
                    reads=int(p["reads"]),
                )
                for p in pending
            ]
        except (KeyError, TypeError, ValueError, IndexError) as e:
            raise ValueError(f"pending flyer reads are not readable: {e!r}") from e
        self._pending = [*self._pending, *taken][-MAX_PENDING:]
        return len(taken)

    # -- scheduling (frame loop) ------------------------------------------------------------

    def schedule(
        self,
        frame: ScaledFrame,
        at: dt.datetime,
        tracked: Detections,
        names: list[str],
        scene: list[SceneEvent],
    ) -> None:
        """Ask the OCR for what is due on this frame: zone sweeps, new boxes in wall zones."""
        if not self.active:
            return
        t = at.timestamp()
        wanted = [(key, box, self.settings.sweep_s) for key, box in self._sweeps]
        ids = tracked.tracker_id if tracked.tracker_id is not None else [-1] * len(tracked)
        for xyxy, cls, track in zip(tracked.xyxy, tracked.class_id, ids, strict=True):
            box = (float(xyxy[0]), float(xyxy[1]), float(xyxy[2]), float(xyxy[3]))
            wall = _inside(self.walls, box) is not None
            if names[int(cls)] in READ_CLASSES and track >= 0 and wall:
                wanted.append((("track", int(track)), box, self.settings.recheck_s))
        for event in scene:
            if event.kind == "reached" and _inside(self.walls, event.box) is not None:
                wanted.append((("scene", event.key), event.box, self.settings.recheck_s))
        due = [
            (key, box)
            for key, box, interval in wanted
            if key not in self._busy and t - self._last_read.get(key, -math.inf) >= interval
        ]
        if not due:  # the usual frame: nothing to read, nothing decoded or encoded
            return
        signs = [
            (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
            for b, c, p in zip(tracked.xyxy, tracked.class_id, tracked.confidence, strict=True)
            if names[int(c)] == "outdoor_ad" and p >= SIGN_CONFIDENCE
        ]
        full = frame.full()
        jpeg = frame.jpeg if frame.jpeg is not None else encode_jpeg(full)  # once a frame
        for key, box in due:
            margin = 0.0 if key[0] == "zone" else MARGIN
            self._submit(key, box, margin, full, jpeg, t, signs)

    def _submit(
        self,
        key: Hashable,
        box: Box,
        margin: float,
        full: Image,
        jpeg: bytes,
        t: float,
        signs: list[Box],
    ) -> None:
        h, w = full.shape[:2]
        mx, my = (box[2] - box[0]) * margin, (box[3] - box[1]) * margin
        x1, y1 = max(0, int(box[0] - mx)), max(0, int(box[1] - my))
        x2, y2 = min(w, math.ceil(box[2] + mx)), min(h, math.ceil(box[3] + my))
        if x2 - x1 < 8 or y2 - y1 < 8:
            return
        job = TextJob(
            camera_id=self.camera.id,
            key=key,
            crop=np.ascontiguousarray(full[y1:y2, x1:x2]),
            origin=(x1, y1),
            frame_jpeg=jpeg,
            frame_size=(w, h),
            at_s=t,
            signs=signs,
        )
        assert self.worker is not None
        if self.worker.submit(job, self._inbox.append):
            self._busy.add(key)
            self._last_read[key] = t
        else:
            self.metrics.frame_errors.labels(self.camera.id, "ocr_busy").inc()

    # -- collecting (frame loop) ------------------------------------------------------------

    def collect(self, out: FrameResult, info: ModelInfo) -> None:
        """Turn the reads that came back since the last frame into cases."""
        while self._inbox:
            job = self._inbox.popleft()
            self._busy.discard(job.key)
            if job.error is not None:
                self.report(job.error)
                continue
            for block in group_lines(job.lines):
                verdict = self._judge(block, job)
                if verdict.flyer:
                    try:
                        self._sighting(block, verdict, job, out, info)
                    except (OSError, SQLAlchemyError) as e:
                        logger.exception("camera %s: could not write a flyer case", self.camera.id)
                        self.report(f"could not write a flyer case: {e}")
                        self.metrics.frame_errors.labels(self.camera.id, "case_write").inc()

    def _judge(self, block: TextBlock, job: TextJob) -> FlyerVerdict:
        if _inside(self.walls, block.box) is None:
            return FlyerVerdict(False, "not in a wall or ad_prohibited zone")
        cx, cy = _centre(block.box)
        in_sign = any(
            s[0] <= cx <= s[2]
            and s[1] <= cy <= s[3]
            and _area(s) >= SIGN_AREA_RATIO * _area(block.box)
            for s in job.signs
        )
        permitted = _inside(self.permitted, block.box) is not None
        return self.rule.judge(block, job.frame_size, permitted=permitted, in_sign=in_sign)

    def _sighting(
        self,
        block: TextBlock,
        verdict: FlyerVerdict,
        job: TextJob,
        out: FrameResult,
        info: ModelInfo,
    ) -> None:
        at = dt.datetime.fromtimestamp(job.at_s, dt.UTC)
        case_id = next((c for c, box in self._open.items() if same_object(block.box, box)), None)
        if case_id is None and (case_id := self.case_here(block.box)) is not None:
            # the scene baseline or the detector has this object as a case already: it is
            # a flyer, and its numbers join that case
            self.cases.phones.attach(case_id, _reading(block, verdict))
            record = self.cases.get(case_id)
            unnamed = record is not None and record.violation == SCENE_VIOLATION
            self.cases.update(
                case_id,
                last_seen=at,
                signal="ocr",
                identified=("illegal_ad", "flyer") if unnamed else None,
            )
            self._open[case_id] = block.box
            out.updated.append(case_id)
            return
        if case_id is not None:
            self.cases.update(case_id, last_seen=at, signal="ocr")
            out.updated.append(case_id)
            return
        numbers = {p.number for p in verdict.phones}
        pending = next(
            (p for p in self._pending if same_object(p.box, block.box) and p.numbers & numbers),
            None,
        )
        if pending is None:
            pending = _Pending(block.box, numbers, job.at_s, job.at_s, 1)
            self._pending = [
                p for p in self._pending[-(MAX_PENDING - 1) :] if job.at_s - p.last_at < PENDING_S
            ]
            self._pending.append(pending)
        elif job.at_s > pending.last_at:  # a second read of the same frame is not a second read
            pending.reads += 1
            pending.last_at = job.at_s
            pending.numbers |= numbers
        if pending.reads < self.settings.confirm_reads:
            return
        self._pending.remove(pending)
        case_id = self._open_case(block, verdict, job, pending.first_at, info)
        self._open[case_id] = block.box
        out.opened.append(case_id)

    def _open_case(
        self,
        block: TextBlock,
        verdict: FlyerVerdict,
        job: TextJob,
        first_at: float,
        info: ModelInfo,
    ) -> int:
        at = dt.datetime.fromtimestamp(job.at_s, dt.UTC)
        full = decode_image(job.frame_jpeg)
        zone = _inside(self.walls, block.box)
        numbers = " ".join(p.display for p in verdict.phones)
        confidence = min(block.phone_confidence(p) for p in verdict.phones)
        annotation = self.evidence.annotation(
            block.box, f"小广告 {numbers}", f"flyer {numbers}", zone, at
        )
        items = self.evidence.items(annotation, block.box, full, at)
        x1, y1, x2, y2 = (int(v) for v in block.box)
        pad = max(4, (y2 - y1) // 8)
        crop = full[max(0, y1 - pad) : y2 + pad, max(0, x1 - pad) : x2 + pad]
        if crop.shape[0] < TEXT_CROP_MIN_HEIGHT:
            scale = TEXT_CROP_MIN_HEIGHT / max(1, crop.shape[0])
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC).astype(
                np.uint8
            )
        items.append(("text", encode_jpeg(crop), (crop.shape[1], crop.shape[0]), at))
        reading = _reading(block, verdict)
        record = self.writer.create(
            items,
            violation="illegal_ad",
            label="flyer",
            signal="ocr",
            first_seen=first_at,
            at=at,
            dwell=True,
            confidence=confidence,
            box=block.box,
            zone_id=zone.id if zone else None,
            responsible=zone.responsible if zone else None,
            info=info,
            reading=reading,
        )
        logger.info(
            "camera %s: opened case %d (flyer, %s, text signal)", self.camera.id, record.id, numbers
        )
        return record.id


def _reading(block: TextBlock, verdict: FlyerVerdict) -> Reading:
    return Reading(
        phones=tuple(
            PhoneRead(p.number, p.kind, p.printed, block.phone_confidence(p))
            for p in verdict.phones
        ),
        lines=tuple(LineRead(ln.text, ln.confidence, ln.box) for ln in block.lines),
    )
