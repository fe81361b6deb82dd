"""Start-up's objects are kept out of full garbage collections, and given back."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from serve.heap import freeze_startup, refreeze, thaw
from tests.serve.service import service, write_config


class Part:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    thaw()
    yield
    thaw()


def test_a_frozen_cycle_is_freed_after_a_refreeze() -> None:
    part = Part()
    alive = weakref.ref(part)
    frozen = freeze_startup()
    assert frozen == gc.get_freeze_count() > 0
    del part
    gc.collect()
    assert alive() is not None  # frozen: full collections leave it alone
    assert refreeze() > 0
    assert alive() is None  # garbage now: the refreeze's collection freed it


def test_objects_made_after_the_freeze_are_collected() -> None:
    freeze_startup()
    part = Part()
    alive = weakref.ref(part)
    del part
    gc.collect()
    assert alive() is None


def test_thaw_gives_everything_back() -> None:
    freeze_startup()
    thaw()
    assert gc.get_freeze_count() == 0


def test_the_service_freezes_at_start_and_thaws_at_stop(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cameras.yaml")
    with service(tmp_path / "data", config, gc_freeze=True) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_refreeze_freezes_nothing_where_nothing_was_frozen() -> None:
    assert refreeze() == 0
    assert gc.get_freeze_count() == 0


def test_the_setting_turns_it_off(tmp_path: Path) -> None:
    config = write_config(tmp_path / "cameras.yaml")
    with service(tmp_path / "data", config, gc_freeze=False) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() == 0
