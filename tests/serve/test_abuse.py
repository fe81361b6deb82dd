"""A careless or hostile client: image bombs, bad numbers, bad clocks, floods.

Every probe gets a 4xx that says what was wrong, or a correct 200; never a 500, and the
server's memory stays bounded (the image bombs would each take gigabytes decoded).
"""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import psutil
import pytest
from fastapi.testclient import TestClient

from detector.image_header import ImageLimits, ImageRejectedError, encoded_size
from tests.serve.markers import png, street
from tests.serve.service import CAR, PUSH_CAMERA, push, service, write_config

HUGE = 99999999999999999999  # more than any database integer holds


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def grey_png_bomb(width: int, height: int) -> bytes:
    """A real, decodable grey PNG of ``width`` x ``height`` zeros: tiny, huge decoded."""
    zipper = zlib.compressobj(9)
    row = bytes(width + 1)  # filter byte + pixels
    body = b"".join(zipper.compress(row) for _ in range(height)) + zipper.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose start-of-frame is patched to declare another size."""
    ok, data = cv2.imencode(".jpg", np.zeros((16, 16, 3), np.uint8))
    assert ok
    raw = bytearray(data.tobytes())
    sof = raw.index(b"\xff\xc0")
    raw[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(raw)


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


@pytest.fixture
def client(tmp_path: Path) -> Any:
    with service(tmp_path) as c:
        yield c


BOMBS = {
    "png-20000x20000": (lambda: grey_png_bomb(20000, 20000), "more than the limit"),
    "jpeg-12000x12000": (lambda: jpeg_declaring(12000, 12000), "more than the limit"),
    "thin-1x40000": (lambda: grey_png_bomb(1, 40000), "shorter than the minimum"),
    "wide-8000x20": (lambda: grey_png_bomb(8000, 20), "aspect ratio"),
    "gif": (lambda: b"GIF89a" + bytes(64), "not a decodable image"),
    "empty": (lambda: b"", "empty bytes"),
}


def test_a_bomb_png_is_what_it_says() -> None:
    bomb = grey_png_bomb(20000, 20000)
    assert len(bomb) < 2_000_000 and encoded_size(bomb) == (20000, 20000)
    assert encoded_size(jpeg_declaring(12000, 9000)) == (12000, 9000)


@pytest.mark.parametrize("name", sorted(BOMBS))
@pytest.mark.parametrize("route", ["/v1/detect", "/v1/cameras/cam-01/frames"])
def test_image_bombs_are_refused_from_the_header(client: TestClient, route: str, name: str) -> None:
    make, message = BOMBS[name]
    data = make()
    before = _rss()
    r = client.post(route, files={"image": ("x.png", data, "image/png")})
    grown = _rss() - before
    assert r.status_code == 422, r.text
    assert message in r.json()["detail"], r.json()
    # nothing was decoded: 20000x20000 alone would be 1.2 GB as BGR
    assert grown < 100 * 2**20, f"RSS grew {grown / 2**20:.0f} MiB on a refused image"


def test_an_image_within_the_limits_still_goes_through(client: TestClient) -> None:
    r = client.post("/v1/detect", files={"image": ("big.png", grey_png_bomb(3000, 2000), "x")})
    assert r.status_code == 200, r.text
    assert r.json()["image"] == {"width": 3000, "height": 2000}


def test_the_pixel_budget_is_a_setting(tmp_path: Path) -> None:
    with service(tmp_path, max_image_pixels=1_000_000) as c:
        r = c.post("/v1/detect", files={"image": ("p.png", grey_png_bomb(1200, 1000), "x")})
    assert r.status_code == 422 and "1200x1000 = 1200000 pixels" in r.json()["detail"]


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"max_pixels": 0}, "max_pixels >= 1"),
        ({"min_side": 0}, "min_side >= 1"),
        ({"max_aspect": 0.5}, "max_aspect >= 1"),
    ],
)
def test_image_limits_refuse_nonsense(limits: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ImageLimits(**limits)


def test_webp_and_bmp_sizes_come_from_their_headers() -> None:
    image = np.zeros((30, 50, 3), np.uint8)
    for ext in (".webp", ".bmp", ".png", ".jpg"):
        ok, data = cv2.imencode(ext, image)
        assert ok and ImageLimits().check(data.tobytes()) == (50, 30), ext
    with pytest.raises(ImageRejectedError, match="looks like PDF"):
        ImageLimits().check(b"%PDF-1.4 " + bytes(32))


# -- numbers ---------------------------------------------------------------------------


def _camera(**changes: Any) -> dict[str, Any]:
    return {**PUSH_CAMERA, "id": "cam-x", **changes}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            _camera(zones=[{"id": "z", "type": "sidewalk", "polygon": [[0, 0], [1, "NaN"]]}]),
            "",
        ),
        (_camera(zones=[{"id": "z", "type": "no_parking", "polygon": "NAN"}]), ""),
        (_camera(name="x" * 1_000_000), "at most 200 characters"),
        (_camera(lat=float("inf")), "finite"),
        (_camera(sample_fps=float("nan")), "finite"),
        (
            _camera(
                zones=[
                    {"id": "z", "type": "sidewalk", "polygon": [[i, i % 5] for i in range(5000)]}
                ]
            ),
            "at most 1000 items",
        ),
        (
            _camera(
                zones=[{"id": "z", "type": "sidewalk", "polygon": [[0, 0], [1e300, 0], [0, 9]]}]
            ),
            "at most 65535",
        ),
        (_camera(rules={"illegal_parking": {"dwell_s": 1e300}}), "less than or equal"),
    ],
    ids=[
        "nan-point",
        "nan-text",
        "huge-name",
        "inf-lat",
        "nan-fps",
        "5000-points",
        "1e300",
        "dwell",
    ],
)
def test_bad_numbers_in_a_camera_are_a_small_422(
    client: TestClient, body: dict[str, Any], message: str
) -> None:
    import json

    text = json.dumps(body)  # Python writes NaN / Infinity, as a careless client would
    r = client.post("/v1/cameras", content=text, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text[:500]
    assert message in r.text
    assert len(r.content) < 20_000, "the 422 must not echo a huge input back"


def _int_params(client: TestClient) -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) for every integer parameter in the API."""
    found = []
    for path, item in client.app.openapi()["paths"].items():  # type: ignore[attr-defined]
        for method, op in item.items():
            for p in op.get("parameters", []):
                if p["schema"].get("type") == "integer":
                    found.append((method.upper(), path, p["in"], p["name"]))
    return found


