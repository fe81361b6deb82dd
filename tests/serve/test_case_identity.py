"""Case identity under scene changes and restarts.

Eight different street scenes (a knocked camera, a PTZ preset, snow: the whole picture
changes) follow each other on one camera, each with its own parked cars. Every car is
its own violation: the scene baseline must not fold them into one earlier case, and a
restart (or a feed that lags the wall clock) must not duplicate them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.serve.markers import Box, png
from tests.serve.service import cases, service, write_config

NO_PARKING = [[0, 240], [640, 240], [640, 480], [0, 480]]
SCENES, FRAMES, STEP_S = 8, 15, 5.0
# a feed that lags: its frames are stamped long before the server's clock
T0 = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)


def camera(scene: bool) -> dict[str, Any]:
    return {
        "id": "cam-01",
        "source": {"kind": "push"},
        "zones": [{"id": "np", "type": "no_parking", "polygon": NO_PARKING}],
        "rules": {"illegal_parking": {"dwell_s": 20, "clear_after_s": 30}},
        "scene": {"enabled": scene},
    }


def scene_frame(n: int, frame: int) -> np.ndarray:
    """Scene ``n``: its own buildings, pavement pattern and light, with its own cars."""
    rng = np.random.default_rng(1000 + n)
    image = np.full((480, 640, 3), int(rng.integers(60, 160)), np.uint8)
    for _ in range(12):  # facades, kerbs, shadows: anything but a marker colour
        x, y = int(rng.integers(0, 600)), int(rng.integers(0, 440))
        w, h = int(rng.integers(30, 260)), int(rng.integers(20, 200))
        grey = int(rng.integers(30, 220))
        cv2.rectangle(image, (x, y), (x + w, y + h), (grey, grey, grey + 10), -1)
    noise = np.random.default_rng(frame).normal(0, 2, image.shape)
    image = np.clip(image + noise, 0, 255).astype(np.uint8)
    for x1, y1, x2, y2 in cars(n):
        cv2.rectangle(image, (int(x1), int(y1)), (int(x2), int(y2)), (0, 0, 255), -1)
    return image


def cars(n: int) -> list[Box]:
    rng = np.random.default_rng(2000 + n)
    out: list[Box] = []
    for i in range(1 + n % 3):
        x = 30.0 + i * 200 + float(rng.integers(0, 80))
        y = (250.0 if n % 2 else 380.0) + float(rng.integers(0, 20))  # apart from the last
        out.append((x, y, x + 110, y + 70))
    return out


SCRIPT = [(n, f) for n in range(SCENES) for f in range(FRAMES)]


def play(client: TestClient, steps: range) -> None:
    """Push the script's frames ``steps`` (scene after scene, 5 s apart)."""
    for i in steps:
        n, f = SCRIPT[i]
        at = T0 + dt.timedelta(seconds=i * STEP_S)
        r = client.post(
            "/v1/cameras/cam-01/frames",
            files={"image": ("f.png", png(scene_frame(n, f)), "image/png")},
            data={"timestamp": at.isoformat()},
        )
        assert r.status_code == 200, r.text


def parking_cases(client: TestClient) -> list[dict[str, Any]]:
    return sorted(
        (c for c in cases(client) if c["camera_id"] == "cam-01"), key=lambda c: c["first_seen"]
    )


def summary(found: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(c["violation"], c["first_seen"]) for c in found]


@pytest.fixture(scope="module")
def scene_off(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("off")
    with service(tmp, write_config(tmp / "cameras.yaml", [camera(False)])) as c:
        play(c, range(len(SCRIPT)))
        return parking_cases(c)


def test_each_scenes_cars_are_their_own_cases_with_the_baseline_off(
    scene_off: list[dict[str, Any]],
) -> None:
    assert len(scene_off) == sum(len(cars(n)) for n in range(SCENES))
    assert {c["violation"] for c in scene_off} == {"illegal_parking"}


def test_scene_changes_fold_no_violation_into_another(
    tmp_path: Path, scene_off: list[dict[str, Any]]
) -> None:
    with service(tmp_path, write_config(tmp_path / "cameras.yaml", [camera(True)])) as c:
        play(c, range(len(SCRIPT)))
        found = parking_cases(c)
    assert summary(found) == summary(scene_off)


@pytest.mark.parametrize("scene", [False, True], ids=["scene-off", "scene-on"])
def test_a_restart_midway_through_a_lagging_feed_duplicates_nothing(
    tmp_path: Path, scene_off: list[dict[str, Any]], scene: bool
) -> None:
    assert summary(restart_midway(tmp_path, scene)) == summary(scene_off)


def test_the_same_on_postgresql(
    tmp_path: Path, scene_off: list[dict[str, Any]], postgres_url: str
) -> None:
    found = restart_midway(tmp_path, True, database_url=postgres_url)
    assert summary(found) == summary(scene_off)


def restart_midway(tmp_path: Path, scene: bool, **settings: Any) -> list[dict[str, Any]]:
    """The script with a restart in the middle of scene 4 (its cars are cases by then);
    the feed goes on where it was, its frames stamped a year before the server's clock."""
    config = write_config(tmp_path / "cameras.yaml", [camera(scene)])
    middle = (SCENES // 2) * FRAMES + 8
    with service(tmp_path, config, **settings) as c:
        play(c, range(middle))
    with service(tmp_path, config, **settings) as c:
        play(c, range(middle, len(SCRIPT)))
        return parking_cases(c)
