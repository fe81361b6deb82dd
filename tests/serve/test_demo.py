"""The demo camera: its clip is written once, atomically, and reads back; its configuration
is valid; and (slow) the reference model and the rules make one case per scripted culprit."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

import training.synth.demo as synth_demo
from detector.detections import Detections
from detector.model import Detector, resolve_model_path
from detector.motion import MotionGate
from detector.rules.config import resolve_rules
from detector.rules.engine import ViolationEngine
from detector.runtime_choice import choose_runtime
from detector.taxonomy import load_taxonomy
from detector.tracking import Tracker
from serve.config.cameras import FileSource, parse_cameras
from serve.config.settings import Settings
from serve.demo import (
    DemoClipError,
    DemoExpectation,
    demo_camera,
    demo_expectations,
    ensure_demo_clip,
)

Box = tuple[float, float, float, float]
Frame = npt.NDArray[np.uint8]
SHORT_S = 4.0  # most tests need a clip on disk, not the whole minute


@pytest.fixture
def short_clips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Render a few seconds instead of a minute; counts the renders."""
    calls: list[int] = []
    full = synth_demo.render_demo_clip

    def render(**kwargs: float) -> synth_demo.DemoClip:
        calls.append(1)
        return full(seconds=SHORT_S)

    monkeypatch.setattr(synth_demo, "render_demo_clip", render)
    yield calls


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the real one-minute demo clip."""
    data = tmp_path_factory.mktemp("demo-data")
    ensure_demo_clip(data)
    return data


def read_frames(path: Path) -> list[Frame]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(np.asarray(frame, np.uint8))
    cap.release()
    return frames


def as_box(row: npt.NDArray[np.float32]) -> Box:
    return float(row[0]), float(row[1]), float(row[2]), float(row[3])


def iou(a: Box, b: Box) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


def test_the_clip_reads_back_with_opencv_at_its_length_and_rate(full_demo: Path) -> None:
    path = ensure_demo_clip(full_demo)
    assert path == full_demo / "demo" / f"street-{synth_demo.DEMO_VERSION}.mp4"
    cap = cv2.VideoCapture(str(path))
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(2.0)
    cap.release()
    frames = read_frames(path)
    assert len(frames) == 120
    assert {f.shape for f in frames} == {(480, 640, 3)}
    sidecar = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert sidecar["frames"] == 120 and sidecar["clip"] == path.name


def test_a_second_call_reuses_the_clip(tmp_path: Path, short_clips: list[int]) -> None:
    path = ensure_demo_clip(tmp_path)
    stamp = path.stat().st_mtime_ns
    assert ensure_demo_clip(tmp_path) == path
    assert demo_camera(tmp_path).source == FileSource(kind="file", path=path, loop=True, fps=2.0)
    assert short_clips == [1] and path.stat().st_mtime_ns == stamp
    assert len(read_frames(path)) == SHORT_S * 2


def test_leftovers_of_an_interrupted_write_are_not_trusted(
    tmp_path: Path, short_clips: list[int]
) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    version = synth_demo.DEMO_VERSION
    # a crash mid-write: a half temp file, and a clip whose sidecar was never written
    old_temp = folder / f".tmp-0badf00d-street-{version}.mp4"
    old_temp.write_bytes(b"\x00" * 100)
    an_hour_ago = time.time() - 3600
    os.utime(old_temp, (an_hour_ago, an_hour_ago))
    fresh_temp = folder / f".tmp-12345678-street-{version}.mp4"
    fresh_temp.write_bytes(b"\x00" * 100)
    (folder / f"street-{version}.mp4").write_bytes(b"not a video")
    path = ensure_demo_clip(tmp_path)
    assert short_clips == [1]
    assert len(read_frames(path)) == SHORT_S * 2
    assert not old_temp.exists()
    assert fresh_temp.exists()  # may be another process writing right now; it is left alone


def test_a_truncated_clip_is_rendered_again(tmp_path: Path, short_clips: list[int]) -> None:
    path = ensure_demo_clip(tmp_path)
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)
    assert ensure_demo_clip(tmp_path) == path
    assert short_clips == [1, 1]
    assert len(read_frames(path)) == SHORT_S * 2


def test_a_new_clip_version_replaces_the_old_one(
    tmp_path: Path, short_clips: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    old = ensure_demo_clip(tmp_path)
    monkeypatch.setattr(synth_demo, "DEMO_VERSION", synth_demo.DEMO_VERSION + 1)
    new = ensure_demo_clip(tmp_path)
    assert new != old and new.name == f"street-{synth_demo.DEMO_VERSION}.mp4"
    assert sorted(p.name for p in (tmp_path / "demo").iterdir()) == [
        new.with_suffix(".json").name,
        new.name,
    ]
    assert short_clips == [1, 1]


def test_a_clip_that_does_not_read_back_is_never_installed(
    tmp_path: Path, short_clips: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import serve.demo

    monkeypatch.setattr(serve.demo, "_count_frames", lambda path, size: 3)
    with pytest.raises(DemoClipError, match="decodes to 3 frames"):
        ensure_demo_clip(tmp_path)
    assert list((tmp_path / "demo").iterdir()) == []


def test_the_demo_camera_is_a_valid_camera(full_demo: Path) -> None:
    camera = demo_camera(full_demo)
    assert camera.id == "demo" and camera.name and camera.address
    assert camera.lat == pytest.approx(36.07, abs=0.05)
    assert camera.lon == pytest.approx(120.38, abs=0.05)
    assert isinstance(camera.source, FileSource) and camera.source.path.is_file()
    assert camera.source.loop and camera.sample_fps == 2.0
    assert {z.type for z in camera.zones} == {"no_parking", "sidewalk", "ad_prohibited"}
    assert not any(z.type == "ad_permitted" for z in camera.zones)
    rules = resolve_rules(camera.rules)
    assert rules["illegal_parking"].dwell_s == 20.0
    assert rules["out_of_store_trading"].dwell_s == 15.0
    assert (rules["illegal_ad"].min_frames, rules["illegal_ad"].min_span_s) == (3, 5.0)
    # what the service stores and serves back round-trips through the strict config
    [again] = parse_cameras([camera.model_dump(mode="json")], "demo")
    assert again == camera


def test_the_expectations_name_one_culprit_per_violation(full_demo: Path) -> None:
    expected = demo_expectations(full_demo)
    zones = {z.id for z in demo_camera(full_demo).zones}
    assert sorted((e.violation, e.label) for e in expected) == [
        ("illegal_ad", "outdoor_ad"),
        ("illegal_parking", "car"),
        ("out_of_store_trading", "stall"),
    ]
    assert all(e.zone_id in zones and e.from_s < 20.0 for e in expected)


# Measured on the written (MPEG-4) v2 clip, frames after each object settled, at >= 0.3
# (onnxruntime; OpenVINO bf16 within 0.02): streetwatch-yolo 0.2.2 finds the parked car,
# the stall and the banner in 100% (medians 0.85, 0.65, 0.62); 0.1.0 in 99%, 100%, 100%
# (medians 0.72, 0.46, 0.40). The bounds below leave a margin for codec and runtime noise.
MIN_RATE = {"car": 0.85, "stall": 0.85, "outdoor_ad": 0.85}
MIN_MEDIAN = {"car": 0.5, "stall": 0.38, "outdoor_ad": 0.42}


@pytest.fixture(scope="module")
def reference(reference_model: Path) -> Detector:
    return Detector.load(reference_model, conf=Settings().conf)  # what the service runs with


@pytest.fixture(scope="module")
def detections(full_demo: Path, reference: Detector) -> list[Detections]:
    return reference.detect_batch(list(read_frames(ensure_demo_clip(full_demo))))


@pytest.mark.slow
def test_the_reference_model_finds_the_scripted_culprits(
    full_demo: Path, reference: Detector, detections: list[Detections]
) -> None:
    _finds_the_culprits(full_demo, reference, detections)


@pytest.mark.slow
def test_the_culprits_are_found_on_the_runtime_the_service_picks(
    full_demo: Path, reference_model: Path
) -> None:
    """``make run`` serves the demo on the measured runtime choice (OpenVINO bf16 on CPUs
    with AMX): it must find the demo's culprits as well as onnxruntime does."""
    choice = choose_runtime(resolve_model_path(reference_model))
    picked = Detector.load(
        reference_model,
        backend=choice.backend,
        precision=choice.precision,
        fixed_shape=choice.fixed_shape,
        conf=Settings().conf,
    )
    found = picked.detect_batch(list(read_frames(ensure_demo_clip(full_demo))))
    _finds_the_culprits(full_demo, picked, found)


