from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from serve.evidence.files import TEMP_PREFIX, EvidenceFiles, StoredFile

REPO = Path(__file__).resolve().parents[3]
DATA = b"\xff\xd8\xff jpeg bytes of a parked car"


@pytest.fixture
def files(tmp_path: Path) -> EvidenceFiles:
    return EvidenceFiles(tmp_path / "evidence")


def temp_files(root: Path) -> list[Path]:
    return sorted(root.glob(f"*/{TEMP_PREFIX}*"))


def test_write_is_content_addressed(files: EvidenceFiles) -> None:
    stored = files.write("case-0001", "frame", DATA)
    digest = hashlib.sha256(DATA).hexdigest()
    assert stored == StoredFile(f"case-0001/frame-{digest[:16]}.jpg", digest, len(DATA))
    assert files.path(stored.relpath) == files.root.resolve() / "case-0001" / stored.relpath[10:]
    assert files.path(stored.relpath).read_bytes() == DATA


def test_same_content_twice_is_a_no_op(files: EvidenceFiles) -> None:
    first = files.write("case-1", "crop", DATA, suffix=".png")
    before = files.path(first.relpath).stat()
    time.sleep(0.01)
    assert files.write("case-1", "crop", DATA, suffix=".png") == first
    after = files.path(first.relpath).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in (files.root / "case-1").iterdir()) == [Path(first.relpath).name]


@pytest.mark.parametrize(
    ("case_key", "kind", "data"),
    [("case-1", "frame", DATA + b"!"), ("case-1", "crop", DATA), ("case-2", "frame", DATA)],
    ids=["other-bytes", "other-kind", "other-case"],
)
def test_anything_different_is_another_file(
    files: EvidenceFiles, case_key: str, kind: str, data: bytes
) -> None:
    first = files.write("case-1", "frame", DATA)
    other = files.write(case_key, kind, data)
    assert other.relpath != first.relpath
    assert files.path(first.relpath).read_bytes() == DATA


def test_a_corrupt_file_under_the_name_is_rewritten(files: EvidenceFiles) -> None:
    stored = files.write("case-1", "frame", DATA)
    files.path(stored.relpath).write_bytes(b"garbage")
    assert files.write("case-1", "frame", DATA) == stored
    assert files.verify(stored.relpath, stored.sha256)


