"""The server caps glibc's malloc arenas (flat memory over long runs)."""

from __future__ import annotations

import platform

import pytest

from serve import malloc_arenas
from serve.config.settings import Settings


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_the_arena_cap_is_applied_on_glibc() -> None:
    assert malloc_arenas.limit(Settings().malloc_arenas)
    assert not malloc_arenas.limit(0)  # 0: glibc's own default, nothing done


def test_the_setting_is_bounded() -> None:
    with pytest.raises(ValueError, match="malloc_arenas"):
        Settings(malloc_arenas=-1)
