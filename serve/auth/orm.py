"""Tables for accounts and access, on the store's declarative ``Base``.

Migration ``0003_accounts`` creates them; ``serve/store/migrations/env.py`` imports this
module so that autogenerate sees them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from serve.store.orm import Base


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # argon2id PHC string: $argon2id$v=19$m=...,t=...,p=...$salt$hash
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SessionRow(Base):
    __tablename__ = "sessions"

    # SHA-256 hex of the cookie's token; the token itself is never stored
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # slides forward while the session is used
    expires_at: Mapped[datetime]


class CameraKeyRow(Base):
    __tablename__ = "camera_keys"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    # a key dies with its camera: a camera added again under the same id needs a new key
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id", ondelete="CASCADE"), index=True)
    # SHA-256 hex of the key; the key itself is shown once, when it is made
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
