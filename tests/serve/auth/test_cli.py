"""``streetwatch users``: accounts from the command line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from serve.cli import main


def users(
    tmp_path: Path, *args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch
) -> int:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["users", args[0], "--data-dir", str(tmp_path / "data"), *args[1:]])


def test_add_list_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mp = monkeypatch
    assert users(tmp_path, "add", "Alice", "--role", "reviewer", "--password-stdin",
                 stdin="correct horse\n", monkeypatch=mp) == 0  # fmt: skip
    assert "added alice (reviewer)" in capsys.readouterr().out
    assert users(tmp_path, "role", "alice", "engineer", monkeypatch=mp) == 0
    assert users(tmp_path, "disable", "alice", monkeypatch=mp) == 0
    assert "alice: engineer, disabled" in capsys.readouterr().out
    assert users(tmp_path, "list", monkeypatch=mp) == 0
    out = capsys.readouterr().out
    assert "alice" in out and "engineer" in out and "disabled" in out
    assert users(tmp_path, "enable", "alice", monkeypatch=mp) == 0
    assert users(tmp_path, "passwd", "alice", "--password-stdin",
                 stdin="another horse\n", monkeypatch=mp) == 0  # fmt: skip
    assert "alice: engineer, active" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["add", "bob", "--role", "reviewer", "--password-stdin"], "short\n", "at least 8"),
        (["add", "bob", "--role", "reviewer", "--password-stdin"], "", "no password on stdin"),
        (["add", "bob", "--role", "reviewer"], "", "pass --password-stdin"),
        (["disable", "nobody"], None, "no user named 'nobody'"),
        (["passwd", "nobody", "--password-stdin"], "correct horse\n", "no user named"),
    ],
)
def test_errors_exit_2_and_say_why(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    stdin: str | None,
    message: str,
) -> None:
    assert users(tmp_path, *args, stdin=stdin, monkeypatch=monkeypatch) == 2
    assert message in capsys.readouterr().err


def test_the_last_admin_cannot_be_disabled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert users(tmp_path, "add", "root", "--role", "admin", "--password-stdin",
                 stdin="correct horse\n", monkeypatch=monkeypatch) == 0  # fmt: skip
    assert users(tmp_path, "disable", "root", monkeypatch=monkeypatch) == 2
    assert "only enabled admin" in capsys.readouterr().err
