"""First start: without an admin, the service makes ``admin`` with a random password,
written to ``<data_dir>/admin-password.txt`` (mode 0600). There is never a fixed default
password; ``STREETWATCH_ADMIN_PASSWORD`` may give the first one instead."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from serve.auth.passwords import random_password
from serve.auth.roles import Role
from serve.auth.service import AuthService
from serve.auth.users import UserExistsError, UserRepo
from serve.config.settings import Settings
from serve.store.database import Database, open_database

logger = logging.getLogger(__name__)

FIRST_ADMIN = "admin"
PASSWORD_FILE = "admin-password.txt"


@dataclass(frozen=True, slots=True)
class FirstAdmin:
    """The admin made on first start; ``password_file`` is ``None`` when the password came
    from ``STREETWATCH_ADMIN_PASSWORD``."""

    username: str
    password_file: Path | None


def first_start_note(first: FirstAdmin | None) -> str:
    """What the command line prints after the sign-in URL.

    >>> first_start_note(FirstAdmin("admin", Path("data/admin-password.txt")))
    '  (first start: user admin, password in data/admin-password.txt)'
    """
    if first is None:
        return ""
    if first.password_file is None:
        return f"  (first start: user {first.username}, password from STREETWATCH_ADMIN_PASSWORD)"
    return f"  (first start: user {first.username}, password in {first.password_file})"


def start_auth(db: Database, settings: Settings) -> AuthService:
    """The app's :class:`AuthService`, after making the first admin if there is none."""
    auth = AuthService(db, settings)
    ensure_first_admin(auth.users, settings)
    return auth


def first_start(settings: Settings, login_url: str | None = None) -> FirstAdmin | None:
    """Open the database, make the first admin if needed, close it (for the command line,
    which prints how to sign in before the service starts)."""
    db = open_database(settings.database)
    try:
        return ensure_first_admin(AuthService(db, settings).users, settings, login_url)
    finally:
        db.dispose()


def ensure_first_admin(
    users: UserRepo, settings: Settings, login_url: str | None = None
) -> FirstAdmin | None:
    """Create ``admin`` when there is no enabled admin (a first start, or only accounts
    added from the command line so far); ``None`` when there is one."""
    if users.has_admin():
        return None
    given = settings.admin_password
    password = given.get_secret_value() if given is not None else random_password()
    try:
        users.create(FIRST_ADMIN, password, Role.admin)
    except UserExistsError:
        if users.has_admin():  # another process starting on the same database won the race
            return None
        raise UserExistsError(
            f"there is no enabled admin and the name {FIRST_ADMIN!r} is taken by another role: "
            "make an admin with `streetwatch users role NAME admin`"
        ) from None
    login = login_url or f"{settings.public_url.rstrip('/')}/login"
    if given is not None:
        logger.warning(
            "first start: created user %r (admin) with the password from "
            "STREETWATCH_ADMIN_PASSWORD; sign in at %s",
            FIRST_ADMIN,
            login,
        )
        return FirstAdmin(FIRST_ADMIN, None)
    path = (settings.data_dir / PASSWORD_FILE).resolve()
    write_secret(path, password + "\n")
    logger.warning(
        "first start: created user %r (admin) with a random password, saved in %s (readable "
        "only by this account); sign in at %s, then change it and delete the file",
        FIRST_ADMIN,
        path,
        login,
    )
    return FirstAdmin(FIRST_ADMIN, path)


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable and writable by the owner only (0600), atomically
    (a temp file created 0600, then renamed over)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        temp.chmod(0o600)  # a umask only ever removes bits; this states the intent
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
