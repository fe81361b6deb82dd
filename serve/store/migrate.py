"""Run the Alembic migrations from code; no ``alembic.ini`` is needed at run time."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, text

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# any constant will do: it only has to be the same for every process migrating one database
_PG_MIGRATION_LOCK = 0x5357_0001


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the store's migrations, optionally bound to ``connection``.

    ``migrations/env.py`` migrates through the given connection (inside its transaction).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` in one transaction; a no-op when already there.

    Two processes starting at once take turns: PostgreSQL through an advisory lock,
    SQLite through the write lock that the store's ``BEGIN IMMEDIATE`` takes.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            connection.execute(lock, {"key": _PG_MIGRATION_LOCK})
        before = current_revision(connection)
        command.upgrade(alembic_config(connection), revision)
        after = current_revision(connection)
    if before != after:
        logger.info("migrated %s from %s to %s", engine.url.render_as_string(), before, after)
