"""Provenance recorded with datasets and training runs."""

from __future__ import annotations

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
