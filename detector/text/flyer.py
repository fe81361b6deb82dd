"""Is this text a flyer (小广告)? Lines read off a wall are grouped into blocks, and a block
is a flyer when it prints a phone number the way flyers do.

The rule (each threshold a field of :class:`FlyerRule`, shares of the frame's height or
area so it holds at any resolution):

- the block prints at least one phone number, read with confidence >= ``min_confidence``;
- it is small: at most ``max_area`` of the frame (a flyer is a sheet of A5-A4 paper);
- its number is printed small: its line at most ``max_line_height`` of the frame's
  height (a shop sign prints its number large, to be read from across the street);
- it is not a sign's fascia: one line wider than ``max_single_line_aspect`` times its
  height is a signboard strip, not a sheet of paper;
- it is not where ads are allowed: a block whose centre is in an ``ad_permitted`` zone
  (a shop's own sign, with its permit) is never a flyer, nor one inside an ``outdoor_ad``
  the detector found.

So a lawful shop sign with its phone number (big letters, on the fascia, in its permit
zone) is not a flyer; a sheet with 开锁 and a mobile number pasted on the wall beside it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

from detector.geometry import Box
from detector.text.phones import Phone, find_phones
from detector.text.reader import TextLine


@dataclass(frozen=True)
class TextBlock:
    """Lines that belong together (one sheet or one sign), top to bottom."""

    lines: tuple[TextLine, ...]
    box: Box
    phones: tuple[Phone, ...] = field(default=())

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def phone_lines(self, phone: Phone) -> list[TextLine]:
        """The line(s) the number was read from (all lines when it spans several)."""
        lines = [
            ln for ln in self.lines if phone.number in (p.number for p in find_phones(ln.text))
        ]
        return lines or list(self.lines)

    def phone_confidence(self, phone: Phone) -> float:
        return max(line.confidence for line in self.phone_lines(phone))

    def phone_height(self, phone: Phone) -> float:
        """How tall the number is printed (its line's height, in frame pixels)."""
        return float(median(ln.box[3] - ln.box[1] for ln in self.phone_lines(phone)))


def _union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _near(a: Box, b: Box, gap: float) -> bool:
    """Lines of one sheet: stacked in one column (each overlapping the other's width by
    at least a third of the narrower), at most ``gap`` line heights apart, of comparable
    size (a headline at most 3 times the small print). Text beside it, or a sign's big
    letters above it, is another block, however close."""
    ha, hb = max(1.0, a[3] - a[1]), max(1.0, b[3] - b[1])
    if not _comparable(ha, hb):
        return False
    narrower = max(1.0, min(a[2] - a[0], b[2] - b[0]))
    x_overlap = min(a[2], b[2]) - max(a[0], b[0])
    y_gap = max(a[1], b[1]) - min(a[3], b[3])
    return x_overlap >= narrower / 3 and y_gap < gap * min(ha, hb)


def group_lines(lines: Sequence[TextLine], gap: float = 1.2) -> list[TextBlock]:
    """The lines grouped into blocks (single-link on nearness), each with the phone
    numbers its text prints; blocks top to bottom."""
    groups: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda ln: (ln.box[1], ln.box[0])):
        joined = [g for g in groups if any(_near(line.box, other.box, gap) for other in g)]
        merged = [line]
        for g in joined:
            merged += g
            groups.remove(g)
        groups.append(merged)
    blocks = []
    for g in groups:
        for part in _around_numbers(g):
            ordered = tuple(sorted(part, key=lambda ln: (ln.box[1], ln.box[0])))
            text = "\n".join(line.text for line in ordered)
            phones = tuple(find_phones(text))  # a number does not run on across lines
            blocks.append(TextBlock(ordered, _union([ln.box for ln in ordered]), phones))
    return sorted(blocks, key=lambda b: (b.box[1], b.box[0]))


def _comparable(a: float, b: float) -> bool:
    """Print of one sheet: a headline at most 3 times the small print."""
    a, b = max(1.0, a), max(1.0, b)
    return max(a, b) <= 3.0 * min(a, b)


