"""Service settings, from arguments or ``STREETWATCH_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STREETWATCH_", extra="forbid")

    data_dir: Path = Path("data")
    model: Path = Path("models/current")
    config: Path | None = None
    demo: bool = True
    # SQLAlchemy URL; default: SQLite (WAL) at <data_dir>/streetwatch.db.
    # PostgreSQL: postgresql+psycopg://user:password@host/dbname
    database_url: str | None = None
    # where evidence files live; default: <data_dir>/evidence
    evidence_dir: Path | None = None
    # case workflow: hours from confirmation to the fix deadline, per violation overrides
    # (e.g. {"exposed_garbage": 72} for facility work); a rejected false positive holds
    # back new drafts of that class at that place for suppress_days
    deadline_h: float = 48.0
    deadline_h_by_violation: dict[str, float] = {}
    suppress_days: float = 7.0
    # re-inspection (回头看) of dispatched cases: cleared once the violation is absent in
    # this many checks, this far apart
    reinspect_checks: int = 3
    reinspect_interval_s: float = 60.0
    # seconds between checks of the model pointer for a promoted model; 0 turns it off
    model_poll_s: float = Field(5.0, ge=0.0)
    conf: float = 0.25
    iou: float = 0.45
    max_upload_bytes: int = 20 * 1024 * 1024

    @property
    def database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'streetwatch.db').resolve()}"

    @property
    def evidence_root(self) -> Path:
        return self.evidence_dir if self.evidence_dir is not None else self.data_dir / "evidence"
