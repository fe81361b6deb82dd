"""Phone numbers in text read off a flyer: found, repaired where OCR confused a digit, and
normalised, so the same number printed three ways is one entry in the phone ledger.

Numbers (mainland China):

- mobile: 11 digits ``1[3-9]xxxxxxxxx``, optionally after ``+86`` / ``0086`` / ``86``;
- landline with its area code: ``010`` and ``02x`` (3 digits) take 7-8 more digits, other
  area codes (``0532``, 4 digits) 7-8; a bare local number without area code is not taken
  (prices, dates and shop numbers look the same);
- ``400`` / ``800`` service numbers: 10 digits.

A number must fill whole groups of the printed text: ``138 1234 5678`` and
``0532-8888 6666`` are numbers, the middle of ``2024123456789`` is not. Inside a group of
digits, OCR's usual confusions are repaired only between digits and only in text that
already holds seven real digits: ``O``/``o``/``〇`` → 0, ``l``/``I``/``|`` → 1 (``138l2345678``
is 13812345678; the ``O`` of ``OPEN`` is left alone). Full-width digits and dashes are
read as their ASCII forms.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

PhoneKind = Literal["mobile", "landline", "service"]

_CONFUSED = {"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1"}
_SEPARATORS = " \t-‐‑‒–—―_.·•/()（）[]+:：~"
# a run: digits, confusable letters and separators, starting and ending with a digit
_RUN = re.compile(r"[0-9OolI|〇][0-9OolI|〇 \t\-‐‑‒–—―_.·•()（）\[\]+]*")
_MIN_REAL_DIGITS = 7


@dataclass(frozen=True)
class Phone:
    """A phone number as the ledger keys it (``number``: digits only), how to show it and
    what was printed."""

    number: str
    kind: PhoneKind
    printed: str

    @property
    def display(self) -> str:
        """``138 1234 5678``, ``0532-88886666``, ``400-123-4567``.

        >>> Phone("053288886666", "landline", "").display
        '0532-88886666'
        """
        n = self.number
        if self.kind == "mobile":
            return f"{n[:3]} {n[3:7]} {n[7:]}"
        if self.kind == "service":
            return f"{n[:3]}-{n[3:6]}-{n[6:]}"
        area = 3 if n[1] in "12" else 4
        return f"{n[:area]}-{n[area:]}"


def display(number: str, kind: str) -> str:
    """How people write a ledger number of ``kind`` (an unknown kind: as a landline)."""
    known: PhoneKind = (
        "mobile" if kind == "mobile" else "service" if kind == "service" else "landline"
    )
    return Phone(number, known, "").display


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _repair(run: str, open_before: bool, open_after: bool) -> str | None:
    """The run with confusions between digits repaired; None when too few real digits.
    ``open_before``/``open_after``: the text around the run is no letter, so a confusable
    at the run's edge next to a digit may be repaired too (``1381234567O``)."""
    if sum(c.isdigit() for c in run) < _MIN_REAL_DIGITS:
        return None
    chars = list(run)
    for i, c in enumerate(chars):
        if c not in _CONFUSED:
            continue
        before = next((x for x in reversed(chars[:i]) if x not in _SEPARATORS), "")
        after = next((x for x in chars[i + 1 :] if x not in _SEPARATORS), "")
        inside_before = before.isdigit() or before in _CONFUSED or (not before and open_before)
        inside_after = after.isdigit() or after in _CONFUSED or (not after and open_after)
        if inside_before and inside_after and (before.isdigit() or after.isdigit()):
            chars[i] = _CONFUSED[c]
    return "".join(chars)


def _groups(run: str) -> tuple[str, list[int]]:
    """The run's digits and the positions in them where a printed group starts or ends."""
    digits: list[str] = []
    bounds = {0}
    for c in run:
        if c.isdigit():
            digits.append(c)
        else:  # a separator, or a letter left unrepaired: either ends a group
            bounds.add(len(digits))
    bounds.add(len(digits))
    return "".join(digits), sorted(bounds)


def _lengths(digits: str, at: int) -> list[tuple[int, PhoneKind]]:
    """The lengths a number starting at ``at`` could have, longest first."""
    d = digits[at:]
    if len(d) >= 11 and d[0] == "1" and d[1] in "3456789":
        return [(11, "mobile")]
    if len(d) >= 10 and d[:3] in ("400", "800"):
        return [(10, "service")]
    if d[:1] == "0" and len(d) >= 10 and d[1] != "0":
        area = 3 if d[1] in "12" else 4
        if d[1] == "1" and d[:3] != "010":
            return []
        return [(area + 8, "landline"), (area + 7, "landline")]
    return []


_PREFIXES = ("0086", "86")


def find_phones(text: str) -> list[Phone]:
    """The phone numbers printed in ``text``, in order, each once.

    >>> [p.number for p in find_phones("开锁 TEL:138-l234-5678 / 0532 8888 6666")]
    ['13812345678', '053288886666']
    >>> find_phones("价格 2024123456789 元")
    []
    """
    found: list[Phone] = []
    seen: set[str] = set()
    normal = _normalise(text)
    for match in _RUN.finditer(normal):
        run = match.group(0).rstrip(_SEPARATORS)
        end = match.start() + len(run)
        repaired = _repair(
            run,
            open_before=match.start() == 0 or not normal[match.start() - 1].isalpha(),
            open_after=end == len(normal) or not normal[end].isalpha(),
        )
        if repaired is None:
            continue
        digits, bounds = _groups(repaired)
        edges = set(bounds)
        consumed = 0
        for start in bounds:
            if start < consumed:
                continue
            for skip in (0, *(len(p) for p in _PREFIXES if digits.startswith(p, start))):
                at = start + skip
                hit = next(((n, kind) for n, kind in _lengths(digits, at) if at + n in edges), None)
                if hit is None or (skip and hit[1] != "mobile"):
                    continue
                number = digits[at : at + hit[0]]
                consumed = at + hit[0]
                if number not in seen:
                    seen.add(number)
                    found.append(Phone(number, hit[1], match.group(0).strip()))
                break
    return found
