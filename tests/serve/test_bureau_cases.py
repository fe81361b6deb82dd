"""One end-to-end case each for the violations the bureaus' lists add: a bicycle left in a
no-non-motor-parking zone (非机动车乱停放), a stall pushed along the pavement (游商), materials
piled on the pavement (乱堆物料) and a bag of garbage beside a bin (打包垃圾), through the
running service: frames in, one draft case out, with its zone and unit."""

from __future__ import annotations

import copy
from pathlib import Path

from tests.serve.service import PUSH_CAMERA, SIDEWALK, cases, push, service, write_config

RACKS = [[420, 300], [640, 300], [640, 470], [420, 470]]
BIKE = (480.0, 380.0, 530.0, 450.0)  # bottom centre in RACKS


def _camera() -> dict[str, object]:
    camera = copy.deepcopy(PUSH_CAMERA)
    camera["zones"] = [
        {"id": "walk", "type": "sidewalk", "polygon": SIDEWALK, "responsible": "hx-shop-1"},
        {"id": "racks", "type": "no_nonmotor_parking", "polygon": RACKS},
    ]
    camera["rules"] = {
        "nonmotor_parking": {"dwell_s": 60},
        "mobile_vendor": {"enabled": True},
        "out_of_store_trading": {"dwell_s": 120},
    }
    return camera


def test_a_bike_in_a_no_bike_parking_zone_is_one_case(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cameras.yaml", [_camera()])
    with service(tmp_path, config) as client:
        for t in range(0, 151, 10):
            push(client, t, [("two_wheeler", BIKE)])
        [case] = cases(client)
        assert case["violation"] == "nonmotor_parking" and case["label"] == "two_wheeler"
        assert case["violation_name"] == "非机动车乱停放" and case["zone_id"] == "racks"
        assert case["duration_s"] >= 60


def test_a_stall_pushed_along_the_pavement_is_one_mobile_vendor_case(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cameras.yaml", [_camera()])
    with service(tmp_path, config) as client:
        for t in range(0, 121, 5):
            x = 20.0 + 3 * t  # 15 px a frame: past a box height in about 20 s
            push(client, t, [("stall", (x, 215.0, x + 60.0, 280.0))])
        found = cases(client)
        assert [c["violation"] for c in found] == ["mobile_vendor"]
        [case] = found
        assert case["violation_name"] == "游商/流动摊贩" and case["responsible"] == "hx-shop-1"
        assert case["sightings"] > 10  # one case following it, not one per place


PILE = (100.0, 215.0, 200.0, 280.0)  # bottom centre on the pavement ("walk")
BIN = (300.0, 330.0, 350.0, 400.0)
BAG = (355.0, 360.0, 395.0, 400.0)  # on the ground beside the bin


def test_materials_piled_on_the_pavement_are_one_piled_materials_case(tmp_path: Path) -> None:
    camera = _camera()
    camera["rules"] = {"piled_materials": {"min_span_s": 120}}
    config = write_config(tmp_path / "cameras.yaml", [camera])
    with service(tmp_path, config) as client:
        for t in range(0, 241, 10):
            push(client, t, [("materials", PILE)])
        [case] = cases(client)
        assert case["violation"] == "piled_materials" and case["label"] == "materials"
        assert case["violation_name"] == "乱堆物料" and case["responsible"] == "hx-shop-1"
        assert case["duration_s"] >= 120


def test_a_bag_beside_a_bin_is_one_bagged_garbage_case(tmp_path: Path) -> None:
    camera = _camera()
    camera["rules"] = {"bagged_garbage": {"min_span_s": 60}, "exposed_garbage": {}}
    config = write_config(tmp_path / "cameras.yaml", [camera])
    with service(tmp_path, config) as client:
        for t in range(0, 181, 10):
            push(client, t, [("garbage_bin", BIN), ("garbage_bag", BAG)])
        [case] = cases(client)
        assert case["violation"] == "bagged_garbage" and case["label"] == "garbage_bag"
        assert case["violation_name"] == "打包垃圾"
