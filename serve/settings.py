"""Service settings, from arguments or ``STREETWATCH_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STREETWATCH_", extra="forbid")

    data_dir: Path = Path("data")
    model: Path = Path("models/current")
    config: Path | None = None
    demo: bool = True
    conf: float = 0.25
    iou: float = 0.45
    max_upload_bytes: int = 20 * 1024 * 1024
