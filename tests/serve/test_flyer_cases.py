"""End to end: a rendered flyer with a known number on a real facade photo, pushed as a
camera's frames, becomes exactly one illegal_ad / flyer case that carries the number;
the photo alone (shop signs, some with text) gives none."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.serve.service import T0, service, write_config
from training.synth.text_flyers import FlyerScene, paste_flyer

SWEEP_S = 60


def _camera(width: int, height: int) -> dict[str, Any]:
    return {
        "id": "cam-wall",
        "source": {"kind": "push"},
        "zones": [
            {
                "id": "facade",
                "type": "wall",
                "polygon": [[0, 0], [width, 0], [width, height], [0, height]],
                "responsible": "沿街商户",
            }
        ],
        "text": {"sweep_s": SWEEP_S},
    }


def _facade(shared: Path, index: int) -> np.ndarray:
    photos = sorted((shared / "facade-ads").rglob("*.jpg"))
    if not photos:
        pytest.skip("no facade photos in ../shared/datasets/facade-ads")
    image = cv2.imread(str(photos[index % len(photos)]), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def _push(c: TestClient, image: np.ndarray, second: int) -> dict[str, Any]:
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    at = T0 + dt.timedelta(seconds=second)
    r = c.post(
        "/v1/cameras/cam-wall/frames",
        files={"image": ("f.jpg", jpeg.tobytes(), "image/jpeg")},
        data={"timestamp": at.isoformat()},
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _run(c: TestClient, image: np.ndarray, seconds: int, start: int = 0) -> None:
    """Push a frame every 10 s of camera time, letting the OCR thread keep up."""
    worker = c.app.state.cameras.text_worker  # type: ignore[attr-defined]
    for second in range(start, start + seconds, 10):
        _push(c, image, second)
        deadline = time.monotonic() + 60
        while not worker.idle() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the job being read when the queue emptied


def _flyer_cases(c: TestClient) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = c.get("/v1/cases", params={"limit": 100}).json()["data"]
    return [d for d in data if d["label"] == "flyer"]


@pytest.mark.real_data
def test_a_flyer_on_a_real_facade_is_one_case_with_its_number(
    tmp_path: Path, shared_datasets: Path
) -> None:
    photo = _facade(shared_datasets, 7)
    h, w = photo.shape[:2]
    scene: FlyerScene = paste_flyer(photo, np.random.default_rng(11), digit_px=max(10, h // 45))
    config = write_config(tmp_path / "cameras.yaml", [_camera(w, h)])
    with service(tmp_path, config) as c:
        _run(c, scene.image, 3 * SWEEP_S + 10)
        flyers = _flyer_cases(c)
        assert len(flyers) == 1, [(f["id"], f["phones"]) for f in flyers]
        case = flyers[0]
        assert case["violation"] == "illegal_ad" and case["signal"] == "ocr"
        assert [p["number"] for p in case["phones"]] == [scene.number], case["text"]
        assert case["zone_id"] == "facade" and case["responsible"] == "沿街商户"
        x1, y1, x2, y2 = case["box"]
        bx1, by1, bx2, by2 = scene.box
        assert bx1 - 5 <= x1 and y1 >= by1 - 5 and x2 <= bx2 + 5 and y2 <= by2 + 5
        kinds = [e["kind"] for e in case["evidence"]]
        assert "text" in kinds and "annotated" in kinds
        text = c.get(case["evidence"][kinds.index("text")]["url"])
        assert text.status_code == 200 and text.content[:2] == b"\xff\xd8"
        # more reads of the same sheet update the case, never open a second one
        _run(c, scene.image, 2 * SWEEP_S, start=3 * SWEEP_S + 10)
        assert [f["id"] for f in _flyer_cases(c)] == [case["id"]]
        metrics = c.get("/metrics").text
        assert 'streetwatch_ocr_seconds_count{kind="zone"}' in metrics
        # the draft is not in the phone ledger; once confirmed, its number is
        assert c.get("/v1/phones").json()["count"] == 0
        r = c.post(f"/v1/cases/{case['id']}/review", json={"decision": "confirm"})
        assert r.status_code == 200, r.text
        ledger = c.get("/v1/phones").json()
        assert [(d["number"], d["cases"]) for d in ledger["data"]] == [(scene.number, 1)]


@pytest.mark.real_data
@pytest.mark.parametrize("index", [7, 123, 321])
def test_real_facades_alone_give_no_flyer_case(
    tmp_path: Path, shared_datasets: Path, index: int
) -> None:
    photo = _facade(shared_datasets, index)
    h, w = photo.shape[:2]
    config = write_config(tmp_path / "cameras.yaml", [_camera(w, h)])
    with service(tmp_path, config) as c:
        _run(c, photo, 3 * SWEEP_S + 10)
        assert _flyer_cases(c) == []


def test_a_flyer_read_once_before_a_restart_is_a_case_at_its_next_read(tmp_path: Path) -> None:
    """One read of a flyer, then the service stops: its pending read is checkpointed, so
    the new process's first read confirms it, the case dated from the first read (without
    it, the new process would need two sweeps, 60 s apart)."""
    wall = cv2.GaussianBlur(
        np.random.default_rng(5).integers(150, 200, (480, 640, 3), np.uint8), (0, 0), 2
    )
    scene = paste_flyer(wall, np.random.default_rng(11), digit_px=14)
    config = write_config(tmp_path / "cameras.yaml", [_camera(640, 480)])
    with service(tmp_path, config) as c:
        repo = c.app.state.cameras.checkpoints  # type: ignore[attr-defined]
        for t in range(0, SWEEP_S, 10):  # the first sweep's read, collected at a later frame
            _run(c, scene.image, 10, start=t)
            saved = repo.load("cam-wall")
            if saved is not None and saved.state.get("text"):
                break
        assert saved is not None and [p["reads"] for p in saved.state["text"]] == [1]
        assert _flyer_cases(c) == []
    found: list[dict[str, Any]] = []
    with service(tmp_path, config) as c:
        for start in range(t + 10, t + SWEEP_S, 10):  # within one sweep: one read here
            _run(c, scene.image, 10, start=start)
            if found := _flyer_cases(c):
                break
    [case] = found
    assert [p["number"] for p in case["phones"]] == [scene.number], case["text"]
    assert dt.datetime.fromisoformat(case["first_seen"]) == T0, "dated from the first read"
