"""Every page at the two screens operators use: a 1366x768 laptop and a 1920x1080 wall
display. Each draws without errors, its top bar and main content on the first screen,
nothing wider than the window (no sideways scrolling)."""

from __future__ import annotations

import pytest

from tests.serve.ui.conftest import Watched
from tests.serve.ui.live import Live

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = {
    "/review": "#queue li[data-id]",
    "/cases": "#rows tr[data-id]",
    "/cases/1": "#timeline li",
    "/cameras": ".tile[data-camera='cam-01'] .frame-box img[src]",
    "/cameras/cam-01": "#frame .frame-box img[src]",
    "/map": "#cameras li",
    "/stats": "#charts .echart canvas",
    "/phones": "#ledger tr",
    "/ledger": "#rows tr",
}


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["laptop", "wall"])
def test_every_page_fits_the_screen(watched: Watched, live: Live, size: tuple[int, int]) -> None:
    page = watched.page
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    for path, content in PAGES.items():
        page.goto(f"{live.url}{path}")
        page.wait_for_selector(content, state="attached")
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{path} is {overflow} px wide at {width}"
        nav = page.locator(".topbar nav a[aria-current=page]").bounding_box()
        assert nav is not None and nav["y"] < 60, path
        first = page.locator(content).first.bounding_box()
        assert first is not None and first["y"] < height, f"{path}: {content} below the fold"
    assert not watched.problems, watched.problems
