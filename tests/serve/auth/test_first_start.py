"""First start: an admin with a random password in a 0600 file, never a fixed one."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from serve.auth.bootstrap import (
    PASSWORD_FILE,
    ensure_first_admin,
    first_start,
    first_start_note,
)
from serve.auth.passwords import Passwords
from serve.auth.roles import Role
from serve.auth.users import UserExistsError, UserRepo
from serve.config.settings import Settings
from serve.store import Database


def settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", **overrides)  # type: ignore[arg-type]


def test_first_start_makes_an_admin_with_a_random_password_in_a_private_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    s = settings(tmp_path)
    with caplog.at_level(logging.WARNING, logger="serve.auth.bootstrap"):
        first = first_start(s, "http://127.0.0.1:8123/login")
    assert first is not None and first.username == "admin"
    path = s.data_dir / PASSWORD_FILE
    assert first.password_file == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = path.read_text().strip()
    assert len(password) >= 24
    message = caplog.text
    assert "http://127.0.0.1:8123/login" in message and str(path.resolve()) in message
    assert password not in message
    assert "password in" in first_start_note(first)
    # again: nothing to do, the file is left alone
    assert first_start(s) is None
    assert path.read_text().strip() == password


def test_the_password_works_and_differs_every_time(tmp_path: Path, db: Database) -> None:
    users = UserRepo(db, Passwords())
    first = ensure_first_admin(users, settings(tmp_path / "a"))
    assert first is not None and first.password_file is not None
    password = first.password_file.read_text().strip()
    admin = users.authenticate("admin", password)
    assert admin is not None and admin.role is Role.admin
    other = first_start(settings(tmp_path / "b"))
    assert other is not None and other.password_file is not None
    assert other.password_file.read_text().strip() != password


def test_a_password_from_the_environment_writes_no_file(
    tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STREETWATCH_ADMIN_PASSWORD", "chosen by the operator")
    s = Settings(data_dir=tmp_path / "data")
    users = UserRepo(db, Passwords())
    first = ensure_first_admin(users, s)
    assert first is not None and first.password_file is None
    assert "STREETWATCH_ADMIN_PASSWORD" in first_start_note(first)
    assert not (s.data_dir / PASSWORD_FILE).exists()
    assert users.authenticate("admin", "chosen by the operator") is not None


def test_a_weak_password_from_the_environment_is_refused(tmp_path: Path, db: Database) -> None:
    users = UserRepo(db, Passwords())
    with pytest.raises(ValueError, match="at least 8 characters"):
        ensure_first_admin(users, settings(tmp_path, admin_password="admin"))


def test_accounts_made_before_the_first_start_still_get_an_admin(
    tmp_path: Path, db: Database
) -> None:
    users = UserRepo(db, Passwords())
    users.create("alice", "correct horse", "reviewer")
    first = ensure_first_admin(users, settings(tmp_path))
    assert first is not None and users.has_admin()
    assert ensure_first_admin(users, settings(tmp_path)) is None


def test_admin_taken_by_another_role_is_a_clear_error(tmp_path: Path, db: Database) -> None:
    users = UserRepo(db, Passwords())
    users.create("admin", "correct horse", "reviewer")
    with pytest.raises(UserExistsError, match="streetwatch users role NAME admin"):
        ensure_first_admin(users, settings(tmp_path))
