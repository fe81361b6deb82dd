from __future__ import annotations

from typing import Any

import pytest

from serve.store import CameraRepo, CaseRepo
from tests.serve.store.factories import camera, new_case

RICH: dict[str, Any] = {
    "source": {"kind": "rtsp", "url": "rtsp://10.0.0.5/stream1"},
    "zones": [
        {
            "id": "no-park-1",
            "type": "no_parking",
            "polygon": [[0, 0], [100, 0], [100, 50]],
            "responsible": "某某商店",
        }
    ],
    "rules": {"illegal_parking": {"dwell_s": 60}},
    "lat": 31.23,
    "lon": 121.47,
}


def test_upsert_creates_and_reads_back(cameras: CameraRepo) -> None:
    cam = camera(**RICH)
    stored = cameras.upsert(cam, "file")
    assert stored.camera == cam
    assert stored.origin == "file"
    assert stored.created_at == stored.updated_at
    assert cameras.get("cam-01") == stored
    assert cameras.list() == [stored]


def test_upsert_replaces_the_config_and_keeps_created_at(cameras: CameraRepo) -> None:
    first = cameras.upsert(camera(name="old"), "file")
    second = cameras.upsert(camera(name="new", enabled=False), "api")
    assert (second.camera.name, second.camera.enabled, second.origin) == ("new", False, "api")
    assert second.created_at == first.created_at
    assert second.updated_at >= first.updated_at
    assert cameras.get("cam-01") == second
    assert len(cameras.list()) == 1


def test_list_is_sorted_by_id(cameras: CameraRepo) -> None:
    for camera_id in ("cam-b", "cam-c", "cam-a"):
        cameras.upsert(camera(camera_id), "api")
    assert [r.camera.id for r in cameras.list()] == ["cam-a", "cam-b", "cam-c"]


def test_delete(cameras: CameraRepo) -> None:
    cameras.upsert(camera(), "api")
    assert cameras.delete("cam-01") is True
    assert cameras.get("cam-01") is None
    assert cameras.delete("cam-01") is False


def test_cases_survive_their_camera(cameras: CameraRepo, cases: CaseRepo) -> None:
    cameras.upsert(camera(), "api")
    case = cases.create(new_case(camera_id="cam-01"))
    assert cameras.delete("cam-01")
    assert cases.get(case.id) == case


@pytest.mark.parametrize("origin", ["yaml", ""])
def test_upsert_refuses_an_unknown_origin(cameras: CameraRepo, origin: Any) -> None:
    with pytest.raises(ValueError, match="origin must be one of"):
        cameras.upsert(camera(), origin)
