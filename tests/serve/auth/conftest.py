"""Fixtures for the accounts tests: a database (SQLite and PostgreSQL), cheap hashing, the
service without credentials."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

import serve.auth.passwords
from serve.auth.passwords import Passwords
from serve.store import Database, open_database
from tests.serve.service import service

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'auth' / 'streetwatch.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    yield database
    database.dispose()


def cheap_hasher() -> PasswordHasher:
    """argon2id at its smallest: the tests check behaviour, not cost."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def passwords() -> Passwords:
    return Passwords(cheap_hasher())


@contextmanager
def cheap_argon2() -> Iterator[None]:
    """The service hashes with :func:`cheap_hasher` meanwhile (its default costs 0.2 s)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(serve.auth.passwords, "PasswordHasher", cheap_hasher)
        yield


@pytest.fixture
def app(tmp_path: Path) -> Iterator[TestClient]:
    """The service over HTTPS (so Secure cookies come back), with no credentials sent."""
    with cheap_argon2(), service(tmp_path, as_admin=False, https=True) as client:
        yield client
