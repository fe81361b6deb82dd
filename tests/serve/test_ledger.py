"""The weekly problem ledger (问题台账): accepted cases of a week, new and carried over,
ticked off (销账) with when and by whom, per unit and camera; its summary; and the XLSX and
PDF files, read back by maintained readers (openpyxl, pypdf)."""

from __future__ import annotations

import copy
import datetime as dt
import io
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pypdf
import pytest
import yaml

from serve.store.ledger import week_of
from tests.serve.service import CAR, PUSH_CAMERA, T0, cases, push, service, write_config

UNIT = {"id": "sn-property-3", "name": "海景花园物业", "category": "物业"}
GARBAGE = (450.0, 380.0, 520.0, 440.0)


@pytest.fixture
def ledger_service(tmp_path: Path) -> Any:
    camera = copy.deepcopy(PUSH_CAMERA)
    camera["zones"][0]["responsible"] = UNIT["id"]
    config = write_config(tmp_path / "cameras.yaml", [camera])
    units = tmp_path / "units.yaml"
    units.write_text(yaml.safe_dump([UNIT], allow_unicode=True))
    with service(tmp_path, config, units=units) as client:
        for t in range(0, 310, 10):
            push(client, t, [("car", CAR), ("garbage", GARBAGE)])
        found = {c["violation"]: c for c in cases(client)}
        car = found["illegal_parking"]
        client.post(f"/v1/cases/{car['id']}/review", json={"decision": "confirm"})
        client.post(f"/v1/cases/{car['id']}/dispatch")
        r = client.post(f"/v1/cases/{car['id']}/close")
        assert r.status_code == 200, r.text
        yield client, car, found


def _accepted_at(client: Any, case_id: int, at: dt.datetime) -> None:
    """As if the case had been confirmed at ``at`` (the API stamps the real time)."""
    from sqlalchemy import update

    from serve.store.orm import CaseRow

    with client.app.state.ledger._db.session() as session:
        session.execute(update(CaseRow).where(CaseRow.id == case_id).values(reviewed_at=at))


def test_a_week_lists_its_accepted_cases_and_carries_the_open_ones_over(
    ledger_service: Any,
) -> None:
    client, car, found = ledger_service
    garbage = found["exposed_garbage"]
    client.post(f"/v1/cases/{garbage['id']}/review", json={"decision": "confirm"})
    _accepted_at(client, garbage["id"], T0 + dt.timedelta(hours=1))  # accepted in 2026-W48
    seen_week = week_of(T0.date())
    assert seen_week == "2026-W48"
    first = client.get("/v1/ledger", params={"week": seen_week}).json()
    assert first["start"].startswith("2026-11-23T00:00:00+08:00")
    # the car was first seen that week too, but accepted only later: not that week's problem
    [row] = first["rows"]
    assert row["case_id"] == garbage["id"] and row["violation"] == "exposed_garbage"
    assert not row["carried_over"] and row["ticked_at"] is None

    now_week = week_of(dt.datetime.now(ZoneInfo("Asia/Shanghai")).date())
    this = client.get("/v1/ledger").json()  # this week in the ledger's time zone
    assert this["week"] == now_week
    rows = {r["case_id"]: r for r in this["rows"]}
    assert set(rows) == {car["id"], garbage["id"]}
    new, carried = rows[car["id"]], rows[garbage["id"]]
    assert not new["carried_over"] and new["ticked_at"] is not None and new["on_time"]
    assert new["unit"] == UNIT["id"] and new["unit_name"] == "海景花园物业"
    audit = client.get(f"/v1/cases/{car['id']}/audit").json()["data"]
    closer = next(a["actor"] for a in audit if a["to"] == "closed")
    assert new["ticked_by"] == closer
    assert carried["carried_over"] and carried["ticked_at"] is None and carried["unit"] is None
    summary = {s["unit"]: s for s in this["summary"]}
    assert summary[UNIT["id"]]["unit_name"] == "海景花园物业"
    ours = summary[UNIT["id"]]
    assert (ours["new"], ours["carried_over"], ours["ticked"], ours["open"]) == (1, 0, 1, 0)
    assert ours["by_violation"] == {"illegal_parking": 1}
    assert (summary[""]["carried_over"], summary[""]["open"]) == (1, 1)
    other = client.get("/v1/ledger", params={"week": now_week, "unit": "nobody"}).json()
    assert other["rows"] == [] and other["summary"] == []
    cam = client.get("/v1/ledger", params={"week": now_week, "unit": UNIT["id"]}).json()
    assert [r["case_id"] for r in cam["rows"]] == [car["id"]]


def test_the_ledger_as_xlsx_and_pdf_with_thumbnails(ledger_service: Any) -> None:
    client, car, _ = ledger_service
    week = week_of(dt.datetime.now(ZoneInfo("Asia/Shanghai")).date())
    r = client.get("/v1/ledger/export", params={"week": week, "format": "xlsx"})
    assert r.status_code == 200 and f"ledger-{week}-all.xlsx" in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    sheet = book["问题台账"]
    assert sheet["A2"].value == "案件编号" and sheet["A3"].value == str(car["id"])
    assert sheet["E3"].value == "机动车违停" and sheet["D3"].value == "海景花园物业"
    assert len(sheet._images) == 1  # the case's evidence thumbnail
    assert [c.value for c in book["汇总"][2]][:2] == ["海景花园物业", "1"]
    r = client.get("/v1/ledger/export", params={"week": week, "format": "pdf"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = pypdf.PdfReader(io.BytesIO(r.content))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "问题台账" in text and week in text and str(car["id"]) in text
    assert sum(len(page.images) for page in pdf.pages) == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"week": "2026-49"}, "week must look like 2026-W49"),
        ({"week": "2026-W54"}, "week must look like"),
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"format": "docx"}, "format"),
    ],
)
def test_bad_ledger_queries_get_a_422(tmp_path: Path, params: dict[str, str], message: str) -> None:
    with service(tmp_path) as client:
        path = "/v1/ledger/export" if "format" in params else "/v1/ledger"
        r = client.get(path, params=params)
        assert r.status_code == 422 and message in r.text, r.text
