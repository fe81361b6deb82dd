from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import ImageFont

from serve.evidence import fonts

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _nothing() -> Iterator[tuple[str, Path]]:
    return iter(())


@pytest.fixture
def bare_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """No env override, no font package, no fontconfig answer, no known path."""
    monkeypatch.delenv(fonts.ENV_VAR, raising=False)
    for source in ("_package_candidates", "_fontconfig_candidates", "_known_candidates"):
        monkeypatch.setattr(fonts, source, _nothing)


def test_this_machine_has_a_cjk_font(cjk_font: Path) -> None:
    assert fonts.covers_cjk(cjk_font)
    assert fonts.load_font(24).getbbox("违停")[2] > 0


@pytest.mark.parametrize("kind", ["missing", "not-a-font", "latin-only"])
def test_covers_cjk_refuses(kind: str, tmp_path: Path) -> None:
    path = tmp_path / f"{kind}.ttf"
    if kind == "not-a-font":
        path.write_bytes(b"not a font at all")
    elif kind == "latin-only":  # DejaVu draws .notdef boxes for Chinese
        if not DEJAVU.is_file():
            pytest.skip("DejaVu Sans not installed")
        path = DEJAVU
    assert fonts.covers_cjk(path) is False


def test_collection_face_is_simplified_chinese(cjk_font: Path) -> None:
    if cjk_font.suffix.lower() not in {".ttc", ".otc"}:
        pytest.skip(f"{cjk_font.name} is a single font, not a collection")
    family, _ = ImageFont.truetype(str(cjk_font), 12, index=fonts.face_index(cjk_font)).getname()
    assert family is not None
    assert " SC" in family or "WenQuanYi" in family or "Droid" in family, family


def test_env_var_wins(cjk_font: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / f"mine{cjk_font.suffix}"
    mine.symlink_to(cjk_font)
    monkeypatch.setenv(fonts.ENV_VAR, str(mine))
    fonts.find_cjk_font.cache_clear()
    assert fonts.find_cjk_font() == mine


@pytest.mark.parametrize("value", ["/no/such/font.ttf", str(DEJAVU)], ids=["missing", "latin"])
def test_bad_env_var_warns_and_searches_on(
    value: str, cjk_font: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if value == str(DEJAVU) and not DEJAVU.is_file():
        pytest.skip("DejaVu Sans not installed")
    fonts.find_cjk_font.cache_clear()
    monkeypatch.setenv(fonts.ENV_VAR, value)
    with caplog.at_level(logging.WARNING, logger=fonts.__name__):
        found = fonts.find_cjk_font()
    assert found is not None and found != Path(value)
    assert any(fonts.ENV_VAR in r.getMessage() for r in caplog.records)


def test_font_package_is_found(
    cjk_font: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package, filename = fonts.FONT_PACKAGES[0]
    folder = tmp_path / package
    folder.mkdir()
    (folder / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
    (folder / filename).symlink_to(cjk_font)
    monkeypatch.delenv(fonts.ENV_VAR, raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    fonts.find_cjk_font.cache_clear()
    assert fonts.find_cjk_font() == folder / filename


def test_no_cjk_font_warns_once_with_install_hint(
    bare_machine: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=fonts.__name__):
        assert fonts.find_cjk_font() is None
        assert fonts.find_cjk_font() is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "pip install pylopdf-fonts-zh-cn" in warnings[0]
    assert "English" in warnings[0]


def test_load_font_falls_back_to_latin(bare_machine: None) -> None:
    font = fonts.load_font(20)
    assert isinstance(font, ImageFont.FreeTypeFont)
    assert font.getbbox("illegal parking")[2] > 0


@pytest.mark.parametrize("size", [0, -3])
def test_load_font_refuses_bad_size(size: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        fonts.load_font(size)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cam-12 08:15:02 +08:00", "cam-12 08:15:02 +08:00"),
        ("人民路 88 号", "? 88 ?"),
        ("禁停区A（东侧）", "?A?"),
        ("", ""),
    ],
)
def test_latin_safe(text: str, expected: str) -> None:
    assert fonts.latin_safe(text) == expected
