"""The service end to end on push frames with a controlled clock: dwell, drive-through,
occlusion, de-duplication, evidence, and restarts on the same database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest

from detector.detections import Detections
from detector.image import Image
from detector.model import Detector
from tests.serve.markers import MarkerBackend
from tests.serve.service import (
    CAR,
    PUSH_CAMERA,
    T0,
    cases,
    push,
    service,
    verify_evidence,
    write_config,
)


def test_parked_car_opens_exactly_one_case_when_the_dwell_is_reached(tmp_path: Path) -> None:
    with service(tmp_path) as client:
        opened = {}
        for t in range(0, 601, 10):
            body = push(client, t, [("car", CAR)])
            for case_id in body["cases_opened"]:
                opened[case_id] = t
            if t < 300:
                assert cases(client) == [], f"a case before the dwell time, at {t} s"
        assert list(opened.values()) == [300]
        [case] = cases(client)
        assert case["violation"] == "illegal_parking"
        assert case["violation_name"] == "机动车违停"
        assert case["platform_code"] == "0101"
        assert case["label"] == "car" and case["status"] == "draft"
        assert case["zone_id"] == "np1"
        assert case["duration_s"] == 600
        assert case["first_seen"] == "2026-11-23T10:00:00+08:00"
        assert case["location"] == {
            "address": "青岛市市南区香港中路 1 号",
            "lat": 36.07,
            "lon": 120.38,
        }
        assert case["model"] == {"name": "markers", "version": "1.0"}
        assert [e["kind"] for e in case["evidence"]] == [
            "annotated",
            "original",
            "crop",
            "start",
            "dwell",
        ]
        verify_evidence(client, case)


def test_a_car_driving_through_the_zone_opens_nothing(tmp_path: Path) -> None:
    with service(
        tmp_path,
    ) as client:
        for t in range(0, 40):
            x = 20 + 15 * t
            push(client, t, [("car", (x, 350, x + 100, 440))])
        assert cases(client) == []


def test_occlusion_by_a_passing_bus_keeps_the_clock_and_the_case(tmp_path: Path) -> None:
    with service(tmp_path) as client:
        for t in range(0, 200, 10):
            push(client, t, [("car", CAR)])
        for t in range(200, 240, 10):
            push(client, t, [])  # hidden
        for t in range(240, 700, 10):
            push(client, t, [("car", (203, 351, 302, 441))])
        [case] = cases(client)
        assert case["first_seen"] == "2026-11-23T10:00:00+08:00"
        assert case["dwell_reached_at"] == "2026-11-23T10:05:00+08:00"


def test_stall_and_flyer_become_their_own_cases(tmp_path: Path) -> None:
    stall = (300.0, 210.0, 380.0, 280.0)  # foot on the pavement
    flyer = (500.0, 60.0, 530.0, 100.0)
    with service(tmp_path) as client:
        for t in range(0, 200, 10):
            push(client, t, [("stall", stall), ("flyer", flyer)])
        found = {c["violation"]: c for c in cases(client)}
        assert set(found) == {"out_of_store_trading", "illegal_ad"}
        assert found["out_of_store_trading"]["responsible"] == "便利店"
        assert found["out_of_store_trading"]["dwell_reached_at"] == "2026-11-23T10:02:00+08:00"
        # sighting rules keep no start/dwell frames
        assert [e["kind"] for e in found["illegal_ad"]["evidence"]] == [
            "annotated",
            "original",
            "crop",
        ]


def test_a_tiled_camera_sees_an_object_cut_by_its_tiles_as_one(tmp_path: Path) -> None:
    """2x2 tiles with 20% overlap cut a 640x480 frame at x=284 and x=356: the car there is
    whole in one tile and cut in another; its case holds the whole car, once."""
    camera = {**PUSH_CAMERA, "inference": {"tiles": [2, 2], "tile_overlap": 0.2}}
    config = write_config(tmp_path / "cameras.yaml", [camera])
    whole = [200.0, 350.0, 301.0, 441.0]  # the marker detector's box of CAR, whole frame
    seen: list[tuple[int, ...]] = []

    class Recording(MarkerBackend):
        def detect(
            self, images: Sequence[Image], conf: float, iou: float, max_det: int
        ) -> list[Detections]:
            seen.extend(image.shape[:2] for image in images)
            return super().detect(images, conf, iou, max_det)

    with service(tmp_path, config, detector=Detector(Recording())) as client:
        for t in range(0, 301, 10):
            body = push(client, t, [("car", CAR)])
            assert [d["box"] for d in body["detections"]] == [whole]
        [case] = cases(client)
        assert case["box"] == whole and case["violation"] == "illegal_parking"
        assert set(seen) == {(267, 356), (480, 640)}  # four tiles and the whole frame
        assert seen.count((267, 356)) == 4 * seen.count((480, 640))
        bad = {**camera, "inference": {"tiles": [2, 9]}}
        r = client.put("/v1/cameras/cam-01", json=bad)
        assert r.status_code == 422 and "tiles must be [rows, cols], each 1 to 4" in r.text


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_restart_on_the_same_database_loses_and_duplicates_nothing(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    db: dict[str, str] = {}
    if backend == "postgresql":
        db["database_url"] = request.getfixturevalue("postgres_url")
    with service(tmp_path, **db) as client:
        for t in range(0, 400, 10):
            push(client, t, [("car", CAR), ("flyer", (500, 60, 530, 100))])
        before = {c["id"]: c for c in cases(client)}
    assert len(before) == 2
    with service(tmp_path, **db) as client:
        for t in range(400, 700, 10):
            body = push(client, t, [("car", CAR), ("flyer", (500, 60, 530, 100))])
            assert body["cases_opened"] == []
        after = {c["id"]: c for c in cases(client)}
        assert set(after) == set(before)
        for case_id, case in after.items():
            assert case["first_seen"] == before[case_id]["first_seen"]
            last = dt.datetime.fromisoformat(case["last_seen"])
            assert last == T0 + dt.timedelta(seconds=690)
            verify_evidence(client, case)