# a sheet reaches at most this many of its number's line heights above and below it
SHEET_REACH = 6.0
# a line of the number's sheet is at most this many times as tall as the number's line
# and at most SHEET_WIDTH times as wide: the sign text a flyer is pasted beside or over
# (taller letters, a fascia-wide line) is not carved out with it
SHEET_HEIGHT = 2.0
SHEET_WIDTH = 1.5


def _on_sheet(line: Box, number: Box) -> bool:
    """``line`` could be printed on the same sheet as the number's line ``number``: in its
    column (overlapping a third of the narrower), within ``SHEET_REACH`` of its height
    above or below, not much taller or wider."""
    h = max(1.0, number[3] - number[1])
    w = max(1.0, number[2] - number[0])
    lh, lw = max(1.0, line[3] - line[1]), max(1.0, line[2] - line[0])
    overlap = min(line[2], number[2]) - max(line[0], number[0])
    centre_gap = abs((line[1] + line[3]) / 2 - (number[1] + number[3]) / 2)
    return (
        overlap >= min(lw, w) / 3
        and centre_gap <= SHEET_REACH * h
        and max(lh, h) <= SHEET_HEIGHT * min(lh, h)
        and lw <= SHEET_WIDTH * w
    )


def _around_numbers(lines: list[TextLine]) -> list[list[TextLine]]:
    """A group that chained through a wall of text (window ads, a row of signs, the sign a
    flyer is pasted on) split around each line that prints a number: the lines that could
    be on its sheet (:func:`_on_sheet`); the rest stays one block."""
    numbered = [ln for ln in lines if find_phones(ln.text)]
    if len(lines) <= 3 or not numbered:
        return [lines]
    parts: list[list[TextLine]] = []
    taken: set[int] = set()
    for phone in numbered:
        if id(phone) in taken:
            continue
        part = [ln for ln in lines if id(ln) not in taken and _on_sheet(ln.box, phone.box)]
        taken |= {id(ln) for ln in part}
        parts.append(part)
    rest = [ln for ln in lines if id(ln) not in taken]
    return parts + ([rest] if rest else [])


@dataclass(frozen=True)
class FlyerVerdict:
    flyer: bool
    reason: str
    phones: tuple[Phone, ...] = ()


@dataclass(frozen=True)
class FlyerRule:
    """When a block of text on a wall is a flyer (see the module's docstring)."""

    min_confidence: float = 0.8
    max_area: float = 0.05
    max_line_height: float = 0.07
    max_single_line_aspect: float = 10.0

    def judge(
        self,
        block: TextBlock,
        frame_size: tuple[int, int],
        *,
        permitted: bool = False,
        in_sign: bool = False,
    ) -> FlyerVerdict:
        """``frame_size`` (width, height) of the frame the block's box is in; ``permitted``:
        its centre is in an ``ad_permitted`` zone; ``in_sign``: inside a detected outdoor ad."""
        phones = tuple(p for p in block.phones if block.phone_confidence(p) >= self.min_confidence)
        if not phones:
            return FlyerVerdict(
                False,
                "no phone number read"
                if not block.phones
                else f"phone number read with confidence < {self.min_confidence:g}",
            )
        width, height = frame_size
        x1, y1, x2, y2 = block.box
        if permitted:
            return FlyerVerdict(False, "in an ad_permitted zone (a sign with its permit)", phones)
        if in_sign:
            return FlyerVerdict(False, "inside an outdoor ad the detector found", phones)
        area = (x2 - x1) * (y2 - y1) / max(1.0, width * height)
        if area > self.max_area:
            return FlyerVerdict(False, f"{area:.1%} of the frame: larger than a flyer", phones)
        letters = min(block.phone_height(p) for p in phones) / max(1.0, height)
        if letters > self.max_line_height:
            return FlyerVerdict(
                False, f"number printed {letters:.1%} of the frame's height: a sign's", phones
            )
        if len(block.lines) == 1 and (x2 - x1) > self.max_single_line_aspect * (y2 - y1):
            return FlyerVerdict(False, "one long line: a sign's fascia", phones)
        return FlyerVerdict(True, "small print with a phone number", phones)
