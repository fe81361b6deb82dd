"""Reading a wall the way a person would: all of it at its own size, then closer wherever
small print shows a number.

A frame's small print, read at its own resolution, is outlined loosely and its digits
misread (3 for 5, 4 for 9), which costs a flyer its phone number. So after the sweep,
each small block of text that prints a number is read again from a crop around it,
enlarged like a candidate's crop (:meth:`TextReader.read` enlarges it and re-reads its
number lines tight), and the block's lines are replaced by the closer reading when it
prints at least as many digits, a number's readings decided by majority (:func:`vote`).
On 200 rendered flyers on real facades the tight re-read alone lowered the whole-frame
sweep's exact-number recall from 0.895 to 0.865 while raising the candidate crop's to
0.955; reading the frame once and zooming into its numbered blocks gave 0.88
(``benchmarks/README.md``, ``bench_flyers.py``).
"""

from __future__ import annotations

from detector.image import Image
from detector.text.flyer import group_lines
from detector.text.reader import MIN_NUMBER_DIGITS, ZOOMED, TextLine, TextReader, digits, sweep

# a block is small print when its number's line is at most this tall (px)
SMALL_LINE = 40
# the crop read again: the block and this many px around it (at least one line height)
MARGIN = 30
# at most this many blocks zoomed into per image (the most digits first)
MAX_ZOOMS = 16


def read_closer(reader: TextReader, image: Image, tile: int = 1280) -> list[TextLine]:
    """The lines of ``image`` (:func:`sweep`), small numbered blocks read again closer."""
    lines = sweep(reader, image, tile)
    h, w = image.shape[:2]
    if reader.scale_for(w, h) >= ZOOMED:
        return lines  # read enlarged already, its numbers re-read tight
    numbered = []
    for block in group_lines(lines):
        numbers = [ln for ln in block.lines if digits(ln.text) >= MIN_NUMBER_DIGITS]
        if numbers and min(ln.box[3] - ln.box[1] for ln in numbers) <= SMALL_LINE:
            numbered.append((max(digits(ln.text) for ln in numbers), block))
    numbered.sort(key=lambda nb: -nb[0])
    for most, block in numbered[:MAX_ZOOMS]:
        x1, y1, x2, y2 = block.box
        m = max(MARGIN, max(ln.box[3] - ln.box[1] for ln in block.lines))
        ox, oy = max(0, int(x1 - m)), max(0, int(y1 - m))
        ex, ey = min(w, int(x2 + m) + 1), min(h, int(y2 + m) + 1)
        if reader.scale_for(ex - ox, ey - oy) < ZOOMED:
            continue  # as large as it gets: read so already
        closer = [
            TextLine(ln.text, ln.confidence, (b[0] + ox, b[1] + oy, b[2] + ox, b[3] + oy))
            for ln in reader.read(image[oy:ey, ox:ex])
            for b in (ln.box,)
        ]
        inside = [ln for ln in closer if _centre_in(ln.box, block.box, m / 2)]
        if max((digits(ln.text) for ln in inside), default=0) < most:
            continue
        ids = {id(ln) for ln in block.lines}
        lines = [ln for ln in lines if id(ln) not in ids] + [vote(ln, block.lines) for ln in inside]
    return sorted(lines, key=lambda line: (line.box[1], line.box[0]))


def vote(line: TextLine, before: tuple[TextLine, ...]) -> TextLine:
    """A number line's reading by majority: the closer reading, the readings it replaced
    (``line.others``) and the sweep's reading of the same line (in ``before``, the one
    its centre falls in). A number at least two of them read alike (same digits) wins,
    the surest of its readings; without a majority, the closer reading stands."""
    if digits(line.text) < MIN_NUMBER_DIGITS:
        return line
    readings = [(line.text, line.confidence), *line.others]
    readings += [(b.text, b.confidence) for b in before if _centre_in(line.box, b.box, 0.0)]
    keys = ["".join(ch for ch in text if ch.isdigit()) for text, _ in readings]
    best = max(range(len(readings)), key=lambda i: (keys.count(keys[i]), readings[i][1]))
    if keys.count(keys[best]) < 2:
        return line
    text, confidence = readings[best]
    return TextLine(text, confidence, line.box, tuple(r for r in readings if r[0] != text))


def _centre_in(box: tuple[float, float, float, float], area: tuple[float, ...], pad: float) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return area[0] - pad <= cx <= area[2] + pad and area[1] - pad <= cy <= area[3] + pad
