"""The review and statistics pages in real headless Chromium, worked by keyboard."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from serve.store.cases import CaseRepo
from tests.serve.ui.conftest import Watched
from tests.serve.ui.live import REVIEWER, Live

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ZOOM_IS = "z => document.querySelector('#tabs .zoom').textContent === z"
TOTAL_IS = "n => document.querySelector('#kpi-total .value')?.textContent === n"


def ready(w: Watched) -> None:
    w.page.wait_for_selector("body[data-ready=true]")


def selected_id(w: Watched) -> int:
    return int(w.page.get_attribute("#queue li[aria-selected=true]", "data-id") or -1)


def queue_ids(w: Watched) -> list[int]:
    ids = w.page.eval_on_selector_all("#queue li[data-id]", "els => els.map(e => +e.dataset.id)")
    return [int(i) for i in ids]


def wait_for_queue(w: Watched, count: int) -> None:
    # a function, not a string: the page's CSP forbids eval
    w.page.wait_for_function(
        "n => document.querySelectorAll('#queue li[data-id]').length === n", arg=count
    )


def test_work_the_queue_by_keyboard(watched: Watched, live: Live) -> None:
    page = watched.page
    ready(watched)
    page.select_option("#f-camera", "cam-01")  # the filter: only cam-01's five drafts
    wait_for_queue(watched, 5)
    assert queue_ids(watched) == [5, 4, 3, 2, 1]  # newest first (same time: higher id)
    assert page.inner_text("#queue-count") == "待审 5 件"
    page.locator("body").focus()
    page.keyboard.press("j")
    assert selected_id(watched) == 4
    page.keyboard.press("k")
    assert selected_id(watched) == 5
    assert "机动车违停" in page.inner_text("#detail")

    # zoom: +, the wheel, 0 to fit again
    page.keyboard.press("+")
    assert page.inner_text("#tabs .zoom") == "缩放 125%"
    page.mouse.move(700, 500)
    page.mouse.wheel(0, -100)
    page.wait_for_function(ZOOM_IS, arg="缩放 150%")
    page.keyboard.press("0")
    assert page.inner_text("#tabs .zoom") == "缩放 100%"

    # E: edit the box on the original frame; drag its bottom-right corner, nudge it left
    page.keyboard.press("e")
    assert page.get_attribute("#tabs button[aria-pressed=true]", "aria-pressed") == "true"
    handle = page.locator("#viewer circle.handle.se").bounding_box()
    assert handle is not None
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 20, y + 10, steps=5)
    page.mouse.move(x + 40, y + 30, steps=5)
    page.mouse.up()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    assert "已修改" in page.inner_text("#box-value")
    shown = [float(v) for v in (page.get_attribute("#box-value", "data-box") or "").split(",")]
    before = live.case(5)
    assert before["status"] == "draft"
    page.keyboard.press("y")
    wait_for_queue(watched, 4)
    after = live.case(5)
    assert after["status"] == "confirmed"
    detected = after["detected_box"]
    box = after["box"]
    assert box != detected
    assert box[0] == pytest.approx(detected[0] - 1) and box[1] == pytest.approx(detected[1])
    assert box[2] > detected[2] + 10 and box[3] > detected[3] + 10
    assert box == pytest.approx(shown, abs=0.051)  # what the page showed, to 0.1 px
    assert selected_id(watched) == 4  # the queue advanced

    # N then 3: reject the stall as permitted (an approved market)
    page.keyboard.press("n")
    assert page.is_visible("#reject-dialog")
    page.keyboard.press("3")
    wait_for_queue(watched, 3)
    stall = live.case(4)
    assert (stall["status"], stall["reject_reason"]) == ("rejected", "permitted")

    # X, J, X: select two; Shift+N then 1: reject both as false positives
    assert selected_id(watched) == 3
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert "已选 2 件" in page.inner_text("#queue-count")
    page.keyboard.press("Shift+N")
    assert "批量驳回 2 件" in page.inner_text("#reject-title")
    page.keyboard.press("1")
    wait_for_queue(watched, 1)
    for case_id in (3, 2):
        body = live.case(case_id)
        assert (body["status"], body["reject_reason"]) == ("rejected", "false_positive")
    assert queue_ids(watched) == [1]

    # N then 5: "other" needs a note, typed into the dialog and sent with Enter
    page.keyboard.press("n")
    page.keyboard.press("5")
    assert page.evaluate("document.activeElement.id") == "reject-note"
    page.keyboard.press("Enter")  # no note yet: nothing is sent
    assert page.is_visible("#reject-dialog")
    page.keyboard.type("已由城管现场处理")
    page.keyboard.press("Enter")
    wait_for_queue(watched, 0)
    flyer = live.case(1)
    assert (flyer["reject_reason"], flyer["review_note"]) == ("other", "已由城管现场处理")
    assert page.inner_text("#queue") == "没有待审核的案件"

    with live.client() as client:
        audit = client.get("/v1/cases/5/audit").json()["data"]
    assert [(a["action"], a["actor"]) for a in audit][-1] == ("confirm", REVIEWER[0])
    assert watched.problems == []


def test_an_api_error_is_shown(watched: Watched, live: Live) -> None:
    page = watched.page
    ready(watched)
    repo: CaseRepo = live.app.state.cases
    drafts = [c.id for c in repo.list(status="draft", camera_id="cam-02")[0]]
    page.select_option("#f-camera", "cam-02")
    # the filtered queue, not the one drawn before it (a slow machine shows the old one a while)
    page.wait_for_function(
        "ids => JSON.stringify([...document.querySelectorAll('#queue li[data-id]')]"
        ".map(e => +e.dataset.id).sort()) === JSON.stringify(ids)",
        arg=sorted(drafts, key=str),
    )
    page.wait_for_selector("#queue li[aria-selected=true]")
    page.wait_for_load_state("networkidle")  # no queue load still on its way to redraw it
    target = selected_id(watched)
    assert target in drafts
    repo.review(target, actor="someone-else", decision="reject", reason="duplicate")
    page.locator("body").focus()
    page.keyboard.press("y")  # the case was decided meanwhile: 409 with a detail
    alert = page.locator("#error")
    alert.wait_for(state="visible")
    assert f"#{target}" in alert.inner_text() and "is rejected" in alert.inner_text()
    assert live.case(target)["status"] == "rejected"
    page.keyboard.press("Escape")
    assert not alert.is_visible()


def test_chinese_first_with_an_english_switch(watched: Watched, live: Live) -> None:
    page = watched.page
    ready(watched)
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.inner_text("#btn-confirm").startswith("确认")
    # the heading's Chinese is drawn with a real CJK font, not boxes or a fallback
    cdp = page.context.new_cdp_session(page)
    doc = cdp.send("DOM.getDocument")
    node = cdp.send("DOM.querySelector", {"nodeId": doc["root"]["nodeId"], "selector": "h1"})
    cdp.send("CSS.enable")
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    cjk = [f for f in fonts if re.search(r"CJK|Sans SC|Hei|PingFang", f["familyName"])]
    assert cjk and sum(f["glyphCount"] for f in cjk) == len("街面巡查"), fonts

    page.keyboard.press("t")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.inner_text("#btn-confirm").startswith("Confirm")
    assert page.inner_text("nav a[href='/stats']") == "Statistics"
    assert "Select a case" in page.inner_text("#detail") or "Case #" in page.inner_text("#detail")
    page.reload()  # the choice is remembered
    ready(watched)
    assert page.inner_text("#btn-reject").startswith("Reject")
    page.keyboard.press("?")
    assert "Keyboard shortcuts" in page.inner_text("#help-dialog")
    page.keyboard.press("Escape")
    page.click("#lang")
    assert page.inner_text("#btn-reject").startswith("驳回")
    assert watched.problems == []


def chart_drawn(page: Any, chart: str) -> tuple[str, int, int, bool]:
    """A chart as ECharts holds it: title, categories, bars with a value, a drawn canvas
    (read in one go once the chart exists: the page may redraw its charts meanwhile)."""
    found = page.wait_for_function(
        """id => {
            const el = document.querySelector(`#${id} .echart`);
            const c = el && echarts.getInstanceByDom(el);
            if (!c) return null;
            const o = c.getOption();
            const bars = o.series.flatMap(s => s.data).filter(v => v !== null && v > 0).length;
            const canvas = el.querySelector("canvas");
            return [o.title[0].text, o.xAxis[0].data.length, bars, !!canvas && canvas.width > 0];
        }""",
        arg=chart,
    ).json_value()
    return (str(found[0]), int(found[1]), int(found[2]), bool(found[3]))


def test_stats_page_draws_its_charts(watched: Watched, live: Live) -> None:
    repo: CaseRepo = live.app.state.cases
    far = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    # cam-02's oldest draft (the other tests take the newest): confirmed, closed on time
    repo.review(6, actor="t", decision="confirm", deadline_at=far)
    repo.transition(6, "closed", actor="t")
    page = watched.page
    ready(watched)  # the review page, where signing in led
    page.click("nav a[href='/stats']")
    ready(watched)
    page.fill("#f-since", "2026-11-01")
    page.fill("#f-until", "2026-11-30")
    page.press("#f-until", "Enter")
    page.wait_for_function(TOTAL_IS, arg="10")
    charts = [
        "chart-per-day",
        "chart-per-camera",
        "chart-per-signal",
        "chart-confirm-camera",
        "chart-confirm-class",
        "chart-overdue",
        "chart-rates-camera",
    ]
    drawn = {chart: chart_drawn(page, chart) for chart in charts}
    for chart, (title, categories, _, canvas) in drawn.items():
        assert title.strip() and categories > 0 and canvas, (chart, drawn[chart])
    for chart in charts[:5] + charts[6:]:  # nothing is overdue
        assert drawn[chart][2] > 0, chart
    for kpi in ("kpi-confirm", "kpi-disposal", "kpi-ontime"):
        assert re.fullmatch(r"\d+(\.\d)?%", page.inner_text(f"#{kpi} .value")), kpi
    # every case here came from the detector: cases and confirmed per signal, in the total row
    with live.client() as api:
        query = {"since": "2026-11-01", "until": "2026-11-30"}
        confirmed = api.get("/v1/stats", params=query).json()["totals"]["confirmed"]
    total = page.locator("#signals tr.total td").all_inner_texts()
    assert total == ["合计", "10", str(confirmed), "0", "0", "0", "0", "0", "0"] and confirmed >= 1
    assert page.locator("#signals tr.camera").count() == 2
    assert page.inner_text("#named").count("暂无场景变化发现的案件") == 1
    assert "处置率 = " in page.inner_text("#defs") and "按期办结率 = " in page.inner_text("#defs")
    page.select_option("#f-camera", "cam-02")
    page.wait_for_function(TOTAL_IS, arg="5")
    assert page.inner_text("#kpi-disposal .value") == "100%"  # case 6, the one confirmed
    assert page.inner_text("#kpi-ontime .value") == "100%"
    page.click("#lang")
    page.wait_for_function(
        "() => echarts.getInstanceByDom(document.querySelector('#chart-per-day .echart'))"
        "?.getOption().title[0].text === 'Cases per day by violation type'"
    )
    assert "Disposal rate" in page.inner_text("#kpi-disposal")
    assert watched.problems == []