def test_failed_replace_leaves_neither_file_nor_temp(
    files: EvidenceFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[Path] = []

    def fail(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        written.append(Path(src))
        assert Path(src).read_bytes() == DATA  # the temp file was complete
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        files.write("case-1", "frame", DATA)
    digest = hashlib.sha256(DATA).hexdigest()
    assert not (files.root / "case-1" / f"frame-{digest[:16]}.jpg").exists()
    assert written and not written[0].exists()
    assert temp_files(files.root) == []


def test_crash_mid_write_leaves_only_a_temp_that_sweep_removes(files: EvidenceFiles) -> None:
    # a real crash: the process dies between writing the temp file and renaming it
    code = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from serve.evidence.files import EvidenceFiles
        os.replace = lambda src, dst: os._exit(9)
        EvidenceFiles(Path({str(files.root)!r})).write("case-1", "frame", {DATA!r})
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=60, check=False)
    assert proc.returncode == 9
    left = temp_files(files.root)
    assert len(left) == 1 and left[0].read_bytes() == DATA
    assert [p for p in (files.root / "case-1").iterdir() if p not in left] == []

    assert files.sweep_temp() == 0  # a temp file this young may be a write in progress
    old = time.time() - 3600
    os.utime(left[0], (old, old))
    assert files.sweep_temp() == 1
    assert temp_files(files.root) == []
    stored = files.write("case-1", "frame", DATA)  # and the write works after restart
    assert files.verify(stored.relpath, stored.sha256)


def test_sweep_on_a_missing_root_is_fine(tmp_path: Path) -> None:
    assert EvidenceFiles(tmp_path / "nowhere").sweep_temp() == 0


@pytest.mark.parametrize(
    "relpath",
    [
        "../outside.jpg",
        "case-1/../../outside.jpg",
        "/etc/passwd",
        "case-1/sub/frame.jpg",
        "case-1\\frame.jpg",
        "case-1",
        "",
        "./frame.jpg",
        "case-1/..",
        "case-1/.hidden.jpg",
        "..",
    ],
)
def test_path_refuses_escapes(files: EvidenceFiles, relpath: str) -> None:
    with pytest.raises(ValueError, match=r"relpath|case_key|file name"):
        files.path(relpath)


def test_path_refuses_symlinks_out_of_root(files: EvidenceFiles, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.jpg").write_bytes(b"secret")
    files.root.mkdir()
    (files.root / "case-link").symlink_to(outside, target_is_directory=True)
    (files.root / "case-1").mkdir()
    (files.root / "case-1" / "frame-link.jpg").symlink_to(outside / "secret.jpg")

    for relpath in ("case-link/secret.jpg", "case-1/frame-link.jpg"):
        with pytest.raises(ValueError, match="outside the evidence root"):
            files.path(relpath)
    with pytest.raises(ValueError, match="outside the evidence root"):
        files.write("case-link", "frame", DATA)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.jpg"]


@pytest.mark.parametrize(
    ("case_key", "kind", "suffix"),
    [
        ("", "frame", ".jpg"),
        ("../x", "frame", ".jpg"),
        ("a/b", "frame", ".jpg"),
        (".hidden", "frame", ".jpg"),
        ("case 1", "frame", ".jpg"),
        ("违停", "frame", ".jpg"),
        ("x" * 101, "frame", ".jpg"),
        ("case-1", "fr/ame", ".jpg"),
        ("case-1", "..", ".jpg"),
        ("case-1", "frame", "jpg"),
        ("case-1", "frame", ".tar.gz"),
        ("case-1", "frame", "./x"),
    ],
)
def test_write_validates_names(files: EvidenceFiles, case_key: str, kind: str, suffix: str) -> None:
    with pytest.raises(ValueError, match=r"case_key|kind|suffix"):
        files.write(case_key, kind, DATA, suffix=suffix)
    assert not files.root.exists() or not any(files.root.iterdir())


def test_write_refuses_empty_data(files: EvidenceFiles) -> None:
    with pytest.raises(ValueError, match="empty"):
        files.write("case-1", "frame", b"")


def test_verify_detects_corruption(files: EvidenceFiles) -> None:
    stored = files.write("case-1", "frame", DATA)
    assert files.verify(stored.relpath, stored.sha256)
    assert files.verify(stored.relpath, stored.sha256.upper())
    path = files.path(stored.relpath)
    flipped = bytearray(path.read_bytes())
    flipped[5] ^= 0x01
    path.write_bytes(bytes(flipped))
    assert not files.verify(stored.relpath, stored.sha256)


def test_read_verified_gives_the_bytes_once_or_none(files: EvidenceFiles) -> None:
    stored = files.write("case-1", "frame", DATA)
    assert files.read_verified(stored.relpath, stored.sha256) == DATA
    path = files.path(stored.relpath)
    path.write_bytes(DATA[:-1] + bytes([DATA[-1] ^ 0x01]))
    assert files.read_verified(stored.relpath, stored.sha256) is None
    assert files.read_verified("case-1/frame-0123456789abcdef.jpg", "0" * 64) is None
    with pytest.raises(ValueError, match="64 hexadecimal"):
        files.read_verified(stored.relpath, "abc")


def test_verify_of_a_missing_file_is_false(files: EvidenceFiles) -> None:
    assert not files.verify("case-1/frame-0123456789abcdef.jpg", "0" * 64)


@pytest.mark.parametrize("sha256", ["", "abc", "g" * 64, "0" * 63])
def test_verify_refuses_malformed_digest(files: EvidenceFiles, sha256: str) -> None:
    with pytest.raises(ValueError, match="64 hexadecimal"):
        files.verify("case-1/frame-0123456789abcdef.jpg", sha256)


def test_remove(files: EvidenceFiles) -> None:
    stored = files.write("case-1", "frame", DATA)
    files.remove(stored.relpath)
    assert not files.path(stored.relpath).exists()
    files.remove(stored.relpath)  # already gone: fine
    with pytest.raises(ValueError):
        files.remove("../case-1/x.jpg")