def test_every_integer_parameter_is_bounded(client: TestClient) -> None:
    params = _int_params(client)
    assert len(params) >= 10, params  # case ids, evidence numbers, keys, paging
    for method, path, where, name in params:
        for value in (HUGE, -HUGE, -1):
            url = path.replace("{camera_id}", "cam-01").replace("{username}", "admin")
            query: dict[str, Any] = {}
            if where == "path":
                url = url.replace("{" + name + "}", str(value))
            else:
                query[name] = value
            url = url.replace("{case_id}", "1").replace("{n}", "0")
            r = client.request(method, url, params=query)
            assert r.status_code < 500, (method, url, query, r.text)
            if value == HUGE:
                assert r.status_code in (404, 422), (method, url, query, r.status_code)


# -- camera clocks ---------------------------------------------------------------------


def _push_at(client: TestClient, stamp: str, camera: str = "cam-01") -> Any:
    return client.post(
        f"/v1/cameras/{camera}/frames",
        files={"image": ("f.png", png(street([("car", CAR)])), "image/png")},
        data={"timestamp": stamp},
    )


@pytest.mark.parametrize(
    ("stamp", "message"),
    [
        ("9999-12-31T23:59:59+00:00", "ahead of the server's clock"),
        ("2099-01-01T00:00:00+08:00", "ahead of the server's clock"),
        ("1970-01-01T00:00:05+00:00", "clock looks unset"),
        ("1e20", "out of range"),
        ("nan", "out of range"),
        ("-inf", "out of range"),
        ("yesterday", "neither ISO-8601"),
    ],
)
def test_a_bad_timestamp_is_a_422_and_never_locks_the_camera_out(
    client: TestClient, stamp: str, message: str
) -> None:
    r = _push_at(client, stamp)
    assert r.status_code == 422 and message in r.json()["detail"], r.text
    now = dt.datetime.now(dt.UTC)
    ok = _push_at(client, now.isoformat())
    assert ok.status_code == 200, ok.text  # the camera's clock did not move
    health = client.get("/v1/cameras/cam-01/health").json()
    assert health["clock_ok"] is True and abs(health["clock_offset_s"]) < 60


def test_a_camera_clock_running_ahead_shows_in_its_health(client: TestClient) -> None:
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    for _ in range(3):
        assert _push_at(client, ahead.isoformat()).status_code == 422
    health = client.get("/v1/cameras/cam-01/health").json()
    assert health["clock_ok"] is False and health["frames_clock_refused"] == 3
    assert 7100 < health["clock_offset_s"] < 7300


def test_a_sighting_stamped_in_the_future_does_not_lock_out_after_a_restart(
    tmp_path: Path,
) -> None:
    """Cases written while a camera's clock ran ahead (before this check existed, or
    within the allowed skew) must not hold the camera's clock there after a restart."""
    from serve.store.cases import CaseRepo
    from serve.store.database import open_database
    from tests.serve.store.factories import evidence_in, new_case

    config = write_config(tmp_path / "cameras.yaml")
    with service(tmp_path, config):  # creates the database
        pass
    repo = CaseRepo(open_database(f"sqlite:///{tmp_path / 'streetwatch.db'}"))
    future = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    repo.create(
        new_case(camera_id="cam-01", first_seen=future, last_seen=future),
        [evidence_in("annotated", "f/a.jpg")],
    )
    with service(tmp_path, config) as c:
        r = _push_at(c, dt.datetime.now(dt.UTC).isoformat())
        assert r.status_code == 200, r.text


# -- floods ----------------------------------------------------------------------------


def test_a_push_camera_flooding_frames_gets_429_with_retry_after(tmp_path: Path) -> None:
    with service(tmp_path, push_rate=1.0, push_burst_s=5.0) as c:
        codes = []
        for _ in range(12):
            r = c.post(
                "/v1/cameras/cam-01/frames",
                files={"image": ("f.png", png(street([])), "image/png")},
            )
            codes.append(r.status_code)
            if r.status_code == 429:
                assert int(r.headers["retry-after"]) >= 1
                assert "faster than it may" in r.json()["detail"]
        assert codes[:5] == [200] * 5 and codes.count(429) >= 6, codes


def test_replays_faster_than_real_time_need_the_limit_off(tmp_path: Path) -> None:
    with service(tmp_path, push_rate=None) as c:
        for i in range(20):
            push(c, i * 5.0)
