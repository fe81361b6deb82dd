"""Passwords in camera source URLs are sealed in the database, opened only in memory."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from serve.config.secret_box import SEALED, SecretBox, SecretKeyError, is_sealed
from serve.store.cameras import CameraRepo
from serve.store.database import open_database
from tests.serve.service import service

PASSWORD = "hunter2-Zq9"
URL = f"rtsp://admin:{PASSWORD}@10.0.0.7:554/live"


def _camera(cam_id: str = "cam-sec", url: str = URL) -> dict[str, object]:
    return {"id": cam_id, "source": {"kind": "rtsp", "url": url}}


def _stored_urls(data: Path) -> dict[str, str]:
    """Each camera's source URL as the database file holds it."""
    with sqlite3.connect(data / "streetwatch.db") as db:
        rows = db.execute("SELECT id, json_extract(config, '$.source.url') FROM cameras")
        return {cam_id: url for cam_id, url in rows if url is not None}


def _database_bytes(data: Path) -> bytes:
    return b"".join(p.read_bytes() for p in data.glob("streetwatch.db*"))


def test_a_password_is_sealed_on_disk_and_opened_after_a_restart(tmp_path: Path) -> None:
    data = tmp_path
    with service(data) as c:
        assert c.post("/v1/cameras", json=_camera()).status_code == 201
        assert c.app.state.cameras.get("cam-sec").source.url == URL  # type: ignore[attr-defined]
    stored = _stored_urls(data)["cam-sec"]
    assert is_sealed(stored) and stored.startswith("rtsp://admin:$sealed$"), stored
    assert stored.endswith("@10.0.0.7:554/live")
    assert PASSWORD.encode() not in _database_bytes(data)
    assert (data / "secret.key").stat().st_mode & 0o777 == 0o600
    with service(data) as c:  # the same key file: the stream gets the password back
        assert c.app.state.cameras.get("cam-sec").source.url == URL  # type: ignore[attr-defined]
        assert PASSWORD not in c.get("/v1/cameras/cam-sec").text


def test_passwords_stored_in_clear_are_sealed_at_start(tmp_path: Path) -> None:
    data = tmp_path
    with service(data):
        pass
    from serve.config.cameras import Camera

    db = open_database(f"sqlite:///{data / 'streetwatch.db'}")
    CameraRepo(db).upsert(Camera.model_validate(_camera("cam-old")), "api")  # no key: clear
    db.dispose()
    assert _stored_urls(data)["cam-old"] == URL
    with service(data) as c:
        assert c.app.state.cameras.get("cam-old").source.url == URL  # type: ignore[attr-defined]
    assert is_sealed(_stored_urls(data)["cam-old"])


def test_a_rotated_key_seals_again_and_a_lost_key_is_named(tmp_path: Path) -> None:
    data = tmp_path
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with service(data, secret_key=old) as c:
        c.post("/v1/cameras", json=_camera())
    sealed_old = _stored_urls(data)["cam-sec"]
    with service(data, secret_key=f"{new},{old}") as c:
        assert c.app.state.cameras.get("cam-sec").source.url == URL  # type: ignore[attr-defined]
    sealed_new = _stored_urls(data)["cam-sec"]
    assert sealed_new != sealed_old
    assert SecretBox([new]).open(sealed_new) == URL  # the old key is no longer needed
    # a key that opens nothing: the camera still loads, its stream says what happened
    other = Fernet.generate_key().decode()
    snap = {"kind": "snapshot", "url": "http://u:pw@127.0.0.1:9/x.jpg", "timeout_s": 1}
    with service(data, secret_key=new) as c:
        c.post("/v1/cameras", json={"id": "cam-snap", "source": snap})
    with service(data, secret_key=other) as c:
        assert _stored_urls(data)["cam-sec"] == sealed_new  # kept for the right key
        error = ""
        deadline = time.monotonic() + 20
        while "sealed with another secret key" not in error and time.monotonic() < deadline:
            time.sleep(0.2)
            error = str(c.get("/v1/cameras/cam-snap/health").json().get("last_error"))
        assert "sealed with another secret key" in error, error
        assert "pw" not in error.split("@")[0].split("://")[1].split(":")[0]
        assert c.get("/healthz").status_code == 200


def test_env_references_and_urls_without_passwords_are_stored_as_given(tmp_path: Path) -> None:
    box = SecretBox.from_settings(None, tmp_path)
    for url in ["rtsp://admin:${CAM7_PW}@10.0.0.7/live", "rtsp://10.0.0.7/live", "rtsp://u@h/"]:
        assert box.seal(url) == url and not box.stale(url)
    odd = "rtsp://ad:min:p%40ss:w@h:554/a?b=c@d"
    sealed = box.seal(odd)
    assert SEALED in sealed and box.open(sealed) == odd and not box.stale(sealed)


def test_a_bad_key_is_refused_with_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyError, match=r"STREETWATCH_SECRET_KEY is not a .*generate_key"):
        SecretBox(["not-a-key"])
    with pytest.raises(SecretKeyError, match=r"STREETWATCH_SECRET_KEY \(key 2\) is not"):
        SecretBox([Fernet.generate_key().decode(), "old-but-wrong"])
    (tmp_path / "secret.key").write_text("garbage\n")
    with pytest.raises(SecretKeyError, match=r"secret\.key is not a secret key"):
        SecretBox.from_settings(None, tmp_path)
