"""Camera bodies: the camera itself is ``serve.cameras.config.Camera``; lists are paged."""

from __future__ import annotations

from pydantic import BaseModel

from serve.cameras.config import Camera


class CamerasPublic(BaseModel):
    data: list[Camera]
    count: int
