"""Hot reload: a promoted model replaces the running one without a restart or a lost frame."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from detector.model import Detector
from serve.app import create_app
from serve.config.settings import Settings
from serve.model_watch import ModelWatcher
from serve.models import ModelHolder
from tests.detector.factories import Box, make_onnx_detector, raw_tensor, ultralytics_metadata
from tests.serve.service import ADMIN_HEADERS, ADMIN_TOKEN, T0, write_config

pytest.importorskip("onnx")

# (cx, cy, w, h, class id, score) in the 64 x 64 model input; 6 is flyer
FLYER_1: Box = (20, 20, 8, 8, 6, 0.9)
FLYER_2: Box = (44, 30, 8, 8, 6, 0.9)


def add_entry(
    registry: Path, entry: str, boxes: Sequence[Box], metadata: dict[str, str] | None = None
) -> Path:
    (registry / entry).mkdir(parents=True)
    return make_onnx_detector(registry / entry / "model.onnx", raw_tensor(boxes), metadata=metadata)


def point(registry: Path, entry: str) -> None:
    tmp = registry / ".current.tmp"
    tmp.write_text(entry + "\n")
    tmp.replace(registry / "current")


@pytest.fixture
def models(tmp_path: Path) -> Path:
    registry = tmp_path / "models"
    add_entry(registry, "tiny-1.0", [FLYER_1])
    add_entry(registry, "tiny-2.0", [FLYER_1, FLYER_2])
    point(registry, "tiny-1.0")
    return registry


def watcher_on(registry: Path, **kwargs: Any) -> tuple[ModelWatcher, ModelHolder, list[Path]]:
    loaded: list[Path] = []

    def load(path: Path) -> Detector:
        loaded.append(path)
        return Detector.load(path)

    holder = ModelHolder(Detector.load(registry / "current"))
    return ModelWatcher(registry / "current", holder, load=load, **kwargs), holder, loaded


def version(holder: ModelHolder) -> str:
    return holder.current.info.version


def test_nothing_changes_while_the_pointer_stays(models: Path) -> None:
    watcher, holder, loaded = watcher_on(models)
    assert not watcher.check()
    assert version(holder) == "1.0" and loaded == []


def test_a_flipped_pointer_swaps_the_model(models: Path) -> None:
    watcher, holder, _ = watcher_on(models)
    old = holder.current
    point(models, "tiny-2.0")
    assert watcher.check()
    assert version(holder) == "2.0"
    assert not watcher.check(), "the same model is not loaded twice"
    # a frame that took the old detector before the swap still runs on it
    assert len(old.detect(np.zeros((64, 64, 3), np.uint8))) == 1


def test_a_model_file_replaced_in_place_is_reloaded(models: Path) -> None:
    watcher, holder, loaded = watcher_on(models)
    make_onnx_detector(models / "tiny-1.0" / "model.onnx", raw_tensor([FLYER_1, FLYER_2]))
    assert watcher.check()
    assert len(holder.current.detect(np.zeros((64, 64, 3), np.uint8))) == 2
    assert loaded == [(models / "tiny-1.0" / "model.onnx").resolve()]


@pytest.mark.parametrize(
    ("make_bad", "message"),
    [
        (lambda path: path.write_bytes(b"not an onnx model"), "not a loadable ONNX model"),
        (
            lambda path: make_onnx_detector(
                path,
                raw_tensor([(20, 20, 8, 8, 1, 0.9)], nc=2),
                metadata=ultralytics_metadata(names=["cat", "dog"]),
            ),
            "taxonomy",
        ),
    ],
    ids=["corrupt-file", "wrong-classes"],
)
def test_a_model_that_fails_to_load_leaves_the_old_one_serving(
    models: Path,
    caplog: pytest.LogCaptureFixture,
    make_bad: Callable[[Path], object],
    message: str,
) -> None:
    (models / "broken-3.0").mkdir()
    make_bad(models / "broken-3.0" / "model.onnx")
    watcher, holder, loaded = watcher_on(models)
    point(models, "broken-3.0")
    with caplog.at_level(logging.ERROR, logger="serve.model_watch"):
        assert not watcher.check()
    assert version(holder) == "1.0"
    assert "still serving tiny 1.0" in caplog.text and message in caplog.text
    assert not watcher.check() and len(loaded) == 1, "a broken model is not retried every poll"
    point(models, "tiny-2.0")
    assert watcher.check() and version(holder) == "2.0"


def test_a_pointer_to_nothing_is_reported_once(
    models: Path, caplog: pytest.LogCaptureFixture
) -> None:
    watcher, holder, _ = watcher_on(models)
    point(models, "missing-9.9")
    with caplog.at_level(logging.ERROR, logger="serve.model_watch"):
        assert not watcher.check()
        assert not watcher.check()
    assert version(holder) == "1.0"
    assert len([r for r in caplog.records if "missing-9.9" in r.getMessage()]) == 1


def test_the_thread_polls_and_stops(models: Path) -> None:
    watcher, holder, _ = watcher_on(models, poll_s=0.02)
    watcher.start()
    try:
        point(models, "tiny-2.0")
        deadline = time.monotonic() + 10
        while version(holder) != "2.0" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert version(holder) == "2.0"
    finally:
        watcher.stop()
    with pytest.raises(ValueError, match="poll_s must be positive"):
        ModelWatcher(models / "current", holder, load=Detector.load, poll_s=0)


# -- the running service ---------------------------------------------------------------


def jpeg() -> bytes:
    ok, buf = cv2.imencode(".jpg", np.full((480, 640, 3), 100, np.uint8))
    assert ok
    return buf.tobytes()


class Pusher:
    """Pushes one frame per camera second from a thread, as a camera gateway would."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.statuses: list[int] = []
        self.versions: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)
        self._frame = jpeg()

    def _run(self) -> None:
        second = 0
        while not self._stop.is_set():
            r = self.client.post(
                "/v1/cameras/cam-01/frames",
                files={"image": ("f.jpg", self._frame, "image/jpeg")},
                data={"timestamp": (T0 + dt.timedelta(seconds=second)).isoformat()},
            )
            self.statuses.append(r.status_code)
            second += 1

    def __enter__(self) -> Pusher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)


