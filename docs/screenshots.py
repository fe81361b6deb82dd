"""Screenshots of every page, on the embedded defaults.

Starts ``streetwatch serve`` with a fresh data directory (the demo camera and the
reference model), waits for its draft cases, signs in as the first-start admin in the
system's headless Chromium and saves, under ``docs/``: the review queue and a case in it,
the statistics, the case list and a case's page (one draft confirmed and dispatched
first), the camera wall (at 1920x1080, a wall display), the camera page with its zone
editor, and the plan view on a plan image drawn here (the demo has none) with the demo
camera pinned on it; all but the wall at 1366x768, a laptop. Run from the repository root:

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
from typing import Any

from playwright.sync_api import Page, ViewportSize, sync_playwright

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


def _api(base: str, token: str, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{base}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read() or b"null")


def _plan_png(path: Path) -> None:
    """A plan of a few blocks and streets, in the style of a district map."""
    import cv2
    import numpy as np

    plan = np.full((900, 1400, 3), (236, 240, 242), np.uint8)
    for y in (150, 450, 750):
        cv2.line(plan, (0, y), (1400, y), (255, 255, 255), 36)
    for x in (300, 700, 1100):
        cv2.line(plan, (x, 0), (x, 900), (255, 255, 255), 36)
    for bx in (60, 360, 760, 1160):
        for by in (200, 500):
            cv2.rectangle(plan, (bx, by), (bx + 190, by + 200), (205, 214, 222), -1)
    cv2.imwrite(str(path), plan)


def _settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)


SHOTS = (
    "review-queue.png",
    "review-case.png",
    "stats.png",
    "cases.png",
    "case.png",
    "cameras.png",
    "camera.png",
    "map.png",
)
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
WALL: ViewportSize = {"width": 1920, "height": 1080}


def _console_pages(page: Page, base: str, token: str, out: Path, tmp: Path) -> None:
    """The operator's console: cases, a case, the camera wall, a camera, the plan view."""
    drafts = _api(base, token, "GET", "/v1/cases?status=draft&sort=oldest")["data"]
    first = drafts[0]["id"]
    _api(base, token, "POST", f"/v1/cases/{first}/review", {"decision": "confirm"})
    _api(base, token, "POST", f"/v1/cases/{first}/dispatch", {"reason": "派往责任单位"})
    _api(base, token, "POST", f"/v1/cases/{first}/notes", {"text": "已电话通知责任单位"})
    page.set_viewport_size(LAPTOP)
    page.goto(f"{base}/cases")
    _settle(page)
    page.screenshot(path=out / "cases.png")
    page.goto(f"{base}/cases/{first}")
    _settle(page)
    page.screenshot(path=out / "case.png")
    page.set_viewport_size(WALL)
    page.goto(f"{base}/cameras")
    _settle(page)
    page.wait_for_timeout(3500)  # a refresh: the latest frame with its detections
    page.screenshot(path=out / "cameras.png")
    page.set_viewport_size(LAPTOP)
    page.goto(f"{base}/cameras/demo")
    _settle(page)
    page.click("#zone-list li")
    page.screenshot(path=out / "camera.png")
    plan = tmp / "plan.png"
    _plan_png(plan)
    page.goto(f"{base}/map")
    _settle(page)
    page.set_input_files("#plan-file", str(plan))
    page.wait_for_selector("#map img.plan-image")
    _api(base, token, "PUT", "/v1/plan/pins/demo", {"x": 700, "y": 450})
    page.reload()
    _settle(page)
    page.screenshot(path=out / "map.png")


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
                _console_pages(page, base, token, args.out, Path(tmp))
                browser.close()
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    for name in SHOTS:
        print(args.out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
