from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text

from serve.store import CaseRepo, Database, open_database
from serve.store.orm import CameraRow, CaseRow, EvidenceRow
from tests.serve.store.factories import evidence_in, new_case


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = open_database(f"sqlite:///{tmp_path / 'nested' / 'deeper' / 'sw.db'}")
    yield db
    db.dispose()


def test_sqlite_parent_folder_is_created(tmp_path: Path, sqlite_db: Database) -> None:
    assert (tmp_path / "nested" / "deeper" / "sw.db").is_file()


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [("journal_mode", "wal"), ("foreign_keys", 1), ("busy_timeout", 5000), ("synchronous", 1)],
)
def test_sqlite_connection_settings(sqlite_db: Database, pragma: str, expected: object) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected


def test_sqlite_file_stays_in_wal_mode(tmp_path: Path, sqlite_db: Database) -> None:
    # WAL is a property of the file: a plain sqlite3 connection sees it too
    raw = sqlite3.connect(tmp_path / "nested" / "deeper" / "sw.db")
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        raw.close()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_sqlite_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="expected a SQLite file URL"):
        open_database(url)


def test_session_rolls_back_when_the_block_raises(db: Database) -> None:
    now = datetime.now(UTC)
    with pytest.raises(RuntimeError, match="boom"), db.session() as session:
        session.add(CameraRow(id="c", config={}, origin="api", created_at=now, updated_at=now))
        session.flush()
        raise RuntimeError("boom")
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(CameraRow)) == 0


def test_deleting_a_case_deletes_its_evidence(db: Database) -> None:
    case = CaseRepo(db).create(new_case(), [evidence_in("annotated"), evidence_in("crop")])
    with db.session() as session:
        # a bulk DELETE: only the database's ON DELETE CASCADE can remove the evidence
        session.execute(delete(CaseRow).where(CaseRow.id == case.id))
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(EvidenceRow)) == 0


def test_select_one(db: Database) -> None:
    with db.session(write=False) as session:
        assert session.execute(text("SELECT 1")).scalar() == 1
