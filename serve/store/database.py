"""The database handle: engine, sessions and SQLite's settings for concurrent writers."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from serve.private_files import private_dir, private_file
from serve.store import migrate

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
# execution option read by the SQLite "begin" hook: how to start the transaction
_BEGIN = "streetwatch_sqlite_begin"


class Database:
    """An engine and its session factories; build it with :func:`open_database`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._readers = sessionmaker(engine, expire_on_commit=False)
        self._writers = sessionmaker(
            engine.execution_options(**{_BEGIN: "IMMEDIATE"}), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises.

        On SQLite a writing session takes the write lock up front (``BEGIN IMMEDIATE``), so
        a read-then-write transaction waits for other writers (up to the busy timeout)
        instead of failing with "database is locked". ``write=False`` is for pure reads,
        which then never wait for writers.
        """
        factory = self._writers if write else self._readers
        with factory.begin() as session:
            yield session

    def dispose(self) -> None:
        """Close the pooled connections; the engine reconnects if used again."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.engine.url.render_as_string()!r})"


def open_database(url: str) -> Database:
    """Connect to ``url`` and migrate its schema to the latest revision.

    >>> db = open_database("sqlite:///data/streetwatch.db")  # doctest: +SKIP
    >>> with db.session() as session: ...  # doctest: +SKIP
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    try:
        # IMMEDIATE on SQLite: two processes opening one new file migrate in turn
        migrate.upgrade(engine.execution_options(**{_BEGIN: "IMMEDIATE"}))
    except BaseException:
        engine.dispose()
        raise
    logger.info("opened database %s", engine.url.render_as_string())
    return Database(engine)


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if not database or database == ":memory:":
        # each pooled connection would get its own empty database
        raise ValueError(
            f"expected a SQLite file URL like sqlite:///data/streetwatch.db, got {url!r}"
        )
    if not database.startswith("file:"):
        private_dir(Path(database).parent)
        private_file(Path(database))  # SQLite gives its -wal and -shm files the same mode
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # sqlite3 would otherwise emit its own deferred BEGIN; _sqlite_on_begin does it instead
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # WAL: readers never block the writer and the writer never blocks readers
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # safe with WAL: a power cut may lose the last commits, never corrupt the file
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    mode = connection.get_execution_options().get(_BEGIN, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")
