"""Bodies for signing in, users and camera API keys."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from serve.auth.passwords import MAX_PASSWORD_LENGTH
from serve.auth.records import CameraKey, User, Via
from serve.auth.roles import Role


class LoginRequest(BaseModel):
    """JSON, or a form with the same fields (plus ``next``, where to go afterwards)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class MePublic(BaseModel):
    """The caller; ``csrf_token`` goes in the ``X-CSRF-Token`` header of every unsafe
    request made with the session cookie (``null`` for token callers, who need none)."""

    username: str
    role: Role
    via: Via
    csrf_token: str | None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    role: Role


class UserUpdate(BaseModel):
    """Only the fields given change; a new password or ``disabled: true`` signs the user
    out everywhere."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    password: str | None = Field(None, min_length=1, max_length=MAX_PASSWORD_LENGTH)
    disabled: bool | None = None


class UserPublic(BaseModel):
    username: str
    role: Role
    disabled: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_record(cls, user: User) -> UserPublic:
        return cls(
            username=user.username,
            role=user.role,
            disabled=user.disabled,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class CameraKeyPublic(BaseModel):
    id: int
    camera_id: str
    prefix: str = Field(description="the key's first characters, to tell keys apart")
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None

    @classmethod
    def from_record(cls, key: CameraKey) -> CameraKeyPublic:
        return cls(
            id=key.id,
            camera_id=key.camera_id,
            prefix=key.prefix,
            created_by=key.created_by,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


class CameraKeyCreated(CameraKeyPublic):
    key: str = Field(
        description="send as X-API-Key (or Authorization: Bearer) with each frame; "
        "shown only now, it cannot be read again"
    )


class CameraKeysPublic(BaseModel):
    data: list[CameraKeyPublic]
    count: int
