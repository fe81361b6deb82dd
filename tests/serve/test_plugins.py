"""Training's commands and the demo clip reach the service through entry points; a service
installed without them says so instead of failing somewhere else."""

from __future__ import annotations

import argparse
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

import serve.plugins
from serve.demo import DemoClipError, ensure_demo_clip
from serve.plugins import DEMO_CLIP, PluginError, demo_clip_source, register_commands


def subparsers() -> argparse._SubParsersAction[argparse.ArgumentParser]:
    return argparse.ArgumentParser().add_subparsers(dest="command")


def test_the_installed_training_package_adds_its_commands() -> None:
    sub = subparsers()
    assert register_commands(sub) == ["training"]
    assert {"data", "train", "eval", "export", "promote"} <= set(sub.choices)


def test_the_demo_clip_comes_from_training() -> None:
    import training.synth.demo

    assert demo_clip_source() is training.synth.demo


def only(monkeypatch: pytest.MonkeyPatch, *eps: EntryPoint) -> None:
    monkeypatch.setattr(
        serve.plugins, "entry_points", lambda group: [e for e in eps if e.group == group]
    )


def test_no_demo_clip_source_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    only(monkeypatch)
    with pytest.raises(DemoClipError, match=r"no demo clip renderer is installed.*--no-demo"):
        ensure_demo_clip(tmp_path)
    assert not (tmp_path / "demo").exists()


def test_an_entry_point_that_does_not_load_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    only(monkeypatch, EntryPoint("street", "training.synth.no_such_module", DEMO_CLIP))
    with pytest.raises(PluginError, match=r"street = training\.synth\.no_such_module"):
        demo_clip_source()


def test_a_command_entry_point_must_be_callable(monkeypatch: pytest.MonkeyPatch) -> None:
    only(monkeypatch, EntryPoint("odd", "training.synth.demo:DEMO_VERSION", serve.plugins.COMMANDS))
    with pytest.raises(PluginError, match="is not callable"):
        register_commands(subparsers())
