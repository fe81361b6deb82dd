"""The camera wall in real headless Chromium: a live camera's latest frame with its zones
and current detections, refreshed as frames arrive; a dead one (its RTSP server gone) shown
offline with its error, its password never on the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.serve.markers import Box
from tests.serve.service import CAR, PUSH_CAMERA
from tests.serve.ui.conftest import Watched
from tests.serve.ui.live import Live, live_service, push_frame

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# nothing listens on port 9 (discard) here: the stream cannot open
DEAD_CAMERA = {
    **PUSH_CAMERA,
    "id": "cam-dead",
    "name": "东门（断线）",
    "source": {"kind": "rtsp", "url": "rtsp://admin:s3cret-pw@127.0.0.1:9/stream1"},
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_service(tmp_path_factory.mktemp("wall"), [PUSH_CAMERA, DEAD_CAMERA]) as service:
        yield service


def push(live: Live, seconds: int, objects: list[tuple[str, Box]]) -> None:
    with live.client() as client:
        push_frame(client, "cam-01", seconds, objects)


def tile(camera: str) -> str:
    return f".tile[data-camera='{camera}']"


def test_the_wall_shows_a_live_camera_and_a_dead_one(watched: Watched, live: Live) -> None:
    page = watched.page
    push(live, 0, [("car", CAR)])
    page.goto(f"{live.url}/cameras")
    page.wait_for_selector("body[data-ready=true]")
    assert page.title() == "摄像头 - 街面巡查"
    page.wait_for_selector(f"{tile('cam-01')}[data-state=live]")
    assert page.inner_text(f"{tile('cam-01')} .state") == "在线"
    # the frame is loaded and drawn over: both zones, the car
    page.wait_for_function(
        "sel => document.querySelector(sel)?.naturalWidth === 640",
        arg=f"{tile('cam-01')} .frame-box img",
    )
    assert page.locator(f"{tile('cam-01')} .zone-shape").count() == 2
    assert page.locator(f"{tile('cam-01')} .det").count() == 1
    assert "当前目标 1 个" in page.inner_text(f"{tile('cam-01')} .tile-facts")

    # the dead camera: offline, with the stream's error, its password never shown
    page.wait_for_selector(f"{tile('cam-dead')}[data-state=offline]", timeout=20_000)
    page.wait_for_selector(f"{tile('cam-dead')} .tile-error:not(.hidden)", timeout=20_000)
    assert page.inner_text(f"{tile('cam-dead')} .state") == "离线"
    assert "暂无画面" in page.inner_text(tile("cam-dead"))
    assert "s3cret-pw" not in page.content()
    assert page.inner_text("#count") == "共 2 路：在线 1，异常 1"

    # the car drives off: the next refresh (3 s) shows the new frame, nothing on it
    push(live, 10, [])
    page.wait_for_function(
        "sel => document.querySelectorAll(sel).length === 0",
        arg=f"{tile('cam-01')} .det",
        timeout=10_000,
    )
    # problems only
    page.check("#problems")
    assert page.locator(".tile").count() == 1
    assert page.locator(tile("cam-dead")).count() == 1
    page.uncheck("#problems")
    page.click("#lang")
    assert page.inner_text(f"{tile('cam-dead')} .state") == "Offline"
    page.click("#lang")
    assert not watched.problems, watched.problems


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_the_wall_fits_laptops_and_wall_displays(
    watched: Watched, live: Live, size: tuple[int, int]
) -> None:
    page = watched.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(f"{live.url}/cameras")
    page.wait_for_selector("body[data-ready=true]")
    # no sideways scrolling, and both tiles side by side on the first screen
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    boxes = [page.locator(tile(c)).bounding_box() for c in ("cam-01", "cam-dead")]
    assert all(b is not None and b["y"] < size[1] for b in boxes), boxes
    assert boxes[0] is not None and boxes[1] is not None and boxes[0]["y"] == boxes[1]["y"]
