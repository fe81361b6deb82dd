from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from serve.store import CaseRepo, Database, open_database
from serve.store.migrate import alembic_config, current_revision, upgrade
from serve.store.orm import Base
from tests.serve.store.factories import new_case

TABLES = {"alembic_version", *Base.metadata.tables}
[HEAD] = ScriptDirectory.from_config(alembic_config()).get_heads()  # one head, never a fork


def test_upgrade_builds_the_schema_on_an_empty_database(db: Database) -> None:
    assert set(inspect(db.engine).get_table_names()) == TABLES
    with db.engine.connect() as conn:
        assert current_revision(conn) == HEAD


def test_reopening_a_migrated_database_changes_nothing(database_url: str) -> None:
    first = open_database(database_url)
    case = CaseRepo(first).create(new_case())
    first.dispose()

    again = open_database(database_url)
    try:
        with again.engine.connect() as conn:
            assert current_revision(conn) == HEAD
        assert CaseRepo(again).get(case.id) == case
    finally:
        again.dispose()


def test_orm_metadata_matches_the_migrations(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_up_again(db: Database) -> None:
    with db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
    upgrade(db.engine)
    assert set(inspect(db.engine).get_table_names()) == TABLES
