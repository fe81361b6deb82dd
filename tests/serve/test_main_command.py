"""The README's main command on embedded defaults: ``streetwatch serve`` with no
configuration shows draft cases from the demo camera within about a minute."""

from __future__ import annotations

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
from typing import Any

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def test_serve_on_embedded_defaults_shows_demo_cases(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "serve.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "serve.cli", "serve", "--port", str(port), "--data-dir",
         str(tmp_path / "data")],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # start-up renders the demo clip on first run
            try:
                get(f"{base}/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, "serve exited:\n" + (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "serve did not start within 60 s"
                time.sleep(0.5)
        started = time.monotonic()
        seen: set[str] = set()
        while time.monotonic() - started < 90 and len(seen) < 3:
            seen = {c["violation"] for c in get(f"{base}/v1/cases")["data"]}
            time.sleep(1)
        took = time.monotonic() - started
        assert seen == {"illegal_parking", "out_of_store_trading", "illegal_ad"}, (
            f"after {took:.0f} s only {sorted(seen)}"
        )
        assert get(f"{base}/v1/cameras/demo/health")["connected"] is True
        out = (tmp_path / "serve.log").read_text()
        assert f"{base}/v1/cases" in out and "demo camera" in out
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    assert proc.returncode == 0, (tmp_path / "serve.log").read_text()[-3000:]
