"""Draw the evidence on a frame, cut the crop, encode JPEG: pure functions on BGR uint8 images.

Shapes are drawn with OpenCV on the frame; only the text goes through Pillow (OpenCV's
``putText`` cannot draw Chinese), and only as small masks the size of each label, so a 1080p
frame is annotated in a few milliseconds.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from detector.geometry import Box, as_box
from detector.image import Image
from serve.evidence import fonts

logger = logging.getLogger(__name__)

Point = tuple[float, float]
Color = tuple[int, int, int]  # BGR
Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 in whole pixels

BOX_COLOR: Color = (0, 0, 255)
BOX_EDGE: Color = (0, 0, 0)
LABEL_TEXT: Color = (255, 255, 255)
ZONE_COLOR: Color = (0, 200, 255)
ZONE_ALPHA = 0.25
ZONE_LABEL_BG: Color = (40, 40, 40)
HEADER_BG: Color = (24, 24, 24)
HEADER_TEXT: Color = (255, 255, 255)
MIN_FONT_PX = 10
# tallest and deepest glyphs, so every label of one font has the same height
_METRIC_PROBE = "国Ágjy|"


class JpegEncodeError(RuntimeError):
    """OpenCV could not encode the image as JPEG."""


@dataclass(frozen=True)
class Annotation:
    """What to draw on one evidence frame.

    ``label`` is what reviewers read (Chinese); ``fallback_label`` (English) is drawn instead
    on a machine with no CJK font, where the Chinese would come out as boxes. Header lines and
    the zone label are then drawn with '?' for what the Latin font cannot draw.
    """

    box: Box
    label: str
    fallback_label: str
    zone_polygon: Sequence[Point] | None = None
    zone_label: str | None = None
    header: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "box", _check_box(self.box))
        if not self.label.strip():
            raise ValueError("label must not be empty")
        if not self.fallback_label.strip():
            raise ValueError("fallback_label must not be empty")
        if self.zone_polygon is not None:
            zone = tuple((float(x), float(y)) for x, y in self.zone_polygon)
            if len(zone) < 3 or not all(math.isfinite(c) for pt in zone for c in pt):
                raise ValueError(
                    f"zone_polygon must be at least 3 finite (x, y) points, got {zone!r}"
                )
            object.__setattr__(self, "zone_polygon", zone)
        if isinstance(self.header, str):
            raise TypeError("header must be a tuple of lines, not one str")
        object.__setattr__(self, "header", tuple(self.header))


@dataclass(frozen=True)
class RenderResult:
    """The annotated image, and whether Chinese was drawn (False: English fallback).

    The header band is added above the frame, never over it, so no scene pixel is hidden:
    frame row ``y`` is ``image`` row ``y + header_height``.
    """

    image: Image
    cjk: bool
    header_height: int


@dataclass(frozen=True)
class _Style:
    font_px: int
    thickness: int
    pad: int

    @classmethod
    def for_size(cls, height: int, width: int) -> _Style:
        unit = min(height, width)
        font_px = max(12, min(72, round(unit / 30)))
        return cls(font_px=font_px, thickness=max(2, round(unit / 270)), pad=max(2, font_px // 5))


def _check_image(image: Image) -> Image:
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(
            f"image must be BGR uint8 with shape (H, W, 3), got {image.dtype} {image.shape}"
        )
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"image is empty: shape {image.shape}")
    return image


def _check_box(box: Sequence[float]) -> Box:
    x1, y1, x2, y2 = as_box(box)
    if x2 < x1 or y2 < y1:
        raise ValueError(f"box must have x2 >= x1 and y2 >= y1, got {box!r}")
    return x1, y1, x2, y2


def _on_image(box: Box, height: int, width: int) -> bool:
    """Whether the box covers part of the image (a zero-size box: lies on it)."""
    x1, y1, x2, y2 = box

    def covers(lo: float, hi: float, size: int) -> bool:
        return min(hi, size) > max(lo, 0) or (lo == hi and 0 <= lo < size)

    return covers(x1, x2, width) and covers(y1, y2, height)


@functools.lru_cache(maxsize=128)
def _glyph_band(font: ImageFont.FreeTypeFont) -> tuple[int, int]:
    """(top, bottom) of the font's tallest and deepest glyphs: one label height per font."""
    _, top, _, bottom = font.getbbox(_METRIC_PROBE)
    return math.floor(top), math.ceil(bottom)


