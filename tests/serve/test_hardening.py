"""Operations hardening: bounded decodes, trusted proxies, lockouts, configs, file modes."""

from __future__ import annotations

import asyncio
import logging
import stat
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from detector.image import decode_image
from detector.image_header import ImageLimits
from serve.cli import proxy_options
from serve.config.cameras import CameraConfigError, load_cameras
from serve.config.settings import Settings
from serve.decoding import ImageDecoder
from tests.serve.service import ADMIN_TOKEN, PUSH_CAMERA, cases, push, service, write_config


def test_decodes_run_off_the_event_loop_and_at_most_slots_at_once() -> None:
    _, jpeg = cv2.imencode(".jpg", np.full((600, 800, 3), 90, np.uint8))
    data = jpeg.tobytes()
    running, most, threads = 0, 0, set()
    lock = threading.Lock()

    def decode(raw: bytes) -> tuple[int, int]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            threads.add(threading.get_ident())
        time.sleep(0.02)  # hold the slot a little so overlaps would show
        image = decode_image(raw)
        with lock:
            running -= 1
        return image.shape[1], image.shape[0]

    async def many() -> list[tuple[int, int]]:
        decoder = ImageDecoder(ImageLimits(), slots=2)
        return await asyncio.gather(*(decoder.decode(decode, data) for _ in range(8)))

    loop_thread = threading.get_ident()
    assert asyncio.run(many()) == [(800, 600)] * 8
    assert most == 2 and loop_thread not in threads


def test_no_forwarded_header_is_believed_unless_a_proxy_is_named() -> None:
    assert proxy_options(Settings()) == {"proxy_headers": False}
    named = proxy_options(Settings(trusted_proxies=["10.0.0.5"]))
    assert named == {"proxy_headers": True, "forwarded_allow_ips": ["10.0.0.5"]}


def test_a_strangers_wrong_passwords_do_not_lock_the_user_out(tmp_path: Path) -> None:
    password = "a-long-and-good-password-42"
    login = "/v1/auth/login"
    with service(tmp_path, as_admin=False, admin_password=password) as attacker:
        for _ in range(6):
            r = attacker.post(
                login,
                json={"username": "admin", "password": "guess"},
                # not believed without a trusted proxy: the attacker cannot pose elsewhere
                headers={"x-forwarded-for": "198.51.100.7"},
            )
        assert r.status_code == 429 and "retry-after" in r.headers, r.text
        right = {"username": "admin", "password": password}
        assert attacker.post(login, json=right).status_code == 429  # that address waits
        user = TestClient(attacker.app, client=("198.51.100.7", 40000))
        r = user.post(login, json=right)
        assert r.status_code == 200, r.text  # the user, from their own address, is in
        # an admin can end the lockout at once
        admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        r = attacker.post("/v1/users/admin/unlock", headers=admin)
        assert r.status_code == 200 and r.json() == {"addresses_unlocked": 1}, r.text
        assert attacker.post(login, json=right).status_code == 200
        assert attacker.post("/v1/users/nobody/unlock", headers=admin).status_code == 404


def test_an_empty_cameras_file_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "cameras.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert load_cameras(path) == []
    assert "names no cameras" in caplog.text and str(path) in caplog.text


def test_a_cameras_file_not_in_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cameras.yaml"
    path.write_bytes("- id: cam-01\n  name: 香港中路\n".encode("gbk"))
    with pytest.raises(CameraConfigError, match=r"cameras\.yaml: not UTF-8 text"):
        load_cameras(path)


def test_the_database_and_evidence_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with service(data, write_config(tmp_path / "cameras.yaml")) as c:
        for i in range(12):
            push(c, i * 30.0, [("car", (200.0, 350.0, 300.0, 440.0))])
        assert cases(c), "no case opened"

    def mode(p: Path) -> int:
        return stat.S_IMODE(p.stat().st_mode)

    assert mode(data / "streetwatch.db") == 0o600
    evidence = [p for p in (data / "evidence").rglob("*")]
    assert evidence, "the case wrote no evidence"
    for p in evidence:
        assert mode(p) == (0o700 if p.is_dir() else 0o600), (p, oct(mode(p)))


def test_anonymous_health_says_only_ok(tmp_path: Path) -> None:
    with service(tmp_path, as_admin=False) as c:
        assert c.get("/healthz").json() == {"status": "ok"}


def _cam(source: dict[str, object], cam_id: str = "cam-src") -> dict[str, object]:
    return {"id": cam_id, "source": source}


