"""The phone ledger page in real headless Chromium: numbers most seen first, handed over to
the carrier, their cases shown, the export offered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from serve.store.readings import LineRead, PhoneRead, Reading
from tests.serve.store.factories import new_case
from tests.serve.ui.conftest import Watched
from tests.serve.ui.live import Live

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OFTEN, ONCE = "13812345678", "053288886666"


def _flyer(live: Live, phones: tuple[PhoneRead, ...], at: datetime, text: str) -> int:
    record = live.app.state.cases.create(
        new_case(
            camera_id="cam-01",
            violation="illegal_ad",
            label="flyer",
            signal="ocr",
            first_seen=at,
            last_seen=at + timedelta(minutes=3),
            address="青岛市市南区中山路 88 号",
            reading=Reading(phones=phones, lines=(LineRead(text, 0.99, (1.0, 1.0, 50.0, 20.0)),)),
        )
    )
    return int(record.id)


def _confirmed_flyer(live: Live, numbers: list[str], hours_ago: int) -> int:
    kinds = {OFTEN: "mobile", ONCE: "landline"}
    at = datetime.now(UTC) - timedelta(hours=hours_ago)
    case_id = _flyer(live, tuple(PhoneRead(n, kinds[n], n, 0.95) for n in numbers), at, "专业开锁")
    with live.client() as client:
        r = client.post(f"/v1/cases/{case_id}/review", json={"decision": "confirm"})
        assert r.status_code == 200, r.text
    return case_id


@pytest.fixture(scope="module")
def flyers(live: Live) -> list[int]:
    return [
        _confirmed_flyer(live, [OFTEN], 30),
        _confirmed_flyer(live, [OFTEN, ONCE], 20),
        _confirmed_flyer(live, [OFTEN], 10),
    ]


def _rows(w: Watched) -> list[Any]:
    return w.page.eval_on_selector_all(
        "#ledger tr[data-number]",
        "els => els.map(e => [e.dataset.number, e.children[2].textContent,"
        " e.children[6].textContent])",
    )


def test_the_ledger_lists_numbers_and_hands_one_over(
    watched: Watched, live: Live, flyers: list[int]
) -> None:
    page = watched.page
    page.goto(f"{live.url}/phones")
    page.wait_for_selector("#ledger tr[data-number]")
    assert page.title() == "号码台账 - 街面巡查"
    assert _rows(watched) == [[OFTEN, "3", "待移交"], [ONCE, "1", "待移交"]]
    assert page.inner_text("#count") == "共 2 个号码"
    assert "138 1234 5678" in page.inner_text(f"#ledger tr[data-number='{OFTEN}']")

    page.on("dialog", lambda dialog: dialog.accept("移交联通"))
    page.click(f"#ledger tr[data-number='{OFTEN}'] button[data-to=handed_over]")
    page.wait_for_function(
        "n => document.querySelector(`#ledger tr[data-number='${n}'] .phone-status`)"
        "?.textContent === '已移交'",
        arg=OFTEN,
    )
    with live.client() as client:
        history = client.get(f"/v1/phones/{OFTEN}").json()["history"]
    assert [(h["to_status"], h["note"], h["actor"]) for h in history] == [
        ("handed_over", "移交联通", "reviewer1")
    ]

    # its cases, newest first, with the text crop as their picture
    page.click(f"#ledger tr[data-number='{OFTEN}'] a")
    page.wait_for_selector("#detail:not(.hidden) .phone-cases li")
    items = page.locator("#detail .phone-cases li").all_inner_texts()
    assert [int(text.split("#")[1].split()[0]) for text in items] == list(reversed(flyers))
    assert "移交联通" in page.inner_text("#detail")

    # the export links carry the page's range and open as files
    href = page.get_attribute("#export-xlsx", "href") or ""
    assert href.startswith("/v1/phones/export?") and "format=xlsx" in href
    response = page.request.get(f"{live.url}{href}")
    assert response.status == 200 and response.body()[:2] == b"PK"

    # English on the switch
    page.click("#lang")
    assert page.inner_text("#count") == "2 numbers"
    page.click("#lang")
    assert not watched.problems, watched.problems


def test_a_reviewer_corrects_a_misread_number_before_confirming(
    watched: Watched, live: Live
) -> None:
    misread = (PhoneRead("13812345670", "mobile", "138 1234 567O", 0.81),)
    draft = _flyer(live, misread, datetime.now(UTC), "办证刻章")
    page = watched.page
    page.wait_for_selector("body[data-ready=true]")
    page.click(f"#queue li[data-id='{draft}']")
    panel = page.locator("#phones-panel")
    panel.wait_for(state="visible")
    assert "138 1234 5670" in panel.inner_text() and "办证刻章" in panel.inner_text()
    page.on("dialog", lambda dialog: dialog.accept("139 0000 1111"))
    panel.locator("button").click()
    page.wait_for_function(
        "() => document.querySelector('#phones-panel li')?.dataset.number === '13900001111'"
    )
    assert "识别为 13812345670" in panel.inner_text()
    with live.client() as client:
        case = client.get(f"/v1/cases/{draft}").json()
        audit = client.get(f"/v1/cases/{draft}/audit").json()["data"]
    assert [(p["number"], p["read_as"]) for p in case["phones"]] == [("13900001111", "13812345670")]
    assert any(a["action"] == "phone_corrected" and a["actor"] == "reviewer1" for a in audit)
    assert not watched.problems, watched.problems