def wait_for(what: str, condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def client(models: Path, tmp_path: Path) -> Iterator[TestClient]:
    camera = {"id": "cam-01", "source": {"kind": "push"}, "motion": {"enabled": False}}
    settings = Settings(
        data_dir=tmp_path / "data",
        model=models / "current",
        config=write_config(tmp_path / "cameras.yaml", [camera]),
        demo=False,
        model_poll_s=0.05,
        admin_token=ADMIN_TOKEN,
    )
    with TestClient(create_app(settings), headers=ADMIN_HEADERS) as c:
        yield c


def test_the_service_picks_up_a_promoted_model_without_dropping_frames(
    client: TestClient, models: Path
) -> None:
    def cases() -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = client.get("/v1/cases").json()["data"]
        return data

    def serving() -> str:
        version: str = client.get("/healthz").json()["model"]["version"]
        return version

    with Pusher(client) as pusher:
        wait_for("the first model's case", lambda: len(cases()) == 1)
        assert serving() == "1.0"
        before = len(pusher.statuses)
        point(models, "tiny-2.0")
        wait_for("the new model", lambda: serving() == "2.0")
        wait_for("a case by the new model", lambda: len(cases()) == 2)
    assert len(pusher.statuses) > before, "frames kept flowing across the swap"
    assert set(pusher.statuses) == {200}, "no frame failed while the model was swapped"
    by_version = {c["model"]["version"]: c for c in cases()}
    assert set(by_version) == {"1.0", "2.0"}
    assert by_version["1.0"]["id"] < by_version["2.0"]["id"]
    assert by_version["2.0"]["model"]["name"] == "tiny"


def test_an_injected_detector_is_not_replaced(models: Path, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        model=models / "current",
        demo=False,
        model_poll_s=0.02,
        admin_token=ADMIN_TOKEN,
    )
    injected = Detector.load(models / "tiny-2.0")  # while models/current names tiny-1.0
    with TestClient(create_app(settings, detector=injected), headers=ADMIN_HEADERS) as c:
        time.sleep(0.3)
        assert c.get("/healthz").json()["model"]["version"] == "2.0"