# camera names, addresses and zone labels repeat on every case of a camera: draw them once
@functools.lru_cache(maxsize=256)
def _text_mask(text: str, font: ImageFont.FreeTypeFont) -> npt.NDArray[np.uint8]:
    """Coverage (0-255) of ``text`` in the font's glyph band, shape (h, w); read-only."""
    top, bottom = _glyph_band(font)
    left, _, right, _ = font.getbbox(text)
    x_off = -min(math.floor(left), 0)
    canvas = PILImage.new("L", (max(1, math.ceil(right) + x_off), max(1, bottom - top)))
    ImageDraw.Draw(canvas).text((x_off, -top), text, font=font, fill=255)
    mask = np.array(canvas, dtype=np.uint8)
    mask.flags.writeable = False
    return mask


@functools.lru_cache(maxsize=32)
def _ramp(fg: Color, bg: Color) -> Image:
    """(256, 3) colours from ``bg`` (coverage 0) to ``fg`` (255): text on a solid background
    is then one table look-up, no per-pixel blending."""
    alpha = np.linspace(0.0, 1.0, 256, dtype=np.float64)[:, None]
    ramp = np.asarray(bg, np.float64) * (1.0 - alpha) + np.asarray(fg, np.float64) * alpha
    return np.rint(ramp).astype(np.uint8)


def _solid(height: int, width: int, color: Color) -> Image:
    out = np.empty((height, width, 3), np.uint8)
    if height and width:
        # OpenCV fills 3-channel colours far faster than numpy broadcasting does
        cv2.rectangle(out, (0, 0), (width - 1, height - 1), color, thickness=-1)
    return out


def _paste(frame: Image, patch: Image, x: int, y: int) -> None:
    """Copy ``patch`` onto ``frame`` with its top-left at (x, y), clipped to the frame."""
    h, w = frame.shape[:2]
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + patch.shape[1], w), min(y + patch.shape[0], h)
    if x1 > x0 and y1 > y0:
        frame[y0:y1, x0:x1] = patch[y0 - y : y1 - y, x0 - x : x1 - x]


def _fit_font(text: str, size: int, max_width: int) -> ImageFont.FreeTypeFont:
    """The font at ``size``, or smaller until ``text`` fits ``max_width`` (down to a floor)."""
    font = fonts.load_font(size)
    length = font.getlength(text)
    while size > MIN_FONT_PX and length > max_width:
        logger.debug("%r is %.0f px wide at %d px, over %d: smaller", text, length, size, max_width)
        size = max(MIN_FONT_PX, min(size - 1, math.floor(size * max_width / length)))
        font = fonts.load_font(size)
        length = font.getlength(text)
    return font


def _tag(text: str, font: ImageFont.FreeTypeFont, fg: Color, bg: Color, pad: int) -> Image:
    """``text`` on a filled ``bg`` rectangle with ``pad`` pixels around it."""
    mask = _text_mask(text, font)
    tag = _solid(mask.shape[0] + 2 * pad, mask.shape[1] + 2 * pad, bg)
    tag[pad : pad + mask.shape[0], pad : pad + mask.shape[1]] = np.take(_ramp(fg, bg), mask, 0)
    return tag


def _draw_zone(frame: Image, zone: Sequence[Point], style: _Style) -> None:
    h, w = frame.shape[:2]
    pts = np.rint(np.asarray(zone, np.float64)).astype(np.int32)
    x, y, bw, bh = cv2.boundingRect(pts)
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + bw, w), min(y + bh, h)
    if x1 > x0 and y1 > y0:
        # fill only the zone's bounding rectangle: a small zone costs little on a big frame
        region = frame[y0:y1, x0:x1]
        overlay = region.copy()
        cv2.fillPoly(overlay, [pts - (x0, y0)], ZONE_COLOR, lineType=cv2.LINE_AA)
        region[...] = cv2.addWeighted(overlay, ZONE_ALPHA, region, 1.0 - ZONE_ALPHA, 0.0)
    cv2.polylines(frame, [pts], True, ZONE_COLOR, max(1, style.thickness - 1), cv2.LINE_AA)


@dataclass(frozen=True)
class _Placed:
    """A rendered tag and where its top-left corner goes on the frame."""

    tag: Image
    x: int
    y: int

    @property
    def rect(self) -> Rect:
        return self.x, self.y, self.x + self.tag.shape[1], self.y + self.tag.shape[0]

    def overlaps(self, other: Rect) -> bool:
        x0, y0, x1, y1 = self.rect
        return x0 < other[2] and other[0] < x1 and y0 < other[3] and other[1] < y1


def _clamped(tag: Image, x: int, y: int, height: int, width: int) -> _Placed:
    th, tw = tag.shape[:2]
    return _Placed(tag, min(max(x, 0), max(width - tw, 0)), min(max(y, 0), max(height - th, 0)))


def _box_corners(box: Box, height: int, width: int) -> Rect:
    x1, y1 = (min(max(round(v), 0), lim - 1) for v, lim in ((box[0], width), (box[1], height)))
    x2, y2 = (min(max(round(v), 0), lim - 1) for v, lim in ((box[2], width), (box[3], height)))
    return x1, y1, x2, y2


