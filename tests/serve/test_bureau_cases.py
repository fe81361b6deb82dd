"""One end-to-end case each for the violations the bureaus' lists add: a bicycle left in a
no-non-motor-parking zone (非机动车乱停放) and a stall pushed along the pavement (游商),
through the running service: frames in, one draft case out, with its zone and unit."""

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
