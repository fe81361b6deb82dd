"""Printed surfaces: shop signboards, banners, posters and flyers, with text-like marks.

Text is either Latin words (OpenCV Hershey fonts) or blocks of procedural
CJK-like glyphs; no font files are read, so output is identical on every machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import cv2
import numpy as np
import numpy.typing as npt

from training.synth.lighting import Color
from training.synth.pixels import U8, fill, solid

_WORDS = (
    "MARKET", "HOTEL", "PHARMACY", "BAKERY", "CAFE", "NOODLES", "MOBILE", "DENTAL", "OPTICAL",
    "SALON", "BANK", "24H", "SUPERMARKET", "TEA", "FRUIT", "KTV", "HOT POT", "BBQ", "LOTTERY",
    "REPAIR", "PRINT", "HARDWARE", "CLINIC", "FASHION", "SHOES", "BOOKS", "PIZZA", "DUMPLING",
    "BEAUTY", "MASSAGE", "PHOTO", "KEYS", "LAUNDRY", "TOBACCO", "WINE", "GIFTS", "SALE", "OPEN",
)  # fmt: skip
_FONTS = (
    cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX,
    cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_PLAIN,
)  # fmt: skip
_VIVID: tuple[Color, ...] = (
    (40, 40, 210), (30, 30, 170), (200, 90, 20), (160, 60, 10), (20, 170, 230), (40, 140, 40),
    (20, 100, 20), (150, 40, 150), (30, 120, 240), (120, 120, 20), (60, 60, 60), (235, 235, 235),
    (0, 200, 255), (90, 30, 120), (200, 160, 40),
)  # fmt: skip
_PAPER: tuple[Color, ...] = (
    (245, 245, 245), (235, 240, 240), (150, 235, 250), (200, 190, 250), (200, 240, 200),
    (245, 225, 190), (120, 200, 250), (250, 250, 230),
)  # fmt: skip


def plain_sign(rng: np.random.Generator, width: int, height: int) -> U8:
    """A signboard seen from too far to read: panel colour and a lighter band of lettering."""
    bg = vivid(rng)
    img = solid(height, width, bg)
    fg = contrast(bg, rng)
    r0, r1 = round(height * 0.3), max(round(height * 0.3) + 1, round(height * 0.7))
    band = ((bg[0] + 2 * fg[0]) / 3, (bg[1] + 2 * fg[1]) / 3, (bg[2] + 2 * fg[2]) / 3)
    fill(img, band, round(width * 0.1), r0, round(width * 0.9), r1)
    return img


def pick(rng: np.random.Generator, colors: tuple[Color, ...]) -> Color:
    return colors[int(rng.integers(len(colors)))]


def jitter(rng: np.random.Generator, color: Color, amount: float = 18.0) -> Color:
    d = rng.uniform(-amount, amount, 3).tolist()
    return (
        min(255.0, max(0.0, color[0] + d[0])),
        min(255.0, max(0.0, color[1] + d[1])),
        min(255.0, max(0.0, color[2] + d[2])),
    )


def contrast(color: Color, rng: np.random.Generator) -> Color:
    """A text colour that reads well on ``color``."""
    luma = 0.114 * color[0] + 0.587 * color[1] + 0.299 * color[2]
    if luma > 140:
        return pick(rng, ((20, 20, 20), (30, 30, 190), (150, 50, 10), (20, 90, 20)))
    return pick(rng, ((250, 250, 250), (40, 220, 255), (230, 230, 230)))


def vivid(rng: np.random.Generator) -> Color:
    return jitter(rng, pick(rng, _VIVID))


def paper(rng: np.random.Generator) -> Color:
    return jitter(rng, pick(rng, _PAPER), 10)


def random_word(rng: np.random.Generator) -> str:
    return _WORDS[int(rng.integers(len(_WORDS)))]


def phone_number(rng: np.random.Generator) -> str:
    d = rng.integers(0, 10, 11)
    return f"1{d[1]}{d[2]}-{d[3]}{d[4]}{d[5]}{d[6]}-{d[7]}{d[8]}{d[9]}{d[10]}"


def latin(
    img: U8,
    text: str,
    x: float,
    y: float,
    w: float,
    h: float,
    color: Color,
    *,
    font: int = 0,
    bold: float = 0.12,
) -> None:
    """Write ``text`` as large as fits in the box (x, y, w, h), centred."""
    if w < 3 or h < 3:
        return
    tw, th, base = _text_size(text, font)
    scale = min(w / max(tw, 1), h / max(th + base, 1))
    thick = max(1, round(scale * th * bold))
    fw, fh, fb = tw * scale + thick, th * scale, base * scale
    org = (round(x + (w - fw) / 2), round(y + (h + fh - fb) / 2))
    cv2.putText(img, text, org, font, scale, color, thick, cv2.LINE_AA)


@cache
def _text_size(text: str, font: int) -> tuple[int, int, int]:
    (tw, th), base = cv2.getTextSize(text, font, 1.0, 1)
    return tw, th, base


def glyphs(
    img: U8,
    x: float,
    y: float,
    w: float,
    h: float,
    n: int,
    color: Color,
    rng: np.random.Generator,
    *,
    weight: float = 0.1,
    vertical: bool = False,
) -> None:
    """``n`` CJK-like glyphs in a row (or column) filling the box (x, y, w, h)."""
    if n <= 0 or w < 2 or h < 2:
        return
    cell = min(h, w / n) if not vertical else min(w, h / n)
    gap = cell * 0.12
    size = cell - gap
    total = n * cell
    ox = x + (w - total) / 2 if not vertical else x + (w - cell) / 2
    oy = y + (h - cell) / 2 if not vertical else y + (h - total) / 2
    thick = max(1, round(size * weight))
    for k in range(n):
        cx = ox + (k * cell if not vertical else 0) + gap / 2
        cy = oy + (k * cell if vertical else 0) + gap / 2
        _glyph(img, cx, cy, size, color, thick, rng)


def _glyph(
    img: U8, x: float, y: float, s: float, color: Color, thick: int, rng: np.random.Generator
) -> None:
    u: Iterator[float] = iter(rng.random(64).tolist())  # one draw: numpy scalar calls are slow

    def rnd(lo: float = 0.0, hi: float = 1.0) -> float:
        return lo + (hi - lo) * next(u)

    layout = int(rnd(0, 3))
    if layout == 0:
        parts = [(0.0, 0.0, 1.0, 1.0, int(rnd(3, 6)))]
    elif layout == 1:  # radical on the left
        parts = [(0.0, 0.0, 0.36, 1.0, int(rnd(2, 4))), (0.42, 0.0, 1.0, 1.0, int(rnd(3, 5)))]
    else:  # top over bottom
        parts = [(0.0, 0.0, 1.0, 0.42, int(rnd(2, 4))), (0.0, 0.5, 1.0, 1.0, int(rnd(2, 5)))]
    for px0, py0, px1, py1, strokes in parts:
        bx, by, bw, bh = x + px0 * s, y + py0 * s, (px1 - px0) * s, (py1 - py0) * s
        for _ in range(strokes):
            kind = rnd()
            if kind < 0.4:  # horizontal
                yy = by + bh * rnd(0.1, 0.9)
                a, b = bx + bw * rnd(0.0, 0.3), bx + bw * rnd(0.7, 1.0)
                _seg(img, (a, yy), (b, yy), color, thick)
            elif kind < 0.7:  # vertical
                xx = bx + bw * rnd(0.15, 0.85)
                a, b = by + bh * rnd(0.0, 0.3), by + bh * rnd(0.7, 1.0)
                _seg(img, (xx, a), (xx, b), color, thick)
            elif kind < 0.85:  # falling strokes
                x0 = bx + bw * rnd(0.3, 0.7)
                x1 = bx + bw * (rnd(0.0, 0.2) if rnd() < 0.5 else rnd(0.8, 1.0))
                top, foot = by + bh * rnd(0.1, 0.5), by + bh * rnd(0.8, 1.0)
                _seg(img, (x0, top), (x1, foot), color, thick)
            else:  # enclosure
                x0, x1 = bx + bw * 0.15, bx + bw * 0.85
                y0, y1 = by + bh * rnd(0.1, 0.4), by + bh * rnd(0.6, 0.95)
                pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
                cv2.polylines(
                    img, [np.round(pts * 8).astype(np.int32)], True, color, thick, cv2.LINE_AA, 3
                )


def _seg(img: U8, a: tuple[float, float], b: tuple[float, float], color: Color, thick: int) -> None:
    pa = (round(a[0] * 8), round(a[1] * 8))
    pb = (round(b[0] * 8), round(b[1] * 8))
    cv2.line(img, pa, pb, color, thick, cv2.LINE_AA, 3)


def text_lines(
    img: U8, x: float, y: float, w: float, h: float, color: Color, rng: np.random.Generator
) -> None:
    """Rows of small print: broken dark strokes where single letters would be unreadable."""
    rows = max(1, int(h / max(3.0, h / 8)))
    pitch = h / rows
    thick = max(1, round(pitch * 0.35))
    for r in range(rows):
        yy = y + (r + 0.5) * pitch
        xx = x
        end = x + w * rng.uniform(0.6, 1.0)
        while xx < end:
            seg = w * rng.uniform(0.08, 0.3)
            _seg(img, (xx, yy), (min(xx + seg, end), yy), color, thick)
            xx += seg + w * rng.uniform(0.03, 0.07)


def signboard(rng: np.random.Generator, width: int, height: int) -> U8:
    """A shop sign: coloured panel, shop name in glyphs or words, often a phone number."""
    bg = vivid(rng)
    img = solid(height, width, bg)
    fg = contrast(bg, rng)
    style = rng.random()
    if style < 0.25:  # light box with a coloured band
        fill(img, jitter(rng, (240, 240, 240), 10))
        band = vivid(rng)
        fill(img, band, y1=max(1, height // 5))
        fill(img, band, y0=height - max(1, height // 6))
        fg = contrast((240, 240, 240), rng)
    x0 = 0.04 * width
    if rng.random() < 0.4:  # round logo on the left
        r = 0.33 * height
        cv2.circle(
            img, (round(x0 + r), height // 2), max(1, round(r)), contrast(bg, rng), -1, cv2.LINE_AA
        )
        cv2.circle(img, (round(x0 + r), height // 2), max(1, round(r * 0.55)), bg, -1, cv2.LINE_AA)
        x0 += 2.4 * r
    body_w = width - x0 - 0.04 * width
    if rng.random() < 0.65:
        n = int(np.clip(round(body_w / (0.62 * height)), 2, 7))
        n = int(rng.integers(max(2, n - 2), n + 1))
        main_h = 0.62 * height if rng.random() < 0.6 else 0.8 * height
        glyphs(img, x0, 0.08 * height, body_w, main_h, n, fg, rng, weight=rng.uniform(0.09, 0.16))
    else:
        font = _FONTS[int(rng.integers(len(_FONTS)))]
        text = random_word(rng) if rng.random() < 0.8 else f"{random_word(rng)} {random_word(rng)}"
        latin(img, text, x0, 0.1 * height, body_w, 0.6 * height, fg, font=font)
    if rng.random() < 0.6:
        sub = phone_number(rng) if rng.random() < 0.5 else random_word(rng)
        latin(img, sub, x0 + body_w * 0.15, 0.72 * height, body_w * 0.7, 0.22 * height, fg)
    edge = max(1, round(0.05 * height))
    frame = jitter(rng, (90, 90, 90), 30)
    cv2.rectangle(img, (0, 0), (width - 1, height - 1), frame, edge)
    shade = np.linspace(1.05, 0.88, height, dtype=np.float32)[:, None, None]
    return np.asarray(np.clip(img * shade, 0, 255), np.uint8)


def blade(rng: np.random.Generator, width: int, height: int) -> U8:
    """A vertical (blade) shop sign: characters stacked top to bottom in a frame."""
    bg = vivid(rng)
    img = solid(height, width, bg)
    fg = contrast(bg, rng)
    n = int(np.clip(round(height / max(width * 0.85, 1)), 2, 6))
    glyphs(
        img,
        0.1 * width,
        0.06 * height,
        0.8 * width,
        0.88 * height,
        n,
        fg,
        rng,
        weight=0.13,
        vertical=True,
    )
    edge = max(1, round(0.06 * width))
    cv2.rectangle(img, (0, 0), (width - 1, height - 1), jitter(rng, (80, 80, 80), 30), edge)
    return img


def banner(rng: np.random.Generator, width: int, height: int) -> U8:
    """A cloth banner, mostly red with yellow or white glyphs, gently wavy."""
    bg = jitter(rng, (30, 30, 200) if rng.random() < 0.7 else pick(rng, _VIVID), 20)
    img = solid(height, width, bg)
    fg = (40, 220, 255) if rng.random() < 0.5 else (245, 245, 245)
    vertical = height > width
    n = int(np.clip(round((height if vertical else width) / (0.8 * min(width, height))), 3, 12))
    glyphs(
        img,
        0.05 * width,
        0.1 * height,
        0.9 * width,
        0.8 * height,
        n,
        fg,
        rng,
        weight=0.13,
        vertical=vertical,
    )
    axis = np.arange(height if vertical else width, dtype=np.float32)
    wave = 0.9 + 0.1 * np.sin(axis / max(4.0, 0.3 * min(width, height)) + rng.uniform(0, 6))
    wave_img = wave[:, None, None] if vertical else wave[None, :, None]
    return np.asarray(np.clip(img * wave_img, 0, 255), np.uint8)


def poster(rng: np.random.Generator, width: int, height: int) -> U8:
    """A window poster or advert: colour blocks, big numbers, a picture area."""
    bg = vivid(rng)
    img = solid(height, width, bg)
    fg = contrast(bg, rng)
    pic_top = int(height * rng.uniform(0.35, 0.55))
    pic = jitter(rng, pick(rng, _PAPER), 40)
    cv2.rectangle(img, (width // 10, pic_top), (width - width // 10, int(height * 0.9)), pic, -1)
    cv2.circle(
        img,
        (width // 2, (pic_top + int(height * 0.9)) // 2),
        max(1, width // 5),
        vivid(rng),
        -1,
        cv2.LINE_AA,
    )
    if rng.random() < 0.5:
        glyphs(
            img,
            0.05 * width,
            0.05 * height,
            0.9 * width,
            0.25 * height,
            int(rng.integers(2, 5)),
            fg,
            rng,
        )
    else:
        digits = "".join(str(d) for d in rng.integers(0, 10, int(rng.integers(2, 5))))
        latin(
            img,
            digits + ("%" if rng.random() < 0.4 else ""),
            0.05 * width,
            0.05 * height,
            0.9 * width,
            0.28 * height,
            fg,
        )
    text_lines(img, 0.1 * width, 0.92 * height - 0.01, 0.8 * width, 0.06 * height, fg, rng)
    return img


def flyer(rng: np.random.Generator, width: int, height: int) -> tuple[U8, npt.NDArray[np.float64]]:
    """A small paper ad (BGRA, slightly rotated) and its tight rectangle in sprite pixels."""
    return rotate_sprite(flyer_sheet(rng, width, height), rng.normal(0, 6.0))


def flyer_sheet(rng: np.random.Generator, width: int, height: int) -> U8:
    """The upright flyer (BGRA): reuse it for the copies pasted side by side."""
    bg = paper(rng)
    sheet = solid(height, width, bg)
    ink = pick(rng, ((25, 25, 25), (30, 30, 200), (150, 40, 20), (20, 20, 120)))
    style = rng.random()
    if style < 0.45:  # glyph headline, print, phone number
        glyphs(
            sheet,
            0.08 * width,
            0.05 * height,
            0.84 * width,
            0.2 * height,
            int(rng.integers(2, 6)),
            (30, 30, 210),
            rng,
        )
        text_lines(sheet, 0.1 * width, 0.3 * height, 0.8 * width, 0.4 * height, ink, rng)
        latin(
            sheet, phone_number(rng), 0.05 * width, 0.74 * height, 0.9 * width, 0.14 * height, ink
        )
    elif style < 0.75:  # big glyph block (办证 / 开锁 style)
        glyphs(
            sheet,
            0.1 * width,
            0.08 * height,
            0.8 * width,
            0.6 * height,
            int(rng.integers(2, 4)),
            ink,
            rng,
            weight=0.14,
            vertical=rng.random() < 0.5,
        )
        latin(
            sheet,
            phone_number(rng),
            0.05 * width,
            0.75 * height,
            0.9 * width,
            0.15 * height,
            (30, 30, 200),
        )
    else:  # print only, with a tear-off fringe
        text_lines(sheet, 0.08 * width, 0.08 * height, 0.84 * width, 0.55 * height, ink, rng)
        tabs = int(rng.integers(5, 10))
        for k in range(1, tabs):
            x = round(k * width / tabs)
            cv2.line(sheet, (x, int(0.72 * height)), (x, height - 1), ink, 1, cv2.LINE_AA)
    if rng.random() < 0.3:  # faded in the sun
        sheet = np.clip(sheet * 0.6 + np.asarray(bg) * 0.4 + 8, 0, 255).astype(np.uint8)
    alpha = np.full((height, width), 255, np.uint8)
    if rng.random() < 0.35:  # a torn corner
        c = rng.uniform(0.15, 0.35)
        tri = np.array([[width, height], [width - c * width, height], [width, height - c * height]])
        cv2.fillConvexPoly(alpha, np.round(tri).astype(np.int32), 0, cv2.LINE_AA)
    return np.dstack([sheet, alpha])


def rotate_sprite(rgba: U8, degrees: float) -> tuple[U8, npt.NDArray[np.float64]]:
    """Rotate a BGRA sprite about its centre on a grown canvas; returns it with its tight rect."""
    h, w = rgba.shape[:2]
    rad = np.deg2rad(abs(degrees))
    nw = int(np.ceil(w * np.cos(rad) + h * np.sin(rad)))
    nh = int(np.ceil(h * np.cos(rad) + w * np.sin(rad)))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    m[:, 2] += ((nw - w) / 2, (nh - h) / 2)
    out = np.asarray(
        cv2.warpAffine(rgba, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0)),
        np.uint8,
    )
    return out, tight_rect(out[..., 3])


def tight_rect(alpha: U8) -> npt.NDArray[np.float64]:
    """(x0, y0, x1, y1) of the pixels with alpha > 50%."""
    ys, xs = np.nonzero(alpha > 127)
    if len(xs) == 0:
        return np.zeros(4)
    return np.array([xs.min(), ys.min(), xs.max() + 1.0, ys.max() + 1.0])
