"""Server-side sign-in sessions: the cookie holds a random token, the table its digest."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, select, update

from serve.auth.orm import SessionRow, UserRow
from serve.auth.records import User
from serve.auth.tokens import digest, new_token
from serve.auth.users import user_record
from serve.store.database import Database

logger = logging.getLogger(__name__)

# however active, a session ends after this; then the user signs in again
MAX_AGE = timedelta(days=7)
# a session's expiry is pushed forward at most this often, not on every request
SLIDE_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedIn:
    """A live session: its user, and the CSRF token that unsafe requests must carry."""

    user: User
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str
    csrf_token: str


class SessionRepo:
    """Sessions that expire after ``idle`` without use (sliding), and after ``MAX_AGE``."""

    def __init__(self, db: Database, idle: timedelta) -> None:
        if idle <= timedelta(0):
            raise ValueError(f"session idle timeout must be positive, got {idle}")
        self._db = db
        self._idle = idle

    def create(self, user: User) -> NewSession:
        """Open a session for ``user``; the token goes in the cookie and nowhere else."""
        token, csrf = new_token(), new_token()
        now = datetime.now(UTC)
        with self._db.session() as session:
            # sign-ins are rare, so they also sweep the table
            session.execute(delete(SessionRow).where(SessionRow.expires_at < now))
            session.add(
                SessionRow(
                    id=digest(token),
                    user_id=user.id,
                    csrf_token=csrf,
                    created_at=now,
                    expires_at=min(now + self._idle, now + MAX_AGE),
                )
            )
        return NewSession(token=token, csrf_token=csrf)

    def lookup(self, token: str) -> SignedIn | None:
        """The session for a cookie's token, or ``None`` when it is unknown, expired or its
        user is disabled. Using a session pushes its expiry forward."""
        key = digest(token)
        now = datetime.now(UTC)
        with self._db.session(write=False) as session:
            found = session.execute(
                select(SessionRow, UserRow)
                .join(UserRow, UserRow.id == SessionRow.user_id)
                .where(SessionRow.id == key)
            ).first()
        if found is None:
            return None
        row, user_row = found
        cap = row.created_at + MAX_AGE
        if min(row.expires_at, cap) <= now or user_row.disabled:
            return None
        expires = min(now + self._idle, cap)
        if expires - row.expires_at >= SLIDE_EVERY:
            with self._db.session() as session:
                session.execute(
                    update(SessionRow).where(SessionRow.id == key).values(expires_at=expires)
                )
        else:
            expires = min(row.expires_at, cap)
        return SignedIn(user=user_record(user_row), csrf_token=row.csrf_token, expires_at=expires)

    def delete(self, token: str) -> bool:
        """End a session (sign out); False when there was none."""
        with self._db.session() as session:
            result = session.execute(delete(SessionRow).where(SessionRow.id == digest(token)))
        return bool(_rowcount(result))

    def delete_for(self, user: User, *, keep: str | None = None) -> int:
        """End all of ``user``'s sessions but the one with token ``keep``."""
        query = delete(SessionRow).where(SessionRow.user_id == user.id)
        if keep is not None:
            query = query.where(SessionRow.id != digest(keep))
        with self._db.session() as session:
            result = session.execute(query)
        return _rowcount(result)


def _rowcount(result: Result[Any]) -> int:
    # a DELETE's result is a CursorResult, which counts the rows it touched
    return int(cast(CursorResult[Any], result).rowcount)
