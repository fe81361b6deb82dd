"""The case list and the case page in real headless Chromium: a case's whole life after
triage — confirmed on the review page, dispatched, cleared at re-inspection (回头看) and
closed (办结) on its own page — a rejection undone, a note added, cases exported."""

from __future__ import annotations

import zipfile

import pytest

from tests.serve.ui.conftest import Watched
from tests.serve.ui.live import OBJECTS, REVIEWER, Live, push_frame

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def case_of(live: Live, camera: str, violation: str) -> int:
    with live.client() as client:
        r = client.get("/v1/cases", params={"camera_id": camera, "violation": violation})
        [case] = r.json()["data"]
        return int(case["id"])


def status_is(w: Watched, text: str) -> None:
    w.page.wait_for_function(
        "s => document.querySelector('#case-status')?.textContent === s", arg=text
    )


def timeline(w: Watched) -> list[str]:
    return w.page.locator("#timeline li strong").all_inner_texts()


def test_a_case_confirmed_dispatched_cleared_and_closed_in_the_pages(
    watched: Watched, live: Live
) -> None:
    page = watched.page
    car = case_of(live, "cam-02", "illegal_parking")
    # confirmed on the review page
    page.wait_for_selector("body[data-ready=true]")
    page.click(f"#queue li[data-id='{car}']")
    page.keyboard.press("y")
    page.wait_for_selector(f"#queue li[data-id='{car}']", state="detached")

    # the list of confirmed cases shows it; its row opens the case
    page.goto(f"{live.url}/cases?status=confirmed")
    page.wait_for_selector(f"#rows tr[data-id='{car}']")
    assert page.title() == "案件管理 - 街面巡查"
    assert page.input_value("#f-status") == "confirmed"
    assert "已确认" in page.inner_text(f"#rows tr[data-id='{car}']")
    page.click(f"#rows tr[data-id='{car}'] td:nth-child(4)")
    page.wait_for_url(f"{live.url}/cases/{car}")
    status_is(watched, "已确认")
    assert "处置期限" in page.inner_text("#case-deadline")
    assert "剩余" in page.inner_text("#case-deadline")
    assert page.locator("#evidence li").count() >= 3
    assert timeline(watched) == ["审核确认", "系统立案"]  # newest first
    assert REVIEWER[0] in page.inner_text("#timeline")

    # dispatched with a reason
    page.fill("#reason", "派往市南交警一中队")
    page.click("#actions [data-move=dispatch]")
    status_is(watched, "已派遣")
    assert timeline(watched)[0] == "派遣" and "派往市南交警一中队" in page.inner_text("#timeline")
    assert page.locator("#actions [data-move=dispatch]").count() == 0

    # the car leaves; re-inspection finds the bay empty three times a minute apart
    without_car = [o for o in OBJECTS if o[0] != "car"]
    with live.client() as client:
        for t in range(400, 700, 10):
            push_frame(client, "cam-02", t, without_car)
    page.reload()
    status_is(watched, "已核查整改")
    assert timeline(watched)[0] == "回头看：已整改"
    assert page.locator("#evidence li[data-kind=cleared]").count() == 1

    # closed (办结), after saying yes
    page.keyboard.press("c")
    page.wait_for_selector("#ask-dialog:not(.hidden)")
    assert f"#{car}" in page.inner_text("#ask-text")
    page.click("#ask-yes")
    status_is(watched, "已结案")
    assert timeline(watched)[:2] == ["办结", "回头看：已整改"]
    assert page.locator("#actions button").count() == 0  # nothing left to do
    assert live.case(car)["status"] == "closed"
    page.click("#lang")
    status_is(watched, "Closed")
    assert timeline(watched)[:2] == ["Closed", "Re-inspection: cleared"]
    page.click("#lang")
    assert not watched.problems, watched.problems


def test_a_rejection_is_undone_and_a_note_added_on_the_case_page(
    watched: Watched, live: Live
) -> None:
    page = watched.page
    flyer = case_of(live, "cam-02", "illegal_ad")
    with live.client() as client:
        r = client.post(
            f"/v1/cases/{flyer}/review", json={"decision": "reject", "reason": "false_positive"}
        )
        assert r.status_code == 200, r.text
    page.goto(f"{live.url}/cases/{flyer}")
    status_is(watched, "已驳回")
    assert "误报" in page.inner_text("#facts")
    page.click("#actions [data-move=reopen]")
    page.click("#ask-yes")
    status_is(watched, "待审")
    assert timeline(watched)[:2] == ["撤销驳回", "审核驳回"]
    assert live.case(flyer)["status"] == "draft"
    assert page.locator("#actions [data-move=review]").count() == 1

    page.keyboard.press("n")
    page.keyboard.type("已电话联系店主")
    page.click("#note-add")
    page.wait_for_function(
        "() => document.querySelector('#timeline li strong')?.textContent === '备注'"
    )
    assert "已电话联系店主" in page.inner_text("#timeline li:first-child")
    with live.client() as client:
        last = client.get(f"/v1/cases/{flyer}/audit").json()["data"][-1]
    assert (last["action"], last["actor"], last["reason"]) == (
        "note",
        REVIEWER[0],
        "已电话联系店主",
    )

    # a move the case no longer allows (closed meanwhile, elsewhere) says why, in the page
    garbage = case_of(live, "cam-02", "exposed_garbage")
    with live.client() as client:
        assert client.post(f"/v1/cases/{garbage}/review", json={"decision": "confirm"}).is_success
        page.goto(f"{live.url}/cases/{garbage}")
        status_is(watched, "已确认")
        assert client.post(f"/v1/cases/{garbage}/close").is_success
    page.click("#actions [data-move=dispatch]")
    page.wait_for_selector("#error:not(.hidden)")
    assert "is closed" in page.inner_text("#error")
    status_is(watched, "已结案")  # and the page shows the case as it is now
    watched.problems[:] = [p for p in watched.problems if "409" not in p]
    assert not watched.problems, watched.problems


def test_the_list_filters_pages_and_exports_the_selection(watched: Watched, live: Live) -> None:
    page = watched.page
    page.goto(f"{live.url}/cases")
    page.wait_for_selector("body[data-ready=true]")
    with live.client() as client:
        total = client.get("/v1/cases").json()["count"]
    assert page.inner_text("#count") == f"共 {total} 件，第 1–{total} 件"
    page.select_option("#f-camera", "cam-01")
    page.wait_for_function("() => location.search.includes('camera_id=cam-01')")
    page.wait_for_function("() => [...document.querySelectorAll('#rows tr[data-id]')].length === 5")
    ids = [
        int(i)
        for i in page.eval_on_selector_all(
            "#rows tr[data-id]", "els => els.map(e => +e.dataset.id)"
        )
    ]
    assert ids == sorted(ids, reverse=True)  # newest first
    assert page.is_disabled("#export")
    # by keyboard: down one, select it and the next, then export both
    page.locator("body").focus()
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.inner_text("#export") == "导出所选（2）"
    with page.expect_download() as download:
        page.click("#export")
    with zipfile.ZipFile(download.value.path()) as z:
        names = {n.split("/")[0] for n in z.namelist()}
    assert names == {f"case-{ids[1]}", f"case-{ids[2]}"}
    # Enter opens the case under the cursor; Back returns to the same filtered list
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/cases/{ids[2]}")
    page.go_back()
    page.wait_for_selector("body[data-ready=true]")
    assert page.input_value("#f-camera") == "cam-01"
    assert not watched.problems, watched.problems
