"""Defects seen on the review and statistics pages, each fixed and held here in real
headless Chromium: an empty queue reads as one sentence, nothing acts without a case, no
broken image after the last case, a bulk confirm asks first, a rejection can be undone,
and a case a minute overdue does not read "0.0" hours."""

from __future__ import annotations

import datetime as dt

import pytest

from serve.store.cases import CaseRepo
from tests.serve.ui.conftest import Watched
from tests.serve.ui.live import REVIEWER, Live
from tests.serve.ui.test_review_browser import queue_ids, ready, selected_id, wait_for_queue

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_bulk_confirm_asks_and_a_rejection_can_be_undone(watched: Watched, live: Live) -> None:
    page = watched.page
    ready(watched)
    page.select_option("#f-camera", "cam-01")
    wait_for_queue(watched, 5)
    page.locator("body").focus()
    first = selected_id(watched)
    page.keyboard.press("x")
    page.keyboard.press("j")
    second = selected_id(watched)
    page.keyboard.press("x")
    page.keyboard.press("Shift+Y")
    ask = page.locator("#ask-dialog")
    ask.wait_for(state="visible")
    assert "2" in page.inner_text("#ask-text")
    page.keyboard.press("Escape")  # not now: nothing is decided
    assert not ask.is_visible()
    assert {live.case(first)["status"], live.case(second)["status"]} == {"draft"}
    page.keyboard.press("Shift+Y")
    ask.wait_for(state="visible")
    page.keyboard.press("Enter")
    wait_for_queue(watched, 3)
    assert {live.case(first)["status"], live.case(second)["status"]} == {"confirmed"}

    # a rejection by mistake: U brings it back to the queue, as a draft, audited
    target = selected_id(watched)
    page.keyboard.press("n")
    page.keyboard.press("1")
    wait_for_queue(watched, 2)
    assert live.case(target)["status"] == "rejected"
    assert "U" in page.inner_text("#toast")
    page.keyboard.press("u")
    wait_for_queue(watched, 3)
    assert target in queue_ids(watched) and selected_id(watched) == target
    assert live.case(target)["status"] == "draft"
    with live.client() as client:
        audit = client.get(f"/v1/cases/{target}/audit").json()["data"]
        assert client.get("/v1/suppressions").json()["count"] == 0  # lifted with it
    assert (audit[-1]["action"], audit[-1]["actor"]) == ("reopen", REVIEWER[0])
    page.keyboard.press("u")  # nothing left to undo
    assert "没有可撤销的驳回" in page.inner_text("#toast")
    assert watched.problems == []


def test_an_empty_queue_has_nothing_to_act_on(watched: Watched, live: Live) -> None:
    page = watched.page
    ready(watched)
    page.fill("#f-from", "2099-01-01")  # no draft is that new
    page.press("#f-from", "Enter")
    wait_for_queue(watched, 0)
    page.wait_for_function("() => document.querySelector('#queue li.empty')?.textContent")
    empty = page.locator("#queue li.empty")
    assert empty.inner_text() == "没有待审核的案件"
    lines = empty.evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el);"
        " return r.getClientRects().length; }"
    )
    assert lines == 1  # one line of text, not one character per line
    for button in ("confirm", "reject", "edit", "class", "select", "bulk-confirm", "bulk-reject"):
        assert page.is_disabled(f"#btn-{button}"), button
    assert not page.is_visible("#viewer img")  # no broken-image icon where a case was
    page.locator("body").focus()
    page.keyboard.press("y")
    page.keyboard.press("Shift+Y")
    assert not page.is_visible("#ask-dialog")
    assert watched.problems == []


def test_minutes_overdue_read_as_minutes(watched: Watched, live: Live) -> None:
    repo: CaseRepo = live.app.state.cases
    [late] = repo.list(status="draft", camera_id="cam-02", limit=1)[0]
    now = dt.datetime.now(dt.UTC)
    repo.review(late.id, actor="t", decision="confirm", deadline_at=now - dt.timedelta(seconds=36))
    assert late.id in repo.mark_overdue(now)
    page = watched.page
    ready(watched)
    page.click("nav a[href='/stats']")
    ready(watched)
    cell = page.locator("#overdue tr", has_text=f"#{late.id}").locator("td.overdue-by")
    cell.wait_for()
    assert cell.inner_text() in ("1 分钟", "2 分钟")  # the page is opened a moment later
    assert watched.problems == []
