"""The weekly problem ledger (问题台账) as files: XLSX (openpyxl) and PDF (ReportLab), each
with the week's cases, an evidence thumbnail per case, and the summary per unit.

The PDF's Chinese is set in ReportLab's built-in ``STSong-Light`` (Adobe-GB1 CID font, the
standard Chinese font every PDF reader carries), so nothing is fetched or embedded.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import cv2
import numpy as np
from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Font

from serve.store.ledger import Ledger, LedgerRow, UnitSummary

THUMB_PX = 96  # a thumbnail's longer side
STATUS_ZH = {
    "confirmed": "已确认",
    "dispatched": "已派遣",
    "verified_cleared": "已核查整改",
    "closed": "已结案",
}
COLUMNS = (
    "案件编号", "点位", "区域", "责任单位", "问题类型", "首次发现", "处置期限", "当前状态",
    "销账时间", "销账人", "往周结转", "超期", "证据",
)  # fmt: skip
SUMMARY_COLUMNS = ("责任单位", "新增", "往周结转", "已销账", "按期销账", "未销账", "超期")

Thumb = Callable[[int], bytes | None]  # case id -> a JPEG of its evidence, or None


def thumbnail(jpeg: bytes, size: int = THUMB_PX) -> bytes | None:
    """A small JPEG of ``jpeg`` (longer side ``size``); None if it does not decode."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_REDUCED_COLOR_2)
    if image is None:
        return None
    h, w = image.shape[:2]
    k = size / max(h, w)
    size_px = (max(1, round(w * k)), max(1, round(h * k)))
    small = cv2.resize(image, size_px, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return buf.tobytes() if ok else None


@dataclass(frozen=True)
class Names:
    """What the files print for ids: units' and violations' names."""

    units: Mapping[str, str]
    violations: Mapping[str, str]


def _cells(r: LedgerRow, tz: ZoneInfo, names: Names) -> list[str]:
    def local(t: dt.datetime | None) -> str:
        return "" if t is None else t.astimezone(tz).strftime("%Y-%m-%d %H:%M")

    return [
        str(r.case_id),
        r.camera_id,
        r.zone_id or "",
        names.units.get(r.unit or "", r.unit or ""),
        names.violations.get(r.violation, r.violation),
        local(r.first_seen),
        local(r.deadline_at),
        STATUS_ZH.get(r.status, r.status),
        local(r.ticked_at),
        r.ticked_by or "",
        "是" if r.carried_over else "",
        "是" if r.overdue else "",
    ]


def _summary_cells(s: UnitSummary, names: Names) -> list[str]:
    unit = names.units.get(s.unit, s.unit) if s.unit else "未指定"
    counts = (s.new, s.carried_over, s.ticked, s.ticked_on_time, s.open, s.overdue)
    return [unit, *(str(v) for v in counts)]


def ledger_xlsx(ledger: Ledger, names: Names, thumb: Thumb) -> bytes:
    """Sheet 问题台账 (a row per case, its thumbnail in the last column) and 汇总 (per unit)."""
    tz = ZoneInfo(ledger.tz)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "问题台账"
    ws.append([f"问题台账 {ledger.week}（{ledger.start:%Y-%m-%d} 至 {ledger.end:%Y-%m-%d}）"])
    ws.append(list(COLUMNS))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for n, r in enumerate(ledger.rows, start=3):
        ws.append(_cells(r, tz, names))
        jpeg = thumb(r.case_id)
        if jpeg is not None:
            image = XlImage(io.BytesIO(jpeg))
            ws.add_image(image, f"M{n}")
            ws.row_dimensions[n].height = THUMB_PX * 0.75
    ws.column_dimensions["M"].width = THUMB_PX / 7
    summary = wb.create_sheet("汇总")
    summary.append(list(SUMMARY_COLUMNS))
    for s in ledger.summary():
        summary.append(_summary_cells(s, names))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ledger_pdf(ledger: Ledger, names: Names, thumb: Thumb) -> bytes:
    """A4 landscape: the title, the cases as a table with thumbnails, the summary."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    tz = ZoneInfo(ledger.tz)
    title = ParagraphStyle("title", fontName=font, fontSize=14, leading=18)
    small = ParagraphStyle("small", fontName=font, fontSize=7, leading=9)
    rows: list[list[object]] = [[Paragraph(c, small) for c in COLUMNS]]
    for r in ledger.rows:
        cells: list[object] = [Paragraph(c, small) for c in _cells(r, tz, names)]
        jpeg = thumb(r.case_id)
        cells.append(Image(io.BytesIO(jpeg), width=18 * mm, height=13 * mm) if jpeg else "")
        rows.append(cells)
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 7),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    summary = [[Paragraph(c, small) for c in SUMMARY_COLUMNS]] + [
        [Paragraph(c, small) for c in _summary_cells(s, names)] for s in ledger.summary()
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm, title=ledger.week
    )
    span = f"{ledger.start:%Y-%m-%d} 至 {ledger.end:%Y-%m-%d}"
    doc.build(
        [
            Paragraph(f"问题台账 {ledger.week}（{span}）", title),
            Spacer(1, 4 * mm),
            Table(rows, repeatRows=1, style=style),
            Spacer(1, 6 * mm),
            Paragraph("汇总（按责任单位）", title),
            Spacer(1, 2 * mm),
            Table(summary, repeatRows=1, style=style),
        ]
    )
    return out.getvalue()
