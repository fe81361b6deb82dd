"""Camera bodies: the camera itself is ``serve.config.cameras.Camera``; lists are paged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from serve.config.cameras import Camera


class CamerasPublic(BaseModel):
    data: list[Camera]
    count: int


class SceneAccept(BaseModel):
    """Take the camera's current scene as its empty street, e.g. after a permitted change."""

    model_config = ConfigDict(extra="forbid")

    zone_id: str | None = Field(None, description="one zone only; all zones when absent")
    reason: str = Field(min_length=1, max_length=500, description="why, for the audit log")


class CameraAuditEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    zone_id: str | None
    reason: str | None
    detail: dict[str, Any] | None


class CameraAuditPublic(BaseModel):
    data: list[CameraAuditEntry]
    count: int
