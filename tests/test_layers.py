"""Dependencies point one way: ``serve`` and ``training`` use ``detector``, and ``serve``
never imports ``training`` (not even lazily, inside a function): training adds its commands
and the demo clip through entry points (``serve.plugins``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# package -> packages it must never import
FORBIDDEN = {"detector": {"serve", "training"}, "serve": {"training"}}


def imported_packages(path: Path) -> dict[str, int]:
    """Top-level package of every import in ``path``, with the first line naming it."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            found.setdefault(name.split(".")[0], node.lineno)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_runs_up_the_layers(package: str) -> None:
    files = sorted((REPO / package).rglob("*.py"))
    assert files, f"no Python files under {package}/"
    wrong = [
        f"{path.relative_to(REPO)}:{line} imports {name}"
        for path in files
        for name, line in imported_packages(path).items()
        if name in FORBIDDEN[package]
    ]
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_a_lazy_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from training.cli import register\n    return register\n")
    assert imported_packages(module) == {"training": 2}
