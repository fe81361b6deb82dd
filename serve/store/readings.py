"""What the text signal read on a case's object: its lines and the phone numbers in them.

Kept on the case as JSON (``cases.reading``) and, for the phone ledger, one row per
number in ``case_phones``. A reviewer may correct a misread number; the number as read
stays in ``read_as``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from detector.geometry import Box, as_box
from serve.store.orm import CasePhoneRow

MAX_LINES = 50
MAX_TEXT = 200


@dataclass(frozen=True)
class PhoneRead:
    """A number as the ledger keys it (digits), its kind, as printed, how sure the OCR was,
    and, when a reviewer corrected it, the number as first read."""

    number: str
    kind: str
    printed: str
    confidence: float
    read_as: str | None = None

    def __post_init__(self) -> None:
        if not (self.number.isdigit() and 7 <= len(self.number) <= 15):
            raise ValueError(f"a phone number is 7-15 digits, got {self.number!r}")


@dataclass(frozen=True)
class LineRead:
    text: str
    confidence: float
    box: Box


@dataclass(frozen=True)
class Reading:
    phones: tuple[PhoneRead, ...] = ()
    lines: tuple[LineRead, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "phones": [
                {
                    "number": p.number,
                    "kind": p.kind,
                    "printed": p.printed[:MAX_TEXT],
                    "confidence": round(p.confidence, 4),
                    "read_as": p.read_as,
                }
                for p in self.phones
            ],
            "lines": [
                {
                    "text": ln.text[:MAX_TEXT],
                    "confidence": round(ln.confidence, 4),
                    "box": [round(v, 1) for v in ln.box],
                }
                for ln in self.lines[:MAX_LINES]
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Reading | None:
        if not data:
            return None
        return cls(
            phones=tuple(
                PhoneRead(
                    number=str(p["number"]),
                    kind=str(p["kind"]),
                    printed=str(p.get("printed", "")),
                    confidence=float(p.get("confidence", 0.0)),
                    read_as=p.get("read_as"),
                )
                for p in data.get("phones", [])
            ),
            lines=tuple(
                LineRead(str(ln["text"]), float(ln["confidence"]), as_box(ln["box"]))
                for ln in data.get("lines", [])
            ),
        )


def phone_rows(case_id: int, reading: Reading) -> list[CasePhoneRow]:
    """The ledger's rows for a case's numbers, each number once."""
    seen: dict[str, str] = {}
    for p in reading.phones:
        seen.setdefault(p.number, p.kind)
    return [CasePhoneRow(case_id=case_id, number=n, kind=k) for n, k in seen.items()]
