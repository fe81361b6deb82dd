"""Screenshots of the review queue and the statistics page, on the embedded defaults.

Starts ``streetwatch serve`` with a fresh data directory (the demo camera and the
reference model), waits for its draft cases, signs in as the first-start admin in the
system's headless Chromium and saves ``docs/review-queue.png``, ``docs/review-case.png``
and ``docs/stats.png``. Run from the repository root:

    .venv/bin/python docs/screenshots.py [--out docs] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARGS += ["--disable-component-update"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _wait_for_cases(base: str, token: str, want: int, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    count = 0
    while time.monotonic() < deadline:
        request = urllib.request.Request(
            f"{base}/v1/cases?status=draft", headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as r:
                count = int(json.loads(r.read())["count"])
        except (urllib.error.URLError, ConnectionError):
            pass
        if count >= want:
            return count
        time.sleep(1)
    return count


def _settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--cases", type=int, default=3, help="draft cases to wait for")
    args = parser.parse_args()
    token = "screenshots-admin-token-0123456789"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        env = {**os.environ, "STREETWATCH_ADMIN_TOKEN": token, "STREETWATCH_SECURE_COOKIES": "0"}
        command = [sys.executable, "-m", "serve.cli", "serve", "--port", str(port)]
        log = (Path(tmp) / "serve.log").open("w")
        proc = subprocess.Popen(
            [*command, "--data-dir", str(data)], cwd=REPO, env=env, stdout=log, stderr=log
        )
        try:
            found = _wait_for_cases(base, token, args.cases, 180)
            if found < args.cases:
                print(f"only {found} draft cases after 180 s; see {log.name}", file=sys.stderr)
                return 1
            password = (data / "admin-password.txt").read_text().strip()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, headless=True, args=ARGS)
                context = browser.new_context(
                    viewport={"width": 1440, "height": 900},
                    locale="zh-CN",
                    timezone_id="Asia/Shanghai",
                )
                page = context.new_page()
                page.goto(f"{base}/review")
                page.fill("#username", "admin")
                page.fill("#password", password)
                page.press("#password", "Enter")
                page.wait_for_url(f"{base}/review")
                _settle(page)
                args.out.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=args.out / "review-queue.png")
                page.keyboard.press("j")
                _settle(page)
                page.screenshot(path=args.out / "review-case.png")
                page.goto(f"{base}/stats")
                _settle(page)
                page.screenshot(path=args.out / "stats.png", full_page=True)
                browser.close()
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    for name in ("review-queue.png", "review-case.png", "stats.png"):
        print(args.out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
