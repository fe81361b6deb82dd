"""Fixtures for browser tests: a live service with draft cases, headless Chromium, pages.

Chromium is the system's (Debian ``chromium``, or ``$STREETWATCH_CHROMIUM``), driven by
Playwright; Playwright's own browser download is never used. The tests skip, saying why,
when either is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.serve.ui.live import REVIEWER, Live, live_service, open_cases

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("STREETWATCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1400, "height": 900}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The service with ten draft cases: five violations on each of cam-01 and cam-02."""
    with live_service(tmp_path_factory.mktemp("live")) as service, service.client() as client:
        open_cases(client, "cam-01")
        open_cases(client, "cam-02")
        assert client.get("/v1/cases", params={"status": "draft"}).json()["count"] == 10
        yield service


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
    )
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    """A page, and what went wrong in it: console errors, failed or off-site requests."""

    page: Page
    problems: list[str] = field(default_factory=list)


@contextmanager
def session(
    browser: Browser, live: Live, user: tuple[str, str] = REVIEWER, path: str = "/review"
) -> Iterator[Watched]:
    """A fresh browser context (Chinese locale, Qingdao time), its page signed in as
    ``user`` on ``path``, with what goes wrong in it collected (off-site requests count)."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(10_000)
    w = Watched(page)

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            w.problems.append(f"console: {msg.text}")

    def on_request(request: Any) -> None:
        if not request.url.startswith((live.url, "data:", "blob:")):
            w.problems.append(f"off-site request: {request.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda e: w.problems.append(f"page error: {e}"))
    page.on("request", on_request)

    def on_failed(request: Any) -> None:
        # aborted by the page itself (an image replaced before it loaded) is no failure
        if request.failure != "net::ERR_ABORTED":
            w.problems.append(f"failed: {request.url} ({request.failure})")

    page.on("requestfailed", on_failed)
    sign_in(page, live, user, path)
    try:
        yield w
    finally:
        context.close()


@pytest.fixture
def watched(browser: Browser, live: Live) -> Iterator[Watched]:
    """A page signed in as the reviewer (:func:`session`)."""
    with session(browser, live) as w:
        yield w


def sign_in(
    page: Page, live: Live, user: tuple[str, str] = REVIEWER, path: str = "/review"
) -> None:
    """Open ``path``: signed out, that lands on /login, where ``user`` signs in."""
    page.goto(f"{live.url}{path}")
    assert "/login?next=" in page.url, page.url
    page.fill("#username", user[0])
    page.fill("#password", user[1])
    page.press("#password", "Enter")
    page.wait_for_url(f"{live.url}{path}")
