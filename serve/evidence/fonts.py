"""Find a font that really draws Chinese, so evidence labels read 违停 and not a row of boxes.

Search order: ``$STREETWATCH_FONT``; a font package on the Python path (one that pip can add
on a machine without system fonts); fontconfig; well-known install paths on Debian, Fedora,
Arch, macOS and Windows. Every candidate is checked by drawing Chinese with it, because
fontconfig answers "the best match", which on a machine without CJK fonts is DejaVu Sans.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from PIL import ImageFont

logger = logging.getLogger(__name__)

ENV_VAR = "STREETWATCH_FONT"
INSTALL_HINT = (
    "pip install pylopdf-fonts-zh-cn (Noto Sans SC), or apt-get install fonts-noto-cjk, "
    f"or set {ENV_VAR}=/path/to/a/chinese/font.ttf"
)

# (importable package, font file inside it): pip-installable Noto fonts, SIL OFL 1.1
FONT_PACKAGES: tuple[tuple[str, str], ...] = (
    ("pylopdf_fonts_zh_cn", "NotoSansSC-Regular.otf"),
    ("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc"),
)

# fontconfig wants a region for Chinese: ":lang=zh" alone matches nothing better than DejaVu
FC_PATTERNS = (":lang=zh-cn", ":lang=zh")

KNOWN_PATHS: tuple[str, ...] = (
    # Debian / Ubuntu fonts-noto-cjk
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    # Fedora, Arch
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    # WenQuanYi, Droid
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    # macOS
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
)
WINDOWS_FONTS = ("msyh.ttc", "msyh.ttf", "simhei.ttf")

# Simplified forms from the labels: a Japanese or Traditional-only font lacks some of them
_PROBE = "违停贴垃圾画"
# a plane-16 private-use code point: no font maps it, so it draws the font's .notdef glyph
_UNMAPPED = "\U0010fffd"
_PROBE_SIZE = 32
# in a collection, the face with Simplified Chinese glyph forms (Noto: "... CJK SC")
_SC_MARKERS = (" SC", "Simplified", " GB", " CN", "Hans")


class FontError(RuntimeError):
    """Pillow cannot render text at all (built without FreeType)."""


def covers_cjk(path: Path) -> bool:
    """Whether the font file draws real glyphs for Chinese (not .notdef boxes, not blanks)."""
    try:
        font = ImageFont.truetype(str(path), _PROBE_SIZE, index=face_index(path))
    except OSError as exc:
        logger.debug("cannot open font %s: %s", path, exc)
        return False
    notdef = _glyph(font, _UNMAPPED)
    glyphs = [_glyph(font, ch) for ch in _PROBE]
    drawn = all(g[1].strip(b"\x00") and g != notdef for g in glyphs)
    return drawn and len(set(glyphs)) == len(glyphs)


def _glyph(font: ImageFont.FreeTypeFont, text: str) -> tuple[tuple[int, int], bytes]:
    mask = font.getmask(text)
    return mask.size, bytes(mask)


@functools.cache
def face_index(path: Path) -> int:
    """The face of a .ttc/.otc collection with Simplified Chinese forms; 0 for single fonts."""
    if path.suffix.lower() not in {".ttc", ".otc"}:
        return 0
    for index in range(32):
        try:
            family, _style = ImageFont.truetype(str(path), 12, index=index).getname()
        except OSError:
            break
        if family and "Mono" not in family and any(m in family for m in _SC_MARKERS):
            return index
    return 0


def _env_candidates() -> Iterator[tuple[str, Path]]:
    value = os.environ.get(ENV_VAR)
    if value:
        yield f"${ENV_VAR}", Path(value).expanduser()


def _package_candidates() -> Iterator[tuple[str, Path]]:
    for package, filename in FONT_PACKAGES:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        # the package's folder, found without importing (running) the package
        for folder in (spec.submodule_search_locations or []) if spec else []:
            yield f"package {package}", Path(folder) / filename


def _fontconfig_candidates() -> Iterator[tuple[str, Path]]:
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return
    for pattern in FC_PATTERNS:
        try:
            proc = subprocess.run(
                [fc_match, "-f", "%{file}", pattern],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            logger.debug("fc-match %s failed: %s", pattern, exc)
            continue
        if proc.returncode == 0 and proc.stdout.strip():
            yield f"fontconfig {pattern}", Path(proc.stdout.strip())


def _known_candidates() -> Iterator[tuple[str, Path]]:
    for path in KNOWN_PATHS:
        yield "known path", Path(path)
    windir = os.environ.get("WINDIR")
    if windir:
        for name in WINDOWS_FONTS:
            yield "Windows fonts", Path(windir) / "Fonts" / name


@functools.cache
def find_cjk_font() -> Path | None:
    """The first font file that draws Chinese, or None (with one warning) if there is none.

    The answer is cached for the life of the process; ``find_cjk_font.cache_clear()``
    searches again.
    """
    sources = (_env_candidates, _package_candidates, _fontconfig_candidates, _known_candidates)
    for source in sources:
        for origin, path in source():
            if not path.is_file():
                if origin.startswith("$"):
                    logger.warning("%s=%s is not a font file; searching elsewhere", ENV_VAR, path)
                continue
            if covers_cjk(path):
                logger.info("CJK font for evidence labels (%s): %s", origin, path)
                return path
            level = logging.WARNING if origin.startswith("$") else logging.DEBUG
            logger.log(level, "%s font %s has no Chinese glyphs; skipped", origin, path)
    logger.warning(
        "no font with Chinese glyphs found: evidence images get English labels. Install one: %s",
        INSTALL_HINT,
    )
    return None


def load_font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font at ``size`` pixels; Pillow's built-in Latin font if no CJK font exists.

    Callers that must know which they got ask ``find_cjk_font() is not None``.
    """
    if size < 1:
        raise ValueError(f"font size must be a positive number of pixels, got {size}")
    path = find_cjk_font()
    if path is None:
        return _latin_font(size)
    return _open_font(path, size)


@functools.lru_cache(maxsize=64)
def _open_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=face_index(path))


def latin_safe(text: str) -> str:
    """``text`` with each run of characters the built-in Latin font lacks replaced by one '?'.

    >>> latin_safe("cam-12 人民路 08:15")
    'cam-12 ? 08:15'
    """
    out: list[str] = []
    for ch in text:
        if _latin_has(ch):
            out.append(ch)
        elif not out or out[-1] != "?":
            out.append("?")
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def _latin_has(ch: str) -> bool:
    if ch.isspace() or ch.isascii():
        return ch.isprintable() or ch == " "
    font = _latin_font(_PROBE_SIZE)
    glyph = _glyph(font, ch)
    return bool(glyph[1].strip(b"\x00")) and glyph != _glyph(font, _UNMAPPED)


@functools.lru_cache(maxsize=64)
def _latin_font(size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise FontError("Pillow was built without FreeType: it cannot draw scalable text")
    return font
