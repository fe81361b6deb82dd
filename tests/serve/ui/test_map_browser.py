"""The plan view in real headless Chromium, offline: an engineer uploads a plan image,
pins a camera on it by clicking, drags it; the camera shows there with its open cases;
a reviewer sees the same plan, read-only; nothing is fetched from outside the server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from serve.auth.roles import Role
from tests.serve.service import CAR, PUSH_CAMERA
from tests.serve.test_plan_api import plan_png
from tests.serve.ui.conftest import Watched, session
from tests.serve.ui.live import SECOND_CAMERA, Live, live_service, open_cases

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ENGINEER = ("engineer2", "Qingdao-plan-2026")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_service(tmp_path_factory.mktemp("map"), [PUSH_CAMERA, SECOND_CAMERA]) as service:
        service.app.state.auth.users.create(*ENGINEER, Role.engineer)
        with service.client() as client:
            open_cases(client, "cam-01", [("car", CAR)])  # one open case on cam-01
        yield service


@pytest.fixture
def engineer(browser: Browser, live: Live) -> Iterator[Page]:
    with session(browser, live, ENGINEER, "/map") as w:
        yield w.page
        assert not w.problems, w.problems


def test_a_plan_is_uploaded_and_a_camera_pinned_on_it(
    engineer: Page, live: Live, tmp_path: Path
) -> None:
    page = engineer
    page.wait_for_selector("body[data-ready=true]")
    assert page.title() == "点位图 - 街面巡查"
    assert "还没有平面图" in page.inner_text("#no-plan")
    plan = tmp_path / "plan.png"
    plan.write_bytes(plan_png(1200, 800))
    page.set_input_files("#plan-file", str(plan))
    page.wait_for_selector("#map img.plan-image")
    page.wait_for_function(
        "() => document.querySelector('#map img.plan-image')?.naturalWidth === 1200"
    )
    assert "平面图 1200×800" in page.inner_text("#plan-facts")
    assert "未标注" in page.inner_text("#cameras li[data-camera='cam-01']")

    # pin cam-01 by clicking the plan at its (900, 200)
    page.click("#cameras button[data-pin='cam-01']")
    assert "香港中路口" in page.inner_text("#pin-hint")
    box = page.locator("#map img.plan-image").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 900 / 1200 * box["width"], box["y"] + 200 / 800 * box["height"])
    pin = page.locator(".cam-pin[data-camera='cam-01']")
    pin.wait_for()
    assert pin.inner_text() == "1"  # its open case
    with live.client() as client:
        x, y = client.get("/v1/plan").json()["pins"]["cam-01"]
    tolerance = 1200 / box["width"] * 2  # two screen pixels
    assert abs(x - 900) <= tolerance and abs(y - 200) <= tolerance

    # dragged elsewhere, it stays there
    at = pin.bounding_box()
    assert at is not None
    page.mouse.move(at["x"] + 13, at["y"] + 13)
    page.mouse.down()
    page.mouse.move(at["x"] - 87, at["y"] + 113, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "() => !document.querySelector('#error') ||"
        " document.querySelector('#error').classList.contains('hidden')"
    )
    with live.client() as client:
        page.wait_for_timeout(300)
        x2, y2 = client.get("/v1/plan").json()["pins"]["cam-01"]
    assert x2 < x - 50 and y2 > y + 50
    page.reload()
    page.wait_for_selector(".cam-pin[data-camera='cam-01']")
    pin = page.locator(".cam-pin[data-camera='cam-01']")
    pin.click()
    page.wait_for_selector(".cam-popup")
    assert "待办 1 件" in page.inner_text(".cam-popup")
    assert page.get_attribute(".cam-popup a", "href") == "/cameras/cam-01"


def test_a_reviewer_sees_the_plan_read_only(watched: Watched, live: Live) -> None:
    page = watched.page
    with live.client() as client:
        if client.get("/v1/plan").json()["image"] is None:
            client.put("/v1/plan/image", files={"image": ("p.png", plan_png(1200, 800))})
        client.put("/v1/plan/pins/cam-02", json={"x": 300, "y": 600})
    page.goto(f"{live.url}/map")
    page.wait_for_selector(".cam-pin[data-camera='cam-02']")
    assert page.is_hidden("#upload")
    assert page.locator("#cameras button").count() == 0
    assert not watched.problems, watched.problems
