"""The weekly problem ledger page in real headless Chromium: this week's confirmed case of a
responsible unit, the summary per unit, the units table, the unit filter, the Excel and PDF
exports, the English switch, and an engineer adding, changing and removing a unit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from serve.auth.roles import Role
from tests.serve.store.factories import new_case
from tests.serve.ui.conftest import Watched, session
from tests.serve.ui.live import Live

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UNIT = {"id": "hx-shop-1", "name": "鲜果坊", "contact": "王店长", "phone": "0532-88881234"}
ENGINEER = ("engineer3", "Qingdao-units-2026")


@pytest.fixture(scope="module")
def unit_case(live: Live) -> int:
    with live.client() as client:
        assert client.put(f"/v1/units/{UNIT['id']}", json=UNIT).status_code == 201
        at = datetime.now(UTC) - timedelta(minutes=30)
        record = live.app.state.cases.create(
            new_case(
                violation="out_of_store_trading",
                label="stall",
                responsible=UNIT["id"],
                zone_id="walk",
                first_seen=at,
                last_seen=at + timedelta(minutes=5),
            )
        )
        r = client.post(f"/v1/cases/{record.id}/review", json={"decision": "confirm"})
        assert r.status_code == 200, r.text
    return int(record.id)


def test_the_ledger_page_shows_the_week_per_unit(
    watched: Watched, live: Live, unit_case: int
) -> None:
    page = watched.page
    page.goto(f"{live.url}/ledger")
    page.wait_for_selector(f"#rows tr[data-id='{unit_case}']")
    assert page.title() == "问题台账 - 街面巡查"
    row = page.inner_text(f"#rows tr[data-id='{unit_case}']")
    assert "鲜果坊" in row and "店外经营" in row and "已确认" in row
    summary = page.inner_text(f"#summary tr[data-unit='{UNIT['id']}']")
    assert summary.split("\t")[:3] == ["鲜果坊", "1", "0"]  # new 1, carried over 0
    units = page.inner_text(f"#units tr[data-unit='{UNIT['id']}']")
    assert "王店长" in units and "0532-88881234" in units

    # the unit's name in the units table filters the ledger to it
    page.click(f"#units tr[data-unit='{UNIT['id']}'] a")
    page.wait_for_function("() => [...document.querySelectorAll('#rows tr[data-id]')].length === 1")
    assert page.input_value("#f-unit") == UNIT["id"]

    for kind, magic in (("xlsx", b"PK"), ("pdf", b"%PDF")):
        href = page.get_attribute(f"#export-{kind}", "href") or ""
        assert href.startswith("/v1/ledger/export?") and f"unit={UNIT['id']}" in href
        response = page.request.get(f"{live.url}{href}")
        assert response.status == 200 and response.body()[: len(magic)] == magic

    assert page.is_hidden("#unit-form"), "reviewers read units, engineers edit them"
    page.click("#lang")
    assert "Confirmed" in page.inner_text(f"#rows tr[data-id='{unit_case}']")
    assert page.inner_text("h2 >> nth=0") == "Summary by unit"
    page.click("#lang")
    assert not watched.problems, watched.problems


@pytest.fixture
def engineer(browser: Browser, live: Live) -> Iterator[Watched]:
    if ENGINEER[0] not in {u.username for u in live.app.state.auth.users.list()}:
        live.app.state.auth.users.create(*ENGINEER, Role.engineer)
    with session(browser, live, ENGINEER, "/ledger") as w:
        yield w


def test_an_engineer_adds_changes_and_removes_a_unit(engineer: Watched, live: Live) -> None:
    page = engineer.page
    page.wait_for_selector("#unit-form:not(.hidden)")
    row = "#units tr[data-unit='hx-bakery-2']"

    page.fill("#u-id", "bad id!")
    page.fill("#u-name", "老面馒头")
    page.click("#u-save")
    page.wait_for_selector("#error:not(.hidden)")
    assert "id" in page.inner_text("#error"), "the API's refusal, naming the field"
    # the browser logs the 422 it was sent: expected here, so not a problem of the page
    engineer.problems[:] = [p for p in engineer.problems if "422" not in p]

    page.fill("#u-id", "hx-bakery-2")
    page.fill("#u-contact", "李师傅")
    page.fill("#u-phone", "0532-82220000")
    page.fill("#u-category", "餐饮")
    page.click("#u-save")
    page.wait_for_selector(row)
    assert "李师傅" in page.inner_text(row)
    assert page.is_hidden("#error")
    assert page.locator("#f-unit option[value='hx-bakery-2']").count() == 1

    page.click(f"{row} a.edit")
    assert page.input_value("#u-id") == "hx-bakery-2" and page.is_editable("#u-id") is False
    assert page.input_value("#u-category") == "餐饮"
    page.fill("#u-phone", "0532-82229999")
    page.click("#u-save")
    page.wait_for_function(
        "() => document.querySelector(\"#units tr[data-unit='hx-bakery-2']\")"
        "?.innerText.includes('0532-82229999')"
    )
    with live.client() as client:
        unit = client.get("/v1/units/hx-bakery-2").json()
    assert (unit["phone"], unit["category"], unit["name"]) == ("0532-82229999", "餐饮", "老面馒头")

    page.click(f"{row} a.edit")
    page.click("#u-delete")
    page.wait_for_selector("#ask-dialog:not(.hidden)")
    assert "hx-bakery-2" in page.inner_text("#ask-text")
    page.click("#ask-yes")
    page.wait_for_selector(row, state="detached")
    with live.client() as client:
        assert client.get("/v1/units/hx-bakery-2").status_code == 404
    assert not engineer.problems, engineer.problems
