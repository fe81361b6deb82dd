"""The plan view's data (``/v1/plan``): an uploaded plan image, cameras pinned on it, the
pins moving with a plan uploaded again at another size, bad uploads refused saying why."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from serve.config.settings import Settings
from tests.serve.service import service


def plan_png(width: int, height: int) -> bytes:
    image = np.full((height, width, 3), 235, np.uint8)
    cv2.rectangle(image, (width // 4, height // 4), (width // 2, height // 2), (90, 90, 90), -1)
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return buf.tobytes()


def test_a_plan_is_uploaded_and_cameras_pinned_on_it(tmp_path: Path) -> None:
    with service(tmp_path) as client:
        assert client.get("/v1/plan").json() == {"image": None, "pins": {}, "tiles": None}
        assert client.get("/v1/plan/image").status_code == 404
        r = client.put("/v1/plan/pins/cam-01", json={"x": 10, "y": 10})
        assert r.status_code == 422 and "upload a plan image" in r.json()["detail"]

        data = plan_png(800, 600)
        r = client.put("/v1/plan/image", files={"image": ("plan.png", data, "image/png")})
        assert r.status_code == 200, r.text
        image = r.json()["image"]
        assert (image["width"], image["height"]) == (800, 600)
        assert image["uploaded_by"] == "admin-token"
        served = client.get(image["url"])
        assert served.status_code == 200 and served.content == data
        assert served.headers["content-type"] == "image/png"

        r = client.put("/v1/plan/pins/cam-01", json={"x": 400, "y": 300})
        assert r.status_code == 200 and r.json()["pins"] == {"cam-01": [400.0, 300.0]}
        r = client.put("/v1/plan/pins/cam-01", json={"x": 801, "y": 300})
        assert r.status_code == 422 and "off the plan, which is 800x600" in r.json()["detail"]
        assert client.put("/v1/plan/pins/nope", json={"x": 1, "y": 1}).status_code == 404
        r = client.put("/v1/plan/pins/cam-01", json={"x": "left", "y": 1})
        assert r.status_code == 422

        # the same plan at twice the size: the pin moves with it, the old file goes
        r = client.put("/v1/plan/image", files={"image": ("p.png", plan_png(1600, 1200))})
        assert r.json()["pins"] == {"cam-01": [800.0, 600.0]}
        assert len(list((tmp_path / "plan").glob("plan-*.png"))) == 1

        assert client.delete("/v1/plan/pins/cam-01").status_code == 204
        assert client.get("/v1/plan").json()["pins"] == {}
        assert client.delete("/v1/plan/pins/cam-01").status_code == 204  # already off


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + bytes(100), "must be a JPEG or PNG"),
        (b"\x89PNG\r\n\x1a\n" + bytes(40), "plan image"),
        (plan_png(40, 40), "plan image"),  # smaller than 64 px a side
    ],
    ids=["gif", "truncated", "tiny"],
)
def test_a_bad_plan_is_refused_and_the_old_one_kept(
    tmp_path: Path, data: bytes, message: str
) -> None:
    with service(tmp_path) as client:
        client.put("/v1/plan/image", files={"image": ("plan.png", plan_png(800, 600))})
        r = client.put("/v1/plan/image", files={"image": ("x", data)})
        assert r.status_code == 422 and message in r.json()["detail"], r.text
        assert client.get("/v1/plan").json()["image"]["width"] == 800


def test_the_tile_server_is_configured_and_its_origin_allowed(tmp_path: Path) -> None:
    url = "http://tiles.cg.local:8080/{z}/{x}/{y}.png"
    with service(tmp_path, map_tile_url=url, map_attribution="市南区城管") as client:
        assert client.get("/v1/plan").json()["tiles"] == {"url": url, "attribution": "市南区城管"}
        policy = client.get("/map").headers["content-security-policy"]
        assert "img-src 'self' data: blob: http://tiles.cg.local:8080;" in policy
    with service(tmp_path) as client:
        policy = client.get("/map").headers["content-security-policy"]
        assert "img-src 'self' data: blob:;" in policy
    with pytest.raises(ValueError, match=r"with \{z\}, \{x\} and \{y\}"):
        Settings(map_tile_url="https://tiles.example/{z}/{x}.png")