def _place_box_label(corners: Rect, label: str, height: int, width: int, style: _Style) -> _Placed:
    x1, y1, _, y2 = corners
    tag = _tag(label, _fit_font(label, style.font_px, width), LABEL_TEXT, BOX_COLOR, style.pad)
    th = tag.shape[0]
    outer = (style.thickness + 2) // 2
    # above the box, else below it (the label must not hide the object), else inside its top
    if y1 - outer - th >= 0:
        y = y1 - outer - th
    elif y2 + outer + th <= height:
        y = y2 + outer + 1
    else:
        y = y1 + outer
    return _clamped(tag, x1 - outer, y, height, width)


def _place_zone_label(
    zone: Sequence[Point], text: str, size: tuple[int, int], style: _Style, avoid: list[Rect]
) -> _Placed:
    height, width = size
    font = _fit_font(text, max(MIN_FONT_PX, style.font_px * 3 // 4), width)
    tag = _tag(text, font, LABEL_TEXT, ZONE_LABEL_BG, style.pad)
    th, tw = tag.shape[:2]
    t = style.thickness
    top = min(zone, key=lambda p: (p[1], p[0]))
    bottom = max(zone, key=lambda p: (p[1], -p[0]))
    left = min(zone, key=lambda p: (p[0], p[1]))
    right = max(zone, key=lambda p: (p[0], -p[1]))
    # just inside a corner of the zone: the first one clear of the box and its label
    candidates = [
        _clamped(tag, round(top[0]) + t, round(top[1]) + t, height, width),
        _clamped(tag, round(bottom[0]) + t, round(bottom[1]) - th - t, height, width),
        _clamped(tag, round(left[0]) + t, round(left[1]) - th // 2, height, width),
        _clamped(tag, round(right[0]) - tw - t, round(right[1]) - th // 2, height, width),
    ]
    clear = (c for c in candidates if not any(c.overlaps(rect) for rect in avoid))
    return next(clear, candidates[0])


def _draw_box(frame: Image, corners: Rect, style: _Style) -> None:
    x1, y1, x2, y2 = corners
    t = style.thickness
    # a dark edge around the coloured line keeps the box visible on red cars and bright walls
    cv2.rectangle(frame, (x1, y1), (x2, y2), BOX_EDGE, t + 2, cv2.LINE_8)
    cv2.rectangle(frame, (x1, y1), (x2, y2), BOX_COLOR, t, cv2.LINE_8)


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Greedy wrap by characters (Chinese has no spaces), preferring to break at a space."""
    lines: list[str] = []
    rest = text
    while rest and font.getlength(rest) > max_width:
        lo, hi = 1, len(rest) - 1  # the longest prefix that fits; at least one character
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if font.getlength(rest[:mid]) <= max_width else (lo, mid - 1)
        space = rest.rfind(" ", 0, lo + 1)
        cut = space if space > 0 else lo
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not lines:
        lines.append(rest)
    return lines


def _header_band(lines: Sequence[str], width: int, style: _Style) -> Image:
    if not lines:
        return np.empty((0, width, 3), np.uint8)
    font = fonts.load_font(max(MIN_FONT_PX, style.font_px * 4 // 5))
    pad, gap = style.pad * 2, style.pad
    wrapped = [part for line in lines for part in _wrap(line, font, width - 2 * pad)]
    masks = [_text_mask(line, font) for line in wrapped]
    height = 2 * pad + sum(m.shape[0] for m in masks) + gap * (len(masks) - 1)
    band = _solid(height, width, HEADER_BG)
    ramp = _ramp(HEADER_TEXT, HEADER_BG)
    y = pad
    for mask in masks:
        _paste(band, np.take(ramp, mask, 0), pad, y)
        y += mask.shape[0] + gap
    return band


def annotate(image: Image, annotation: Annotation) -> RenderResult:
    """Draw zone, box, label and header on a copy of ``image`` (BGR uint8); input untouched.

    >>> import numpy as np
    >>> ann = Annotation((40, 60, 200, 180), "机动车违停 · 小汽车 0.82", "illegal parking car 0.82")
    >>> result = annotate(np.zeros((240, 320, 3), np.uint8), ann)
    >>> result.image.shape == (240, 320, 3), result.header_height
    (True, 0)
    """
    _check_image(image)
    h, w = image.shape[:2]
    if not _on_image(annotation.box, h, w):
        raise ValueError(f"box {annotation.box} lies outside the {w}x{h} image")
    cjk = fonts.find_cjk_font() is not None
    style = _Style.for_size(h, w)

    def text(value: str) -> str:
        return value if cjk else fonts.latin_safe(value)

    band = _header_band([text(line) for line in annotation.header], w, style)
    band_h = band.shape[0]
    out = np.empty((band_h + h, w, 3), np.uint8)
    out[:band_h] = band
    frame = out[band_h:]  # a view: drawing on it draws on ``out``
    frame[...] = image

    corners = _box_corners(annotation.box, h, w)
    label = annotation.label if cjk else text(annotation.fallback_label)
    box_label = _place_box_label(corners, label, h, w, style)
    if annotation.zone_polygon is not None:
        _draw_zone(frame, annotation.zone_polygon, style)
        if annotation.zone_label:
            e = style.thickness + 2
            box_rect = (corners[0] - e, corners[1] - e, corners[2] + e, corners[3] + e)
            zone_text = text(annotation.zone_label)
            avoid = [box_rect, box_label.rect]
            zone_label = _place_zone_label(annotation.zone_polygon, zone_text, (h, w), style, avoid)
            _paste(frame, zone_label.tag, zone_label.x, zone_label.y)
    # the box and its label last: nothing may cover them
    _draw_box(frame, corners, style)
    _paste(frame, box_label.tag, box_label.x, box_label.y)
    return RenderResult(image=out, cjk=cjk, header_height=band_h)


def _clip_span(lo: float, hi: float, size: int) -> tuple[int, int]:
    """Whole pixels covering [lo, hi] on an axis of ``size`` pixels; at least one."""
    start = min(max(math.floor(lo), 0), size - 1)
    return start, max(min(math.ceil(hi), size), start + 1)


def _grow_span(start: int, stop: int, length: int, size: int) -> tuple[int, int]:
    """[start, stop) grown to ``length`` about its centre, slid to lie within [0, size)."""
    length = min(length, size)
    start = min(max((start + stop - length) // 2, 0), size - length)
    return start, start + length


def crop(image: Image, box: Sequence[float], margin: float = 0.25, min_size: int = 96) -> Image:
    """The box with ``margin`` (fraction of its size) of context per side, clipped to the image.

    Never empty; upscaled so that both sides are at least ``min_size``. Thin boxes get more
    context across first, so the crop is at most 4:1 and upscaling stays bounded.

    >>> import numpy as np
    >>> crop(np.zeros((480, 640, 3), np.uint8), (100, 100, 300, 200)).shape
    (150, 300, 3)
    """
    _check_image(image)
    x1, y1, x2, y2 = _check_box(box)
    if margin < 0 or not math.isfinite(margin):
        raise ValueError(f"margin must be a finite number >= 0, got {margin}")
    if min_size < 1:
        raise ValueError(f"min_size must be at least 1 pixel, got {min_size}")
    h, w = image.shape[:2]
    if not _on_image((x1, y1, x2, y2), h, w):
        raise ValueError(f"box {tuple(box)} lies outside the {w}x{h} image")

    mx, my = (x2 - x1) * margin, (y2 - y1) * margin
    ix0, ix1 = _clip_span(x1 - mx, x2 + mx, w)
    iy0, iy1 = _clip_span(y1 - my, y2 + my, h)
    # no more than 4:1: take more context across the thin side, slid to stay on the image
    cw, ch = ix1 - ix0, iy1 - iy0
    if 4 * cw < ch:
        ix0, ix1 = _grow_span(ix0, ix1, math.ceil(ch / 4), w)
    elif 4 * ch < cw:
        iy0, iy1 = _grow_span(iy0, iy1, math.ceil(cw / 4), h)
    out = np.ascontiguousarray(image[iy0:iy1, ix0:ix1])

    short = min(out.shape[0], out.shape[1])
    if short < min_size:
        scale = min_size / short
        size = (
            max(min_size, math.ceil(out.shape[1] * scale)),
            max(min_size, math.ceil(out.shape[0] * scale)),
        )
        # linear, not cubic: evidence must not look sharper than the camera saw it
        resized = cv2.resize(out, size, interpolation=cv2.INTER_LINEAR)
        return np.asarray(resized, dtype=np.uint8)
    return out


def encode_jpeg(image: Image, quality: int = 90) -> bytes:
    """JPEG bytes of a BGR uint8 image.

    >>> import numpy as np
    >>> encode_jpeg(np.zeros((8, 8, 3), np.uint8))[:3]
    b'\\xff\\xd8\\xff'
    """
    _check_image(image)
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 100:
        raise ValueError(f"quality must be an int from 1 to 100, got {quality!r}")
    try:
        ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    except cv2.error as exc:
        raise JpegEncodeError(f"OpenCV failed to encode a {image.shape} image: {exc}") from exc
    if not ok:
        raise JpegEncodeError(f"OpenCV could not encode a {image.shape} image as JPEG")
    return buf.tobytes()
