"""The phone ledger: numbers from confirmed flyer cases, their hand-over to the carriers,
reviewers' corrections, and the export (CSV, XLSX)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from serve.store.readings import LineRead, PhoneRead, Reading
from tests.serve.service import service
from tests.serve.store.factories import T0, new_case

A, B, C = "13812345678", "053288886666", "4008208820"


def _flyer(c: TestClient, camera: str, numbers: list[str], day: int = 0) -> int:
    kinds = {A: "mobile", B: "landline", C: "service"}
    reading = Reading(
        phones=tuple(PhoneRead(n, kinds.get(n, "mobile"), n, 0.97) for n in numbers),
        lines=(LineRead("专业开锁", 0.99, (10, 10, 60, 24)),),
    )
    at = T0 + timedelta(days=day)
    case = c.app.state.cases.create(  # type: ignore[attr-defined]
        new_case(
            camera_id=camera,
            violation="illegal_ad",
            label="flyer",
            signal="ocr",
            first_seen=at,
            last_seen=at + timedelta(minutes=5),
            reading=reading,
            address=f"{camera} 路口",
        )
    )
    return int(case.id)


def _confirm(c: TestClient, case_id: int) -> None:
    r = c.post(f"/v1/cases/{case_id}/review", json={"decision": "confirm"})
    assert r.status_code == 200, r.text


@pytest.fixture
def ledger(tmp_path: Path) -> Any:
    with service(tmp_path) as c:
        one = _flyer(c, "cam-01", [A])
        two = _flyer(c, "cam-02", [A, B], day=1)
        three = _flyer(c, "cam-01", [A, C], day=2)
        _flyer(c, "cam-01", [C], day=3)  # a draft: not in the ledger
        rejected = _flyer(c, "cam-02", [B], day=4)
        for case_id in (one, two, three):
            _confirm(c, case_id)
        r = c.post(
            f"/v1/cases/{rejected}/review", json={"decision": "reject", "reason": "false_positive"}
        )
        assert r.status_code == 200, r.text
        yield c, (one, two, three)


def test_the_ledger_counts_confirmed_cases_most_seen_first(ledger: Any) -> None:
    c, _ = ledger
    body = c.get("/v1/phones").json()
    assert body["count"] == 3
    rows = {d["number"]: d for d in body["data"]}
    assert body["data"][0]["number"] == A
    assert (rows[A]["cases"], rows[A]["cameras"], rows[A]["status"]) == (3, 2, "open")
    assert (rows[B]["cases"], rows[C]["cases"]) == (1, 1)  # the rejected and the draft left out
    assert rows[A]["display"] == "138 1234 5678" and rows[B]["display"] == "0532-88886666"
    assert c.get("/v1/phones", params={"camera_id": "cam-02"}).json()["count"] == 2
    since = (T0 + timedelta(days=2)).isoformat()
    recent = c.get("/v1/phones", params={"since": since}).json()["data"]
    assert {d["number"] for d in recent} == {A, C}
    assert c.get("/v1/phones", params={"limit": 1, "offset": 1}).json()["count"] == 3
    assert c.get("/v1/phones", params={"status": "nope"}).status_code == 422
    assert c.get("/v1/phones", params={"since": "2026-01-01T00:00:00"}).status_code == 422


def test_a_number_goes_to_the_carrier_and_back_audited(ledger: Any) -> None:
    c, cases = ledger
    detail = c.get(f"/v1/phones/{A}").json()
    assert [x["id"] for x in detail["case_list"]] == list(reversed(cases))
    r = c.post(f"/v1/phones/{A}/status", json={"status": "suspended"})
    assert r.status_code == 409 and "handed_over" in r.text
    r = c.post(f"/v1/phones/{A}/status", json={"status": "handed_over", "note": "移交联通"})
    assert r.status_code == 200 and r.json()["status"] == "handed_over", r.text
    assert c.post(f"/v1/phones/{A}/status", json={"status": "suspended"}).json()["status"] == (
        "suspended"
    )
    history = c.get(f"/v1/phones/{A}").json()["history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("open", "handed_over"),
        ("handed_over", "suspended"),
    ]
    assert history[0]["note"] == "移交联通" and history[0]["actor"]
    assert c.get("/v1/phones", params={"status": "suspended"}).json()["count"] == 1
    assert c.get("/v1/phones/13900000000").status_code == 404
    assert c.post("/v1/phones/13900000000/status", json={"status": "dismissed"}).status_code == 404
    assert c.get("/v1/phones/12ab").status_code == 422


def test_a_reviewer_corrects_a_misread_number(ledger: Any) -> None:
    c, (one, *_rest) = ledger
    r = c.put(f"/v1/cases/{one}/phones/{A}", json={"number": "139-0000-1111"})
    assert r.status_code == 200, r.text
    phones = r.json()["phones"]
    assert [(p["number"], p["read_as"]) for p in phones] == [("13900001111", A)]
    assert c.get("/v1/phones/13900001111").json()["cases"] == 1
    assert c.get(f"/v1/phones/{A}").json()["cases"] == 2
    audit = c.get(f"/v1/cases/{one}/audit").json()
    assert any(e["action"] == "phone_corrected" for e in audit["data"]), audit
    bad = c.put(f"/v1/cases/{one}/phones/13900001111", json={"number": "hello 12"})
    assert bad.status_code == 422 and "not one phone number" in bad.text
    assert c.put(f"/v1/cases/{one}/phones/{B}", json={"number": A}).status_code == 404


def test_the_export_opens_as_csv_and_xlsx(ledger: Any) -> None:
    c, _ = ledger
    span = {
        "since": (T0 - timedelta(days=1)).isoformat(),
        "until": (T0 + timedelta(days=9)).isoformat(),
    }
    r = c.get("/v1/phones/export", params={**span, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["号码", "号码(书写)", "类型", "发现次数"]
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[A][3] == "3" and "cam-02 路口" in by_number[A][5]
    r = c.get("/v1/phones/export", params={**span, "format": "xlsx"})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "号码" and {v[0] for v in values[1:]} == {A, B, C}
    bad = c.get("/v1/phones/export", params={"since": span["until"], "until": span["since"]})
    assert bad.status_code == 422
    assert "attachment" in r.headers["content-disposition"]


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice not installed (apt-get install libreoffice-calc-nogui)"
)
def test_libreoffice_opens_the_xlsx_export(ledger: Any, tmp_path: Path) -> None:
    c, _ = ledger
    span = {
        "since": (T0 - timedelta(days=1)).isoformat(),
        "until": (T0 + timedelta(days=9)).isoformat(),
    }
    xlsx = tmp_path / "phones.xlsx"
    xlsx.write_bytes(c.get("/v1/phones/export", params={**span, "format": "xlsx"}).content)
    assert SOFFICE is not None
    done = subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(xlsx),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    out = tmp_path / "phones.csv"
    assert done.returncode == 0 and out.exists(), done.stdout + done.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0][0] == "号码" and {r[0] for r in rows[1:]} == {A, B, C}
    assert next(r for r in rows if r[0] == A)[3] == "3"
