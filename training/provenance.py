"""Provenance recorded with datasets and training runs."""

from __future__ import annotations

import hashlib
from pathlib import Path


def git_revision() -> str | None:
    """The commit the code ran from (``+dirty`` with uncommitted changes), if in a git tree."""
    import subprocess

    repo = Path(__file__).resolve().parents[1]
    try:
        rev = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return rev + ("+dirty" if dirty else "")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def repo_root() -> Path:
    """The repository this code runs from (the folder holding ``training/``)."""
    return Path(__file__).resolve().parents[1]


def repo_relative(path: str | Path, root: Path | None = None) -> str:
    """``path`` relative to the repository root (POSIX) when inside it or inside the
    ``../shared`` folder a clone sits next to, else absolute, so a record made on one
    machine names the same file on a fresh clone of another (and a clone in /tmp does not
    record /tmp's other folders as its siblings)."""
    resolved = Path(path).resolve()
    base = (root or repo_root()).resolve()
    if resolved.is_relative_to(base):
        return resolved.relative_to(base).as_posix()
    shared = base.parent / "shared"
    if resolved.is_relative_to(shared) and base.parent != base.parent.parent:
        return f"../{resolved.relative_to(base.parent).as_posix()}"
    return str(resolved)


def from_repo(path: str | Path, root: Path | None = None) -> Path:
    """A recorded path made usable: relative ones are taken from the repository root."""
    p = Path(path)
    return p if p.is_absolute() else (root or repo_root()) / p
