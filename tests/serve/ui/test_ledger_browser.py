"""The weekly problem ledger page in real headless Chromium: this week's confirmed case of a
responsible unit, the summary per unit, the units table, the unit filter, the Excel and PDF
exports, and the English switch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.serve.store.factories import new_case
from tests.serve.ui.conftest import Watched
from tests.serve.ui.live import Live

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UNIT = {"id": "hx-shop-1", "name": "鲜果坊", "contact": "王店长", "phone": "0532-88881234"}


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

    page.click("#lang")
    assert "Confirmed" in page.inner_text(f"#rows tr[data-id='{unit_case}']")
    assert page.inner_text("h2 >> nth=0") == "Summary by unit"
    page.click("#lang")
    assert not watched.problems, watched.problems
