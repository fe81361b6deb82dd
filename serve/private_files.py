"""Files only the service's own account may read: the database, evidence, the scene.

Evidence photographs people and number plates and the database holds camera URLs, so
what the service creates is 0700 (folders) and 0600 (files), whatever the umask.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> None:
    """Make ``path`` and any missing parents, each new one 0700 (existing ones unchanged)."""
    missing = []
    at = path
    while not at.exists():
        missing.append(at)
        if at.parent == at:
            break
        at = at.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # made meanwhile by another thread
            continue
        folder.chmod(DIR_MODE)  # mkdir's mode is masked by the umask


def private_file(path: Path) -> None:
    """Create ``path`` empty if it does not exist, and make it 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.close(fd)
    path.chmod(FILE_MODE)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be fsynced)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(final: Path, data: bytes, prefix: str = ".tmp-", suffix: str = ".part") -> None:
    """Write ``data`` to ``final`` (0600) so that a reader sees the old file or the new one,
    never part of either: a temp file beside it, fsynced, renamed over it."""
    folder = final.parent
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)  # 0600
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(final)  # os.replace: atomic on POSIX and Windows
    except BaseException:
        # an error we see (disk full, interrupt): leave nothing behind
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(folder)