@pytest.mark.parametrize(
    "source",
    [
        {"kind": "file", "path": "/etc/shadow"},
        {"kind": "snapshot", "url": "http://127.0.0.1:8000/openapi.json"},
        {"kind": "snapshot", "url": "http://localhost/x.jpg"},
        {"kind": "mjpeg", "url": "http://169.254.169.254/latest/meta-data/"},
        {"kind": "rtsp", "url": "rtsp://[::1]:554/live"},
        {"kind": "rtsp", "url": "rtsp://0.0.0.0/live"},
    ],
    ids=["file", "loopback", "localhost", "metadata", "ipv6-loopback", "unspecified"],
)
def test_local_sources_over_the_api_need_the_operators_leave(
    tmp_path: Path, source: dict[str, object]
) -> None:
    with service(tmp_path, allow_local_sources=False) as c:
        r = c.post("/v1/cameras", json=_cam(source))
        assert r.status_code == 422 and "ALLOW_LOCAL_SOURCES" in r.json()["detail"], r.text
        assert c.get("/v1/cameras/cam-src").status_code == 404
        r = c.post("/v1/cameras", json=_cam({"kind": "rtsp", "url": "rtsp://10.0.0.7/live"}))
        assert r.status_code == 201, r.text  # a camera on the LAN is fine


def test_zones_of_a_camera_from_the_operators_file_can_be_edited(tmp_path: Path) -> None:
    # the operator's file may name a local source; the zone editor saves the whole camera
    # back over the API, which checks a source only when it changes
    local = {**PUSH_CAMERA, "source": {"kind": "rtsp", "url": "rtsp://127.0.0.1:9/live"}}
    config = write_config(tmp_path / "cameras.yaml", [local])
    with service(tmp_path, config, allow_local_sources=False) as c:
        shown = c.get("/v1/cameras/cam-01").json()
        shown["zones"] = shown["zones"][:1]
        r = c.put("/v1/cameras/cam-01", json=shown)
        assert r.status_code == 200, r.text
        assert [z["id"] for z in r.json()["zones"]] == ["np1"]
        moved = {**shown, "source": {"kind": "rtsp", "url": "rtsp://127.0.0.1:10/live"}}
        r = c.put("/v1/cameras/cam-01", json=moved)
        assert r.status_code == 422 and "ALLOW_LOCAL_SOURCES" in r.json()["detail"]


def test_source_passwords_never_leave_and_survive_a_round_trip(tmp_path: Path) -> None:
    url = "rtsp://admin:hunter2@10.0.0.7:554/live"
    with service(tmp_path) as c:
        created = c.post("/v1/cameras", json=_cam({"kind": "rtsp", "url": url})).json()
        assert created["source"]["url"] == "rtsp://admin:***@10.0.0.7:554/live"
        shown = c.get("/v1/cameras/cam-src").json()
        listed = c.get("/v1/cameras").json()
        assert "hunter2" not in str(shown) + str(listed)
        shown["name"] = "renamed"
        assert c.put("/v1/cameras/cam-src", json=shown).status_code == 200
        kept = c.app.state.cameras.get("cam-src")  # type: ignore[attr-defined]
        assert kept.source.url == url and kept.name == "renamed"
        moved = {**shown, "source": {"kind": "rtsp", "url": "rtsp://admin:***@10.0.0.8/live"}}
        r = c.put("/v1/cameras/cam-src", json=moved)
        assert r.status_code == 422 and "send the password itself" in r.json()["detail"]


def test_a_password_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from serve.streams.capture import expand_secrets
    from serve.streams.errors import SourceError

    monkeypatch.setenv("CAM7_PASSWORD", "hunter2")
    assert expand_secrets("rtsp://a:${CAM7_PASSWORD}@h/x") == "rtsp://a:hunter2@h/x"
    monkeypatch.delenv("CAM7_PASSWORD")
    with pytest.raises(SourceError, match=r"CAM7_PASSWORD .* is not set"):
        expand_secrets("rtsp://a:${CAM7_PASSWORD}@h/x")


def test_the_camera_list_is_paged(tmp_path: Path) -> None:
    with service(tmp_path) as c:
        for i in range(5):
            c.post("/v1/cameras", json=_cam({"kind": "push"}, f"cam-p{i}"))
        page = c.get("/v1/cameras", params={"limit": 2, "offset": 1}).json()
        assert page["count"] == 6 and [x["id"] for x in page["data"]] == ["cam-p0", "cam-p1"]
        assert c.get("/v1/cameras", params={"limit": 501}).status_code == 422
