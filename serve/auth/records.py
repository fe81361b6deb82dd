"""Plain, frozen records for accounts and access (never ORM objects)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from serve.auth.roles import Role

# letters (any script, so 张伟 works), digits and . _ - @; compared in lower case
_USERNAME = re.compile(r"^[\w.@-]{1,64}$")


def normalize_username(name: str) -> str:
    """The stored form of a user name.

    >>> normalize_username("Zhang.Wei")
    'zhang.wei'
    """
    if not _USERNAME.match(name):
        raise ValueError(
            f"user name must be 1 to 64 letters, digits or . _ - @ (no spaces), got {name!r}"
        )
    return name.lower()


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    id: int
    username: str
    role: Role
    disabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CameraKey:
    """A camera's API key as listed: never the key itself, only its first characters."""

    id: int
    camera_id: str
    prefix: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


Via = Literal["session", "token", "camera_key"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who is making a request.

    ``via`` says how they proved it: a signed-in user's session cookie, the admin token,
    or a camera's API key (``role`` is then ``None``: a key can only push frames to
    ``camera_id``). ``username`` is what the audit log records.
    """

    username: str
    role: Role | None
    via: Via
    csrf_token: str | None = None
    camera_id: str | None = None

    def allows(self, needed: Role) -> bool:
        return self.role is not None and self.role.allows(needed)


ADMIN_TOKEN_USER = "admin-token"


def admin_token_principal() -> Principal:
    return Principal(username=ADMIN_TOKEN_USER, role=Role.admin, via="token")


def camera_principal(camera_id: str) -> Principal:
    return Principal(
        username=f"camera:{camera_id}", role=None, via="camera_key", camera_id=camera_id
    )