def _finds_the_culprits(full_demo: Path, reference: Detector, detections: list[Detections]) -> None:
    names = reference.names
    for exp in demo_expectations(full_demo):
        first = int(np.ceil(exp.from_s * 2))
        best = [
            max(
                [
                    float(c)
                    for b, c, k in zip(d.xyxy, d.confidence, d.class_id, strict=True)
                    if names[int(k)] == exp.label and iou(as_box(b), exp.box) >= 0.3
                ],
                default=0.0,
            )
            for d in detections[first:]
        ]
        rate = float(np.mean(np.array(best) >= 0.3))
        assert rate >= MIN_RATE[exp.label], f"{exp.label}: found in {rate:.0%} of frames"
        assert np.median(best) >= MIN_MEDIAN[exp.label], f"{exp.label}: median {best}"


@pytest.mark.slow
def test_the_demo_camera_opens_one_case_per_culprit_within_a_minute(
    full_demo: Path, reference: Detector, detections: list[Detections]
) -> None:
    """Three loops of the clip through the steps a camera pipeline runs: motion gate,
    detector, tracker and rules, with the demo camera's own zones and rule settings."""
    camera = demo_camera(full_demo)
    frames = read_frames(ensure_demo_clip(full_demo))
    engine = ViolationEngine(load_taxonomy(), camera.zones, resolve_rules(camera.rules))
    tracker = Tracker()
    gate = MotionGate(min_changed=camera.motion.min_changed, recheck_s=camera.motion.recheck_s)
    start = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
    opened: list[tuple[float, str, str, Box]] = []
    for k in range(3 * len(frames)):
        t = k / 2.0
        frame, found = frames[k % len(frames)], detections[k % len(frames)]
        if not gate.check(frame, t).run:
            continue
        at = start + dt.timedelta(seconds=t)
        for event in engine.update(tracker.update(found), at):
            if event.kind == "reached":
                engine.attach_case(event.key, len(opened) + 1)
                opened.append((t, event.violation, event.label, event.box))
    expected: list[DemoExpectation] = demo_expectations(full_demo)
    assert sorted(v for _, v, _, _ in opened) == sorted(e.violation for e in expected), opened
    for exp in expected:
        [(t, _, label, box)] = [o for o in opened if o[1] == exp.violation]
        assert label == exp.label and iou(box, exp.box) >= 0.5
        assert t <= 60.0, f"{exp.violation} opened only after {t} s"
