"""Flyers with real Chinese text and a known phone number, pasted onto real photos.

No public labelled data has flyers (小广告), so the text signal is tested on renders: a
sheet of paper (white, yellow, pink, light blue) with a headline (开锁, 办证, 疏通 ...), a
line or two of small print and a phone number in one of the ways flyers print them
(``138-1234-5678``, ``0532 8888 6666``, ``400-820-8820``), set in Noto Sans SC or Noto
Serif SC (SIL OFL, shipped in the ``pylopdf-fonts-zh-cn`` wheel), then slightly rotated,
pasted on a wall of a real facade photo, blurred and JPEG-compressed as a camera would.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

U8 = npt.NDArray[np.uint8]

HEADLINES = (
    "专业开锁", "办证刻章", "疏通下水道", "小额贷款", "搬家拉货", "高价回收",
    "家电维修", "代开发票", "管道疏通", "空调移机", "换锁芯", "上门服务",
)  # fmt: skip
SMALL_PRINT = (
    "24小时服务", "快速上门", "价格合理", "诚信经营", "急用找我", "当天放款",
    "各类证件", "无需抵押", "随叫随到", "老客户优惠", "全市上门", "专业师傅",
)  # fmt: skip
PAPERS = ((250, 250, 246), (150, 235, 250), (215, 200, 250), (250, 230, 200), (235, 235, 235))
INKS = ((20, 20, 200), (25, 25, 25), (150, 40, 20), (30, 30, 140))
AREA_CODES = ("010", "021", "022", "027", "0532", "0531", "0755", "0571", "0512")


@cache
def _font_paths() -> tuple[Path, ...]:
    # found, not imported: the package is only a folder of fonts
    spec = importlib.util.find_spec("pylopdf_fonts_zh_cn")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    paths = tuple(sorted(p for f in folders for p in Path(f).glob("Noto*SC-Regular.otf")))
    if not paths:
        raise FileNotFoundError("flyers need Noto Sans/Serif SC: pip install pylopdf-fonts-zh-cn")
    return paths


def _font(index: int, size: int) -> ImageFont.FreeTypeFont:
    paths = _font_paths()
    return ImageFont.truetype(str(paths[index % len(paths)]), size)


def phone_number(rng: np.random.Generator) -> tuple[str, str]:
    """(the number as the ledger keys it, as the flyer prints it)."""
    kind = rng.choice(["mobile", "mobile", "mobile", "landline", "service"])
    if kind == "mobile":
        digits = "1" + str(rng.integers(3, 10)) + "".join(map(str, rng.integers(0, 10, 9)))
        sep = str(rng.choice(["", "-", " ", " "]))
        return digits, f"{digits[:3]}{sep}{digits[3:7]}{sep}{digits[7:]}"
    if kind == "service":
        digits = str(rng.choice(["400", "800"])) + "".join(map(str, rng.integers(0, 10, 7)))
        return digits, f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    area = str(rng.choice(AREA_CODES))
    local = str(rng.integers(2, 10)) + "".join(map(str, rng.integers(0, 10, 7)))
    sep = str(rng.choice(["-", " "]))
    return area + local, f"{area}{sep}{local[:4]} {local[4:]}" if sep == " " else area + sep + local


@dataclass(frozen=True)
class Flyer:
    sheet: U8  # BGRA, upright
    number: str
    printed: str
    text: str


def render_flyer(rng: np.random.Generator, digit_px: int) -> Flyer:
    """A flyer whose phone number's digits are ``digit_px`` pixels tall."""
    number, printed = phone_number(rng)
    face = int(rng.integers(0, 2))
    headline = str(rng.choice(HEADLINES))
    small = [str(s) for s in rng.choice(SMALL_PRINT, size=int(rng.integers(0, 3)), replace=False)]
    phone_font = _font(face, max(6, round(digit_px * 1.35)))
    width = int(phone_font.getlength(printed)) + 2 * digit_px
    head_size = max(8, min(int(width / max(2, len(headline)) * 0.9), round(digit_px * 2.2)))
    lines = [(headline, _font(face, head_size))] + [
        (s, _font(face, max(6, digit_px))) for s in small
    ]
    lines.append((printed, phone_font))
    pad = max(2, digit_px // 2)
    heights = [int(f.size * 1.3) for _, f in lines]
    height = sum(heights) + 2 * pad
    paper = tuple(int(v) for v in PAPERS[int(rng.integers(len(PAPERS)))])
    img = Image.new("RGB", (width, height), paper[::-1])
    draw = ImageDraw.Draw(img)
    y = pad
    for (text, font), h in zip(lines, heights, strict=True):
        ink = INKS[int(rng.integers(len(INKS)))]
        x = max(0, (width - int(font.getlength(text))) // 2)
        draw.text((x, y), text, font=font, fill=ink[::-1])
        y += h
    bgr = np.array(img)[:, :, ::-1]
    sheet = np.dstack([bgr, np.full(bgr.shape[:2], 255, np.uint8)])
    return Flyer(np.ascontiguousarray(sheet), number, printed, "\n".join(t for t, _ in lines))


def _rotated(rgba: U8, degrees: float) -> U8:
    h, w = rgba.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos) + 2, int(h * cos + w * sin) + 2
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    out: U8 = cv2.warpAffine(
        rgba, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0)
    ).astype(np.uint8)
    return out


