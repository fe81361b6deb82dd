from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from serve.evidence import fonts

NO_CJK_REASON = (
    "no font with Chinese glyphs on this machine "
    "(apt-get install fonts-noto-cjk, or pip install pylopdf-fonts-zh-cn)"
)


@pytest.fixture(autouse=True)
def fresh_font_search() -> Iterator[None]:
    """Each test searches for fonts anew (the search is cached per process)."""
    fonts.find_cjk_font.cache_clear()
    yield
    fonts.find_cjk_font.cache_clear()


@pytest.fixture
def cjk_font() -> Path:
    """The CJK font this machine has; the test is skipped, saying why, where there is none."""
    path = fonts.find_cjk_font()
    if path is None:
        pytest.skip(NO_CJK_REASON)
    return path


@pytest.fixture
def no_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with no CJK font at all."""
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
