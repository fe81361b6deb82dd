"""The zone editor in real headless Chromium: an engineer draws a no-parking bay on the
camera's latest frame, a validation error shows at the zone it belongs to, the saved zone
is what the next pushed frames are judged by; the scene baseline is accepted from the same
page, audited; a reviewer sees the camera but no editor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from serve.auth.roles import Role
from tests.serve.markers import Box
from tests.serve.service import CAR, PUSH_CAMERA, SIDEWALK
from tests.serve.ui.conftest import Watched, session
from tests.serve.ui.live import Live, live_service, push_frame

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ENGINEER = ("engineer1", "Qingdao-cameras-2026")
# a camera with a sidewalk but no no-parking bay yet: a parked car is no case
BARE = {**PUSH_CAMERA, "zones": [{"id": "walk", "type": "sidewalk", "polygon": SIDEWALK}]}
BAY = [(100, 300), (400, 300), (400, 460), (100, 460)]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_service(tmp_path_factory.mktemp("zones"), [BARE]) as service:
        service.app.state.auth.users.create(*ENGINEER, Role.engineer)
        yield service


def push(live: Live, seconds: int, objects: list[tuple[str, Box]]) -> None:
    with live.client() as client:
        push_frame(client, "cam-01", seconds, objects)


@pytest.fixture
def engineer_page(browser: Browser, live: Live) -> Iterator[Page]:
    with session(browser, live, ENGINEER, "/cameras/cam-01") as w:
        yield w.page
        # the 422 of the zone saved with a bad id is the browser's console line, expected
        problems = [p for p in w.problems if "status of 422" not in p]
        assert not problems, problems


def click_at(page: Page, x: float, y: float, **options: object) -> None:
    """Click the frame at camera pixel (x, y)."""
    box = page.locator("#frame svg").bounding_box()
    assert box is not None
    page.mouse.click(
        box["x"] + x / 640 * box["width"], box["y"] + y / 480 * box["height"], **options
    )  # type: ignore[arg-type]


def test_a_zone_drawn_on_the_frame_is_used_by_the_next_frames(
    engineer_page: Page, live: Live
) -> None:
    page = engineer_page
    push(live, 0, [("car", CAR)])
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("#editor:not(.hidden)")
    page.wait_for_function(
        "() => document.querySelector('#frame img')?.naturalWidth === 640", timeout=10_000
    )
    assert page.locator("#zone-list li").count() == 1  # the sidewalk

    # draw the bay: four corners, Enter
    page.click("#zone-new")
    assert "依次点击各角点" in page.inner_text("#editor-status")
    for x, y in BAY:
        click_at(page, x, y)
    page.keyboard.press("Enter")
    assert page.locator("#zone-list li").count() == 2
    assert page.locator("#frame .zone-shape.selected .corner").count() == 4

    # a bad id: the error shows at the zone
    page.fill("#z-id", "bay 1")
    page.press("#z-id", "Tab")
    page.click("#zones-save")
    page.wait_for_selector("#zone-list li.has-error")
    assert "bay 1" in page.inner_text("#editor-errors")
    assert "id" in page.inner_text("#zone-list li.has-error .zone-error")
    page.fill("#z-id", "bay-1")
    page.press("#z-id", "Tab")
    page.fill("#z-responsible", "市南交警一中队")
    page.press("#z-responsible", "Tab")
    page.click("#zones-save")
    page.wait_for_function(
        "() => document.querySelector('#editor-status')?.textContent.startsWith('已保存')"
    )
    with live.client() as client:
        zones = {z["id"]: z for z in client.get("/v1/cameras/cam-01").json()["zones"]}
    assert zones["bay-1"]["type"] == "no_parking"
    assert zones["bay-1"]["responsible"] == "市南交警一中队"
    for (x, y), (zx, zy) in zip(BAY, zones["bay-1"]["polygon"], strict=True):
        assert abs(zx - x) <= 2 and abs(zy - y) <= 2

    # the next frames: the parked car is in the new bay
    for t in range(10, 340, 10):
        push(live, t, [("car", CAR)])
    with live.client() as client:
        [case] = client.get("/v1/cases", params={"violation": "illegal_parking"}).json()["data"]
    assert case["zone_id"] == "bay-1" and case["responsible"] == "市南交警一中队"

    # the scene baseline, accepted from here, audited with the engineer's name
    page.select_option("#scene-zone", "walk")
    page.fill("#scene-reason", "早市结束，恢复空街")
    page.click("#scene-accept")
    page.wait_for_selector("#scene-history li")
    with live.client() as client:
        [entry] = client.get("/v1/cameras/cam-01/audit").json()["data"]
    assert (entry["actor"], entry["zone_id"], entry["reason"]) == (
        ENGINEER[0],
        "walk",
        "早市结束，恢复空街",
    )


def test_a_reviewer_sees_the_camera_but_no_editor(watched: Watched, live: Live) -> None:
    page = watched.page
    push(live, 400, [])
    page.goto(f"{live.url}/cameras/cam-01")
    page.wait_for_selector("body[data-ready=true]")
    assert page.is_hidden("#editor") and page.is_hidden("#scene")
    assert "工程师" in page.inner_text("#frame-note")
    assert page.locator("#frame .zone-shape").count() >= 1
    assert not watched.problems, watched.problems