@dataclass(frozen=True)
class FlyerScene:
    image: U8  # BGR, as the camera sends it (blurred, JPEG round trip)
    box: tuple[int, int, int, int]  # the flyer, x1 y1 x2 y2
    number: str
    printed: str


def paste_flyer(
    photo: U8,
    rng: np.random.Generator,
    *,
    region: tuple[int, int, int, int] | None = None,
    digit_px: int | None = None,
    jpeg_quality: int | None = None,
) -> FlyerScene:
    """``photo`` with one rendered flyer on it, inside ``region`` (x1 y1 x2 y2; default:
    anywhere), rotated up to ~4 degrees, blurred a little and JPEG-compressed. The
    number's digits are ``digit_px`` tall (default: 1.0-2.2% of the photo's height, at
    least 8 px: a sheet of paper on a wall a few metres from the camera)."""
    h, w = photo.shape[:2]
    digits = digit_px if digit_px is not None else max(8, round(h * rng.uniform(0.010, 0.022)))
    flyer = render_flyer(rng, digits)
    sheet = _rotated(flyer.sheet, float(rng.normal(0.0, 2.0)))
    sh, sw = sheet.shape[:2]
    x1, y1, x2, y2 = region if region is not None else (0, 0, w, h)
    if sw >= x2 - x1 or sh >= y2 - y1:
        raise ValueError(f"a {sw}x{sh} flyer does not fit in region {region} of a {w}x{h} photo")
    x = int(rng.integers(x1, x2 - sw))
    y = int(rng.integers(y1, y2 - sh))
    out = photo.copy()
    alpha = sheet[:, :, 3:4].astype(np.float32) / 255.0
    shade = float(rng.uniform(0.75, 1.0))  # the wall's light on the paper
    patch = out[y : y + sh, x : x + sw].astype(np.float32)
    out[y : y + sh, x : x + sw] = (
        patch * (1 - alpha) + sheet[:, :, :3].astype(np.float32) * shade * alpha
    ).astype(np.uint8)
    sigma = float(rng.uniform(0.3, 0.9))
    out = cv2.GaussianBlur(out, (0, 0), sigma).astype(np.uint8)
    quality = jpeg_quality if jpeg_quality is not None else int(rng.integers(60, 90))
    ok, jpeg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover
        raise RuntimeError("JPEG encoding failed")
    decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    if decoded is None:  # pragma: no cover
        raise RuntimeError("JPEG decoding failed")
    image: U8 = decoded.astype(np.uint8)
    return FlyerScene(image, (x, y, x + sw, y + sh), flyer.number, flyer.printed)
