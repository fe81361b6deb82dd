"""The user accounts: creating, changing and signing in."""

from __future__ import annotations

import builtins
import logging
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from serve.auth.orm import SessionRow, UserRow
from serve.auth.passwords import Passwords, check_password_policy
from serve.auth.records import User, normalize_username
from serve.auth.roles import Role, parse_role
from serve.store.database import Database

logger = logging.getLogger(__name__)


class UserExistsError(ValueError):
    """A user of that name exists already."""


class UnknownUserError(KeyError):
    """No user of that name."""

    def __str__(self) -> str:
        return f"no user named {self.args[0]!r}"


class LastAdminError(ValueError):
    """The change would leave no enabled admin."""


class UserRepo:
    """User accounts in ``db``; names are compared in lower case."""

    def __init__(self, db: Database, passwords: Passwords) -> None:
        self._db = db
        self._passwords = passwords

    def has_admin(self) -> bool:
        """Whether any enabled admin exists."""
        with self._db.session(write=False) as session:
            found = session.scalar(
                select(UserRow.id).where(UserRow.role == Role.admin.value, ~UserRow.disabled)
            )
            return found is not None

    def list(self) -> builtins.list[User]:
        with self._db.session(write=False) as session:
            return [
                user_record(r) for r in session.scalars(select(UserRow).order_by(UserRow.username))
            ]

    def get(self, username: str) -> User:
        with self._db.session(write=False) as session:
            return user_record(_row(session, username))

    def create(self, username: str, password: str, role: Role | str) -> User:
        """Add a user; the password must meet the policy (at least 8 characters)."""
        name = normalize_username(username)
        role = parse_role(role)
        check_password_policy(password)
        hashed = self._passwords.hash(password)
        now = datetime.now(UTC)
        try:
            with self._db.session() as session:
                if session.scalar(select(UserRow.id).where(UserRow.username == name)):
                    raise UserExistsError(f"user {name!r} exists already")
                row = UserRow(
                    username=name,
                    password_hash=hashed,
                    role=role.value,
                    disabled=False,
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                session.flush()
                user = user_record(row)
        except IntegrityError as e:  # created by another process between the check and here
            raise UserExistsError(f"user {name!r} exists already") from e
        logger.info("created user %s (%s)", name, role.value)
        return user

    def update(
        self,
        username: str,
        *,
        role: Role | str | None = None,
        password: str | None = None,
        disabled: bool | None = None,
    ) -> User:
        """Change a user's role, password or whether they are disabled. A new password or
        disabling signs the user out everywhere; the last enabled admin stays one."""
        new_role = None if role is None else parse_role(role)
        hashed = None
        if password is not None:
            check_password_policy(password)
            hashed = self._passwords.hash(password)
        with self._db.session() as session:
            row = _row(session, username, lock=True)
            demoted = new_role is not None and new_role is not Role.admin
            if row.role == Role.admin and (demoted or disabled) and not row.disabled:
                _keep_an_admin(session, row)
            if new_role is not None:
                row.role = new_role.value
            if disabled is not None:
                row.disabled = disabled
            if hashed is not None:
                row.password_hash = hashed
            row.updated_at = datetime.now(UTC)
            if hashed is not None or disabled:
                session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            session.flush()
            user = user_record(row)
        logger.info(
            "changed user %s:%s%s%s",
            user.username,
            f" role={new_role.value}" if new_role else "",
            " password" if hashed else "",
            f" disabled={disabled}" if disabled is not None else "",
        )
        return user

    def delete(self, username: str) -> None:
        """Remove a user and their sessions; the last enabled admin cannot be removed."""
        with self._db.session() as session:
            row = _row(session, username, lock=True)
            if row.role == Role.admin and not row.disabled:
                _keep_an_admin(session, row)
            session.execute(delete(SessionRow).where(SessionRow.user_id == row.id))
            session.delete(row)
        logger.info("deleted user %s", normalize_username(username))

    def authenticate(self, username: str, password: str) -> User | None:
        """The user if ``password`` is theirs (disabled or not), else ``None``. A hash made
        with older argon2 parameters is replaced on the way."""
        try:
            name = normalize_username(username)
        except ValueError:
            name = None
        row = None
        if name is not None:
            with self._db.session(write=False) as session:
                row = session.scalars(select(UserRow).where(UserRow.username == name)).first()
        if row is None:
            self._passwords.waste_time(password)
            return None
        verified = self._passwords.verify(row.password_hash, password)
        if not verified.ok:
            return None
        if verified.rehashed is not None:
            with self._db.session() as session:
                session.execute(
                    update(UserRow)
                    .where(UserRow.id == row.id, UserRow.password_hash == row.password_hash)
                    .values(password_hash=verified.rehashed)
                )
            logger.info("rehashed the password of %s with current parameters", row.username)
        return user_record(row)


def _row(session: Session, username: str, *, lock: bool = False) -> UserRow:
    try:
        name = normalize_username(username)
    except ValueError as e:
        raise UnknownUserError(username) from e
    query = select(UserRow).where(UserRow.username == name)
    row = session.scalars(query.with_for_update() if lock else query).first()
    if row is None:
        raise UnknownUserError(name)
    return row


def _keep_an_admin(session: Session, leaving: UserRow) -> None:
    others = session.scalar(
        select(func.count())
        .select_from(UserRow)
        .where(UserRow.role == Role.admin.value, ~UserRow.disabled, UserRow.id != leaving.id)
    )
    if not others:
        raise LastAdminError(
            f"{leaving.username!r} is the only enabled admin; make another admin first"
        )


def user_record(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        role=parse_role(row.role),
        disabled=row.disabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
