"""The API reference pages in real headless Chromium with the network blocked: every
request that leaves the server is aborted and fails the test, and both pages still render
the API (their libraries are vendored, not fetched from a CDN)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.serve.ui.conftest import VIEWPORT
from tests.serve.ui.live import Live

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _offline_page(browser: Browser, live: Live) -> tuple[Any, list[str]]:
    context = browser.new_context(viewport=VIEWPORT)
    left: list[str] = []

    def guard(route: Any) -> None:
        url = route.request.url
        if url.startswith((live.url, "data:", "blob:")):
            route.continue_()
        else:
            left.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("pageerror", lambda e: left.append(f"page error: {e}"))
    return page, left


def test_swagger_ui_renders_offline(browser: Browser, live: Live) -> None:
    page, left = _offline_page(browser, live)
    page.goto(f"{live.url}/docs")
    page.wait_for_selector(".opblock-tag-section")
    assert page.locator(".opblock").count() > 20  # the API's operations, listed
    page.locator(".opblock-summary-path", has_text="/v1/cases").first.wait_for()
    assert page.title().startswith("streetwatch API")
    assert left == [], left
    page.context.close()


def test_redoc_renders_offline(browser: Browser, live: Live) -> None:
    page, left = _offline_page(browser, live)
    page.goto(f"{live.url}/redoc")
    page.wait_for_selector("h1:has-text('streetwatch')")
    page.get_by_text("/v1/cases").first.wait_for(state="attached")
    assert left == [], left
    page.context.close()


def test_docs_pages_name_no_other_host(live: Live) -> None:
    """What the pages themselves load comes from this server."""
    with live.client() as client:
        for path in ("/docs", "/redoc"):
            r = client.get(path)
            assert r.status_code == 200, r.text
            assert "http://" not in r.text and "https://" not in r.text, path
            assert "default-src 'self'" in r.headers["content-security-policy"]
