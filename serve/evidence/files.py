"""Evidence files on disk: content-addressed, written atomically, never outside their root.

A file's name carries the start of its SHA-256, so a name is never reused for other bytes and
writing the same evidence twice is a no-op. Writes go to a temp file in the target folder that
is fsynced and then renamed over the final name: after a crash the final name holds either
nothing or the whole file, and ``sweep_temp`` removes the temp files a crash left behind.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from serve.private_files import fsync_dir, private_dir, write_atomic

logger = logging.getLogger(__name__)

# case keys, kinds and file names: no separators, no leading dot, nothing a shell expands
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
KEY_MAX_LEN = 100
FILE_NAME_MAX_LEN = 160  # kind + "-" + 16 hex digits + suffix always fits
SUFFIX_PATTERN = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
SHA256_PATTERN = re.compile(r"^[0-9a-f]{64}$")
TEMP_PREFIX = ".tmp-"
TEMP_SUFFIX = ".part"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    """Where a file went (posix path relative to the root) and what it holds."""

    relpath: str
    sha256: str
    size: int


def _check_name(value: str, what: str, max_len: int = KEY_MAX_LEN) -> str:
    valid = (
        isinstance(value, str)
        and 0 < len(value) <= max_len
        and NAME_PATTERN.fullmatch(value) is not None
        and ".." not in value
    )
    if not valid:
        raise ValueError(
            f"{what} must be 1-{max_len} letters, digits, '_', '-' or '.', starting with a "
            f"letter or digit and without '..', got {value!r}"
        )
    return value


def _sha256_of(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _check_sha256(sha256: str) -> None:
    if not isinstance(sha256, str) or not SHA256_PATTERN.fullmatch(sha256.lower()):
        raise ValueError(f"sha256 must be 64 hexadecimal characters, got {sha256!r}")


def _matches(relpath: str, actual: str, sha256: str) -> bool:
    if actual == sha256.lower():
        return True
    logger.warning(
        "evidence file %s is corrupt: sha256 %s, expected %s", relpath, actual, sha256.lower()
    )
    return False


class EvidenceFiles:
    """Evidence files under one root folder, as ``<case_key>/<kind>-<sha256[:16]><suffix>``.

    >>> import tempfile
    >>> files = EvidenceFiles(Path(tempfile.mkdtemp()))
    >>> stored = files.write("case-1", "frame", b"jpeg bytes")
    >>> stored.relpath
    'case-1/frame-1b48e21282963dfb.jpg'
    >>> files.verify(stored.relpath, stored.sha256)
    True
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def write(self, case_key: str, kind: str, data: bytes, suffix: str = ".jpg") -> StoredFile:
        """Store ``data`` atomically; the same bytes for the same case and kind is a no-op."""
        _check_name(case_key, "case_key")
        _check_name(kind, "kind")
        if not isinstance(suffix, str) or not SUFFIX_PATTERN.fullmatch(suffix):
            raise ValueError(f"suffix must be '.' and 1-10 letters or digits, got {suffix!r}")
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"data must be bytes, got {type(data).__name__}")
        data = bytes(data)
        if not data:
            raise ValueError(f"refusing to store an empty {kind} file for case {case_key}")

        sha256 = hashlib.sha256(data).hexdigest()
        stored = StoredFile(f"{case_key}/{kind}-{sha256[:16]}{suffix}", sha256, len(data))
        final = self.path(stored.relpath)
        if final.is_file():
            if _sha256_of(final) == (sha256, len(data)):
                return stored
            logger.warning("evidence file %s does not hold its content; rewriting it", final)

        folder = final.parent
        if not folder.is_dir():
            private_dir(folder)
            fsync_dir(folder.parent)
        # a hard crash can leave the temp file, which sweep_temp removes
        write_atomic(final, data, TEMP_PREFIX, TEMP_SUFFIX)
        logger.debug("stored %s (%d bytes)", stored.relpath, stored.size)
        return stored

    def path(self, relpath: str) -> Path:
        """The absolute path of ``relpath`` (``<case_key>/<file name>``); never outside root."""
        if not isinstance(relpath, str):
            raise TypeError(f"relpath must be a str, got {type(relpath).__name__}")
        parts = relpath.split("/")
        if len(parts) != 2 or "\\" in relpath:
            raise ValueError(
                f"relpath must be '<case_key>/<file name>' with '/' separators, got {relpath!r}"
            )
        case_key, name = parts
        _check_name(case_key, "case_key in relpath")
        _check_name(name, "file name in relpath", FILE_NAME_MAX_LEN)
        root = self.root.resolve()
        resolved = (root / case_key / name).resolve()
        # a symlinked case folder or file may point anywhere: judge where it really leads
        if not resolved.is_relative_to(root):
            raise ValueError(f"relpath {relpath!r} leads outside the evidence root {root}")
        return root / case_key / name

    def verify(self, relpath: str, sha256: str) -> bool:
        """Whether the file exists and its bytes hash to ``sha256`` (read in chunks)."""
        _check_sha256(sha256)
        try:
            actual, _size = _sha256_of(self.path(relpath))
        except FileNotFoundError:
            logger.warning("evidence file %s is missing", relpath)
            return False
        return _matches(relpath, actual, sha256)

    def read_verified(self, relpath: str, sha256: str) -> bytes | None:
        """The file's bytes, read once, if they hash to ``sha256``; None (logged) if the file
        is missing or corrupt. For files used whole (attachments, thumbnails)."""
        _check_sha256(sha256)
        try:
            data = self.path(relpath).read_bytes()
        except FileNotFoundError:
            logger.warning("evidence file %s is missing", relpath)
            return None
        return data if _matches(relpath, hashlib.sha256(data).hexdigest(), sha256) else None

    def remove(self, relpath: str) -> None:
        """Delete a file; one that is already gone is fine."""
        path = self.path(relpath)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        fsync_dir(path.parent)

    def sweep_temp(self, older_than_s: float = 60.0) -> int:
        """Remove temp files a crash left (call at start-up); returns how many were removed.

        Only those older than ``older_than_s``: a write takes milliseconds, and a younger temp
        file may belong to another worker writing right now.
        """
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        removed = 0
        for folder in self.root.iterdir():
            if folder.is_symlink() or not folder.is_dir():
                continue
            for entry in folder.iterdir():
                if not (entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX)):
                    continue
                if entry.is_symlink() or not entry.is_file():
                    continue
                try:
                    if entry.stat().st_mtime > cutoff:
                        continue
                    entry.unlink()
                except FileNotFoundError:  # its writer finished or another sweep got it
                    continue
                removed += 1
                logger.info("removed stale temp file %s", entry)
        return removed
