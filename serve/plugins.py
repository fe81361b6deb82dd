"""What other installed packages add to the service, found through their entry points.

The service never imports ``training``: the training package declares in
``pyproject.toml`` the commands it adds to ``streetwatch`` (group ``streetwatch.commands``,
a function taking the sub-command parsers) and the module that renders the demo clip
(group ``streetwatch.demo_clip``, see :class:`serve.demo.DemoClipSource`). A service
installed without them runs; it just has fewer commands and no demo camera.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any

logger = logging.getLogger(__name__)

COMMANDS = "streetwatch.commands"
DEMO_CLIP = "streetwatch.demo_clip"

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


class PluginError(RuntimeError):
    """An installed package's entry point is missing or does not load."""


def register_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> list[str]:
    """Let every installed package add its commands; returns the entry points' names."""
    names = []
    for ep in _sorted(COMMANDS):
        registrar = _load(ep)
        if not callable(registrar):
            raise PluginError(f"entry point {ep.name} = {ep.value} ({COMMANDS}) is not callable")
        registrar(sub)
        names.append(ep.name)
    return names


def demo_clip_source() -> Any:
    """The module that renders the demo clip (the first one installed, by name)."""
    found = _sorted(DEMO_CLIP)
    if not found:
        raise PluginError(
            f"no demo clip renderer is installed (entry point group {DEMO_CLIP}); "
            "install streetwatch with its training package, or start with --no-demo"
        )
    return _load(found[0])


def _sorted(group: str) -> list[EntryPoint]:
    return sorted(entry_points(group=group), key=lambda ep: ep.name)


def _load(ep: EntryPoint) -> Any:
    try:
        return ep.load()
    except (ImportError, AttributeError) as e:
        raise PluginError(
            f"entry point {ep.name} = {ep.value} ({ep.group}) does not load: {e}"
        ) from e
