"""The phone ledger as a file for the carriers: CSV (UTF-8 with BOM, so Excel reads the
Chinese) or XLSX (openpyxl), one row per number."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

from detector.text.phones import display
from serve.store.cases import CaseRepo
from serve.store.phones import LedgerEntry

# cases per number whose evidence is listed (the count covers them all)
MAX_CASES_LISTED = 20
COLUMNS = (
    ("number", "号码"),
    ("display", "号码(书写)"),
    ("kind", "类型"),
    ("times_seen", "发现次数"),
    ("cameras", "点位数"),
    ("places", "地点"),
    ("first_seen", "首次发现"),
    ("last_seen", "最近发现"),
    ("status", "状态"),
    ("case_ids", "案件编号"),
    ("evidence", "证据链接"),
    ("sha256", "证据SHA-256"),
)
STATUS_ZH = {
    "open": "待移交",
    "handed_over": "已移交",
    "suspended": "已停机",
    "dismissed": "已排除",
}
KIND_ZH = {"mobile": "手机", "landline": "固话", "service": "400/800"}


def export_rows(
    cases: CaseRepo,
    entries: list[LedgerEntry],
    since: dt.datetime,
    until: dt.datetime,
    public_url: str,
) -> list[dict[str, str]]:
    """One row per number: its confirmed cases seen in [since, until), their places and
    evidence (the annotated frame and the text crop, with their hashes)."""
    rows = []
    base = public_url.rstrip("/")
    for e in entries:
        records = cases.phones.cases_of(e.number, since=since, until=until, limit=10_000)
        tz = ZoneInfo(records[0].timezone) if records else dt.UTC
        places = sorted({r.address or r.camera_id for r in records})
        links, hashes = [], []
        for r in records[:MAX_CASES_LISTED]:
            for n, ev in enumerate(r.evidence):
                if ev.kind in ("annotated", "text"):
                    links.append(f"{base}/v1/cases/{r.id}/evidence/{n}")
                    hashes.append(ev.sha256)
        rows.append(
            {
                "number": e.number,
                "display": display(e.number, e.kind),
                "kind": KIND_ZH.get(e.kind, e.kind),
                "times_seen": str(len(records)),
                "cameras": str(len({r.camera_id for r in records})),
                "places": "; ".join(places),
                "first_seen": min(r.first_seen for r in records).astimezone(tz).isoformat()
                if records
                else "",
                "last_seen": max(r.last_seen for r in records).astimezone(tz).isoformat()
                if records
                else "",
                "status": STATUS_ZH.get(e.status, e.status),
                "case_ids": " ".join(str(r.id) for r in records),
                "evidence": " ".join(links),
                "sha256": " ".join(hashes),
            }
        )
    return rows


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV/formula injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def to_csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([zh for _, zh in COLUMNS])
    for row in rows:
        writer.writerow([_safe(row[key]) for key, _ in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[dict[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "号码台账"
    sheet.append([zh for _, zh in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(row[key]) for key, _ in COLUMNS])
    for column, width in zip(
        "ABCDEFGHIJKL", (14, 16, 8, 10, 8, 30, 26, 26, 8, 16, 60, 60), strict=True
    ):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
