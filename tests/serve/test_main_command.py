"""The README's main command on embedded defaults: ``streetwatch serve`` with no
configuration shows draft cases from the demo camera within about a minute."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


# automation's way in (STREETWATCH_ADMIN_TOKEN); people sign in with the first-start admin
ADMIN_TOKEN = "main-command-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def get(url: str) -> Any:
    with urllib.request.urlopen(urllib.request.Request(url, headers=AUTH), timeout=5) as r:
        return json.loads(r.read())


def sign_in(base: str, username: str, password: str) -> Any:
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(
        f"{base}/v1/auth/login", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as r:
        return json.loads(r.read())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def start_serve(data: Path, port: int, log: IO[str], *extra: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "serve.cli", "serve", "--port", str(port), "--data-dir", str(data),
         *extra],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "STREETWATCH_ADMIN_TOKEN": ADMIN_TOKEN},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:  # start-up renders the demo clip on first run
        try:
            get(f"http://127.0.0.1:{port}/healthz")
            return proc
        except (urllib.error.URLError, ConnectionError):
            assert proc.poll() is None, f"serve exited with {proc.returncode}"
            assert time.monotonic() < deadline, "serve did not start within 60 s"
            time.sleep(0.5)


def wait_for_demo_cases(base: str, timeout_s: float = 90) -> list[dict[str, Any]]:
    started = time.monotonic()
    found: list[dict[str, Any]] = []
    while time.monotonic() - started < timeout_s:
        found = get(f"{base}/v1/cases")["data"]
        if len({c["violation"] for c in found}) == 3:
            break
        time.sleep(1)
    return found


def verify_evidence(base: str, case: dict[str, Any]) -> None:
    for item in case["evidence"]:
        request = urllib.request.Request(base + item["url"], headers=AUTH)
        with urllib.request.urlopen(request, timeout=5) as r:
            assert hashlib.sha256(r.read()).hexdigest() == item["sha256"], item


def test_serve_on_embedded_defaults_shows_demo_cases(tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "serve.log").open("w+")
    base = f"http://127.0.0.1:{port}"
    proc = start_serve(tmp_path / "data", port, log)
    try:
        seen = {c["violation"] for c in wait_for_demo_cases(base)}
        assert seen == {"illegal_parking", "out_of_store_trading", "illegal_ad"}
        assert get(f"{base}/v1/cameras/demo/health")["connected"] is True
        out = (tmp_path / "serve.log").read_text()
        assert f"{base}/v1/cases" in out and "demo camera" in out
        # first start: an admin whose random password is in a file only its owner reads
        password_file = tmp_path / "data" / "admin-password.txt"
        assert f"sign in:      {base}/login  (first start: user admin, password in" in out
        assert password_file.stat().st_mode & 0o777 == 0o600
        me = sign_in(base, "admin", password_file.read_text().strip())
        assert me["username"] == "admin" and me["role"] == "admin"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    assert proc.returncode == 0, (tmp_path / "serve.log").read_text()[-3000:]


def test_a_killed_service_restarts_without_losing_or_duplicating_cases(tmp_path: Path) -> None:
    """SIGKILL mid-stream (no shutdown at all), then start again on the same data."""
    killed_and_restarted(tmp_path)


def test_the_same_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    killed_and_restarted(tmp_path, "--database", postgres_url)


def killed_and_restarted(tmp_path: Path, *extra: str) -> None:
    data = tmp_path / "data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "first.log").open("w+") as log:
        proc = start_serve(data, port, log, *extra)
        try:
            before = {c["id"]: c for c in wait_for_demo_cases(base)}
            assert len(before) == 3
            time.sleep(3)  # mid-stream: sightings and evidence updates are being written
        finally:
            proc.kill()
            proc.wait()
    with (tmp_path / "second.log").open("w+") as log:
        proc = start_serve(data, port, log, *extra)
        try:
            time.sleep(45)  # most of a loop of the clip: every object is seen again
            after = {c["id"]: c for c in get(f"{base}/v1/cases")["data"]}
            assert set(after) == set(before), "cases lost or opened again after the crash"
            for case_id, case in after.items():
                assert case["first_seen"] == before[case_id]["first_seen"]
                last, earlier = (
                    dt.datetime.fromisoformat(c["last_seen"]) for c in (case, before[case_id])
                )
                assert last > earlier, "not updated after the restart"
                verify_evidence(base, case)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(20)
