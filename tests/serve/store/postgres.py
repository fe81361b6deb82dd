"""A throwaway PostgreSQL cluster for one test session, and an empty database per test.

The fixtures here are re-exported by ``tests/serve/store/conftest.py``; any other conftest
can do the same (``from tests.serve.store.postgres import postgres_server, postgres_url``).
Import them in one conftest only, the highest that needs them, so a session starts one
cluster.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

SUPERUSER = "postgres"
TEST_DATABASE = "streetwatch_test"
# not UTC on purpose: the store must not depend on the server's time zone
SERVER_TIMEZONE = "America/New_York"


def find_pg_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: $STREETWATCH_PG_BIN, PATH, or Debian's."""
    candidates: list[Path] = []
    if env := os.environ.get("STREETWATCH_PG_BIN"):
        candidates.append(Path(env))
    if on_path := shutil.which("pg_ctl"):
        candidates.append(Path(on_path).parent)
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = [p for p in debian.iterdir() if p.name.isdigit()]
        candidates += [p / "bin" for p in sorted(versions, key=lambda p: -int(p.name))]
    return next(
        (c for c in candidates if (c / "initdb").is_file() and (c / "pg_ctl").is_file()), None
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class PostgresServer:
    """A running cluster; superuser ``postgres`` with trust authentication."""

    socket_dir: Path
    port: int

    def url(self, database: str) -> str:
        """SQLAlchemy URL (psycopg 3) reaching ``database`` through the unix socket."""
        return (
            f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.socket_dir}&port={self.port}"
        )

    def _admin(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=SUPERUSER,
            dbname=database,
            autocommit=True,
        )

    def create_database(self, name: str) -> str:
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))

    def empty_database(self, name: str) -> str:
        """Make ``name`` empty again (a new public schema); its connections are closed."""
        with self._admin(name) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
        return self.url(name)


class _Cluster:
    """initdb + pg_ctl in a temporary folder, as the ``postgres`` user when we are root."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="streetwatch-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            # initdb refuses to run as root
            shutil.chown(self.root, SUPERUSER, SUPERUSER)
            self.as_user = ["runuser", "-u", SUPERUSER, "--"]

    def _run(self, tool: str, *args: str) -> None:
        cmd = [*self.as_user, str(self.bin_dir / tool), *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if proc.returncode != 0:
            log = self.log.read_text() if self.log.is_file() else ""
            raise RuntimeError(
                f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}{log}"
            )

    def start(self) -> PostgresServer:
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.root}",
                "-c listen_addresses=''",
                f"-c timezone={SERVER_TIMEZONE}",
                # a throwaway cluster: durability buys nothing, start-up and commits get faster
                "-F",
                "-c full_page_writes=off",
                "-c synchronous_commit=off",
            ]
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o", options, "start")
        return PostgresServer(socket_dir=self.root, port=self.port)

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").is_file():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def running_postgres(bin_dir: Path) -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL cluster (for a benchmark as for the tests), removed after."""
    cluster = _Cluster(bin_dir)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the whole session, removed at the end."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL binaries (initdb, pg_ctl) not found: install Debian's postgresql "
            "or set STREETWATCH_PG_BIN"
        )
    with running_postgres(bin_dir) as server:
        server.create_database(TEST_DATABASE)
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A SQLAlchemy URL to an empty database (emptied before each test, not after).

    Emptying a schema takes ~10 ms where CREATE DATABASE takes ~200 ms. Tests that need
    a second database of their own call ``postgres_server.create_database(name)``.
    """
    return postgres_server.empty_database(TEST_DATABASE)
