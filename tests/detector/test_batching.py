"""The cross-camera batcher: frames from many threads share model calls, never results."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from detector.batching import InferenceBatcher
from detector.detections import Detections
from detector.model import Detector


def grey(level: int, shape: tuple[int, int] = (64, 64)) -> np.ndarray:
    return np.full((*shape, 3), level, np.uint8)


def at_once(calls: list[Callable[[], Detections]]) -> list[Detections | Exception]:
    """Run the calls on one thread each, all released together; results (or errors) in order."""
    out: list[Detections | Exception] = [Exception("not run")] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        start.wait()
        try:
            out[i] = calls[i]()
        except Exception as exc:  # kept: the test looks at it
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return out


def same(a: Detections | Exception, b: Detections) -> bool:
    assert isinstance(a, Detections), a
    return (
        a.class_id.tolist() == b.class_id.tolist()
        and np.allclose(a.xyxy, b.xyxy, atol=1e-3)
        and np.allclose(a.confidence, b.confidence, atol=1e-5)
    )


def test_each_caller_gets_its_own_frames_detections(tiny_onnx: Path) -> None:
    detector = Detector.load(tiny_onnx, threads=1, conf=0.05)
    # the two_wheeler score follows brightness; two frame shapes run as two model inputs
    images = [grey(v) for v in (0, 60, 120, 250)] + [grey(v, (48, 80)) for v in (30, 200)]
    alone = [detector.detect(im) for im in images]
    assert len({tuple(d.confidence.round(3).tolist()) for d in alone}) == 6  # all differ
    sizes: list[int] = []
    batcher = InferenceBatcher(max_batch=8, max_wait_s=0.5, on_batch=sizes.append)
    got = at_once([lambda im=im: batcher.detect(detector, im) for im in images])
    batcher.close()
    assert all(same(g, a) for g, a in zip(got, alone, strict=True))
    assert batcher.stats.frames == 6 and sum(sizes) == 6
    assert batcher.stats.largest >= 2  # frames waiting together shared a call
    assert batcher.stats.batches < 6


def test_a_frame_the_model_cannot_take_fails_only_its_caller(tiny_onnx: Path) -> None:
    detector = Detector.load(tiny_onnx, threads=1)
    bad = np.zeros((4, 4, 2), np.uint8)
    batcher = InferenceBatcher(max_batch=8, max_wait_s=0.5)
    got = at_once([lambda im=im: batcher.detect(detector, im) for im in (grey(0), bad, grey(255))])
    batcher.close()
    assert same(got[0], detector.detect(grey(0)))
    assert same(got[2], detector.detect(grey(255)))
    assert isinstance(got[1], ValueError) and "2 channels" in str(got[1])
    assert batcher.stats.retried == 3  # the failed batch's frames each ran again alone


def test_frames_for_different_models_never_share_a_call(tiny_onnx: Path) -> None:
    # a swapped-in model (here: other thresholds) answers only its own frames
    strict = Detector.load(tiny_onnx, threads=1, conf=0.65)
    loose = Detector.load(tiny_onnx, threads=1, conf=0.05)
    batcher = InferenceBatcher(max_batch=8, max_wait_s=0.3)
    models = [strict, loose, strict, loose]
    got = at_once([lambda m=m: batcher.detect(m, grey(128)) for m in models])
    batcher.close()
    for g, m in zip(got, models, strict=True):
        assert same(g, m.detect(grey(128)))
    assert batcher.stats.batches >= 2


def test_a_lone_camera_does_not_wait_and_a_closed_batcher_runs_frames_alone(
    tiny_onnx: Path,
) -> None:
    detector = Detector.load(tiny_onnx, threads=1)
    batcher = InferenceBatcher(max_batch=8)
    for level in (0, 255):
        assert same(batcher.detect(detector, grey(level)), detector.detect(grey(level)))
    assert batcher.stats.batches == 2 and batcher.stats.largest == 1
    batcher.close()
    assert same(batcher.detect(detector, grey(9)), detector.detect(grey(9)))
    assert batcher.stats.frames == 2  # after close: run by the caller, not the worker


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_batch": 0}, "max_batch must be at least 1"),
        ({"max_wait_s": -0.1}, r"max_wait_s must be in \[0, 1\]"),
        ({"max_batch": 8, "max_pending": 4}, r"max_pending \(4\) must be at least max_batch"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        InferenceBatcher(**kwargs)  # type: ignore[arg-type]
