"""The demo camera: a synthetic street clip replayed in a loop, so a fresh checkout shows cases.

``streetwatch serve`` with no cameras file adds this camera. Its clip is rendered once by
the installed demo clip source (``training.synth.demo``, numpy and OpenCV only, found through
its entry point: see ``serve.plugins``) into ``<data_dir>/demo/``, with a JSON
sidecar holding the zones and what the clip should produce; a new clip version or a
missing or half-written file is rendered again. Rule times are short so that the first
draft cases open within a minute of starting.

>>> camera = demo_camera(Path("data"))  # doctest: +SKIP
>>> camera.id, camera.source.path.name  # doctest: +SKIP
('demo', 'street-1.mp4')
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import cv2
import numpy as np
import numpy.typing as npt
from pydantic import TypeAdapter, ValidationError

from detector.geometry import Box
from detector.rules.config import RuleOverride, RuleOverrides
from detector.zones import Zone
from serve.config.cameras import Camera, FileSource, MotionConfig
from serve.plugins import PluginError, demo_clip_source

logger = logging.getLogger(__name__)

DEMO_CAMERA_ID = "demo"
_ZONES = TypeAdapter(tuple[Zone, ...])
_TEMP = ".tmp-"  # prefix of files being written: never trusted, removed once old
_TEMP_MAX_AGE_S = 600.0


class DemoClipError(RuntimeError):
    """The demo clip could not be written or read back (start with --no-demo to skip it)."""


class ScriptedObject(Protocol):
    """One object the clip scripts, and the violation it should cause (None: none)."""

    @property
    def key(self) -> str: ...
    @property
    def class_name(self) -> str: ...
    @property
    def appear_s(self) -> float | None: ...
    @property
    def settled_s(self) -> float | None: ...
    @property
    def box(self) -> Box | None: ...
    @property
    def violation(self) -> str | None: ...
    @property
    def zone_id(self) -> str | None: ...


class DemoClip(Protocol):
    """A rendered clip: BGR frames at ``fps``, its zones and its scripted objects."""

    @property
    def frames(self) -> Sequence[npt.NDArray[np.uint8]]: ...
    @property
    def fps(self) -> float: ...
    @property
    def size(self) -> tuple[int, int]: ...
    @property
    def seed(self) -> int: ...
    @property
    def zones(self) -> Sequence[Zone]: ...
    @property
    def objects(self) -> Sequence[ScriptedObject]: ...


class DemoClipSource(Protocol):
    """What the ``streetwatch.demo_clip`` entry point names: a module rendering the clip."""

    DEMO_VERSION: int  # a new version replaces served copies

    def render_demo_clip(self) -> DemoClip: ...


@dataclass(frozen=True)
class DemoExpectation:
    """A violation the clip should produce: of what, where (clip pixels) and from when."""

    violation: str
    label: str
    zone_id: str | None
    box: Box
    from_s: float  # seconds into the clip when the object is in place


@dataclass(frozen=True)
class _Sidecar:
    clip: Path
    fps: float
    frames: int
    zones: tuple[Zone, ...]
    expected: tuple[DemoExpectation, ...]


def ensure_demo_clip(data_dir: Path) -> Path:
    """The demo clip under ``data_dir/demo/``, rendered and written first if needed."""
    return _ensure(data_dir).clip


def demo_camera(data_dir: Path) -> Camera:
    """The demo camera: the clip looped at 2 fps, its zones, and short rule times."""
    meta = _ensure(data_dir)
    return Camera(
        id=DEMO_CAMERA_ID,
        name="演示摄像头（合成街景）",
        address="山东省青岛市市南区演示路 1 号对面",
        lat=36.0671,
        lon=120.3826,
        timezone="Asia/Shanghai",
        source=FileSource(kind="file", path=meta.clip, loop=True, fps=meta.fps),
        sample_fps=2.0,
        zones=meta.zones,
        rules=RuleOverrides(
            # measured on the clip: the parked car scores 0.6-0.75, the stall 0.4-0.55 and
            # the banner 0.5-0.6 with the reference model (tests/serve/test_demo.py). A short
            # max_gap_s: the clip loops, and a pending sighting must not pair with the same
            # frame one loop later as if the object had stayed all along.
            illegal_parking=RuleOverride(dwell_s=20.0, min_confidence=0.4, max_gap_s=15.0),
            out_of_store_trading=RuleOverride(dwell_s=15.0, min_confidence=0.3, max_gap_s=15.0),
            illegal_ad=RuleOverride(
                min_frames=3, min_span_s=5.0, min_confidence=0.4, max_gap_s=15.0
            ),
        ),
        # a still scene is re-checked often enough for the short rule times above
        motion=MotionConfig(recheck_s=5.0),
    )


def demo_expectations(data_dir: Path) -> list[DemoExpectation]:
    """The violations the demo clip should produce, one per scripted culprit."""
    return list(_ensure(data_dir).expected)


def _ensure(data_dir: Path) -> _Sidecar:
    try:
        source = cast(DemoClipSource, demo_clip_source())
    except PluginError as e:
        raise DemoClipError(str(e)) from e
    version = source.DEMO_VERSION
    folder = data_dir / "demo"
    meta = folder / f"street-{version}.json"
    found = _read_sidecar(meta, version)
    if found is not None:
        return found
    folder.mkdir(parents=True, exist_ok=True)
    logger.info("rendering the demo street clip (version %d) into %s", version, folder)
    started = time.monotonic()
    clip = source.render_demo_clip()
    logger.info(
        "rendered %d frames in %.1f s; writing the video",
        len(clip.frames),
        time.monotonic() - started,
    )
    path = folder / f"street-{version}.mp4"
    _write_video(clip, path)
    # the sidecar goes last: a clip without its sidecar is never trusted
    sidecar = _sidecar_json(clip, path, version)
    _write_text(meta, json.dumps(sidecar, ensure_ascii=False, indent=1))
    _remove_stale(folder, keep={path.name, meta.name})
    logger.info("demo clip ready: %s (%.1f s)", path, time.monotonic() - started)
    found = _read_sidecar(meta, version)
    if found is None:
        raise DemoClipError(f"demo clip in {folder} is not readable right after writing it")
    return found


def _read_sidecar(meta: Path, version: int) -> _Sidecar | None:
    """The sidecar when it and the clip it names look complete; None means render again."""
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        if data["version"] != version:
            raise ValueError(f"it is for clip version {data['version']}, not {version}")
        clip = meta.parent / str(data["clip"])
        found = _Sidecar(
            clip=clip,
            fps=float(data["fps"]),
            frames=int(data["frames"]),
            zones=_ZONES.validate_python(data["zones"]),
            expected=tuple(_expectation(o) for o in data["objects"] if o["violation"]),
        )
        if clip.stat().st_size != int(data["bytes"]):
            raise ValueError(f"{clip} has {clip.stat().st_size} bytes, expected {data['bytes']}")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, ValidationError) as e:
        logger.warning("demo clip sidecar %s is unusable (%s); rendering the clip again", meta, e)
        return None
    return found


def _expectation(obj: dict[str, Any]) -> DemoExpectation:
    x0, y0, x1, y1 = (float(v) for v in obj["box"])
    return DemoExpectation(
        violation=str(obj["violation"]),
        label=str(obj["class_name"]),
        zone_id=None if obj["zone_id"] is None else str(obj["zone_id"]),
        box=(x0, y0, x1, y1),
        from_s=float(obj["settled_s"]),
    )


def _write_video(clip: DemoClip, path: Path) -> None:
    """Write the frames as MPEG-4 under a temporary name, check it decodes, then rename."""
    tmp = path.with_name(f"{_TEMP}{uuid.uuid4().hex[:8]}-{path.name}")
    try:
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter.fourcc(*"mp4v"), clip.fps, clip.size)
        if not writer.isOpened():
            raise DemoClipError(f"OpenCV cannot write MPEG-4 video to {tmp} (no FFmpeg?)")
        try:
            for frame in clip.frames:
                writer.write(frame)
        finally:
            writer.release()
        count = _count_frames(tmp, clip.size)
        if count != len(clip.frames):
            raise DemoClipError(
                f"demo clip {tmp} decodes to {count} frames, expected {len(clip.frames)}"
            )
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _count_frames(path: Path, size: tuple[int, int]) -> int:
    """How many frames of ``size`` (w, h) OpenCV decodes from the video at ``path``."""
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    try:
        count = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                return count
            if (frame.shape[1], frame.shape[0]) != size:
                raise DemoClipError(f"{path}: frame {count} is {frame.shape[1::-1]}, not {size}")
            count += 1
    finally:
        cap.release()


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f"{_TEMP}{uuid.uuid4().hex[:8]}-{path.name}")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _sidecar_json(clip: DemoClip, path: Path, version: int) -> dict[str, Any]:
    return {
        "version": version,
        "clip": path.name,
        "bytes": path.stat().st_size,
        "fps": clip.fps,
        "frames": len(clip.frames),
        "size": list(clip.size),
        "seed": clip.seed,
        "zones": [z.model_dump(mode="json", exclude_none=True) for z in clip.zones],
        "objects": [
            {
                "key": o.key,
                "class_name": o.class_name,
                "appear_s": o.appear_s,
                "settled_s": o.settled_s,
                "box": None if o.box is None else [round(v, 1) for v in o.box],
                "violation": o.violation,
                "zone_id": o.zone_id,
            }
            for o in clip.objects
        ],
    }


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Older clip versions, and temporary files an interrupted write left behind."""
    now = time.time()
    for entry in folder.iterdir():
        name = entry.name
        if name in keep or not entry.is_file():
            continue
        # a fresh temporary file may be another process writing the clip right now
        stale_temp = name.startswith(_TEMP) and now - entry.stat().st_mtime > _TEMP_MAX_AGE_S
        if name.startswith("street-") or stale_temp:
            logger.info("removing stale demo file %s", entry)
            entry.unlink(missing_ok=True)
