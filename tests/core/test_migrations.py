"""Alembic migrations on SQLite and on the real PostgreSQL: they build exactly the schema the models say."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import bindparam, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from core.config import Settings
from core.db import Database
from core.migrate import alembic_config, downgrade, upgrade
from core.models import Base, OrganisationRow, UTCDateTime
from rris import cli
from tests.support.external import fresh_postgres_database

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
MODEL_TABLES = set(Base.metadata.tables)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.close()


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def schema_state(db: Database) -> tuple[str | None, set[str], list[Any]]:
    """(current revision, tables present, autogenerate's differences from the models)."""
    async with db.engine.connect() as conn:
        return (
            await conn.run_sync(_revision),
            await conn.run_sync(_tables),
            await conn.run_sync(_differences),
        )


async def test_upgrade_to_head_creates_exactly_the_schema_of_the_models(database: Database) -> None:
    revision, tables, _ = await schema_state(database)
    assert revision is None
    assert tables.isdisjoint(MODEL_TABLES)

    await upgrade(database)

    revision, tables, differences = await schema_state(database)
    assert revision == HEAD
    assert tables == MODEL_TABLES | {"alembic_version"}
    assert differences == []


async def test_autogenerate_comparison_does_see_a_missing_schema(database: Database) -> None:
    """The no-difference check above is not vacuous: on an empty database it lists every table."""
    _, _, differences = await schema_state(database)
    added = {diff[1].name for diff in differences if isinstance(diff, tuple) and diff[0] == "add_table"}
    assert added == MODEL_TABLES


async def test_downgrade_to_base_then_upgrade_again_rebuilds_the_same_schema(database: Database) -> None:
    await upgrade(database)
    await downgrade(database, "base")

    revision, tables, differences = await schema_state(database)
    assert revision is None
    assert tables.isdisjoint(MODEL_TABLES)
    assert differences  # the models' tables are missing again

    await upgrade(database)

    revision, tables, differences = await schema_state(database)
    assert revision == HEAD
    assert tables == MODEL_TABLES | {"alembic_version"}
    assert differences == []


async def test_upgrading_a_current_schema_again_changes_nothing_and_keeps_the_data(
    database: Database,
) -> None:
    await upgrade(database)
    created = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    async with database.transaction() as session:
        session.add(OrganisationRow(id="o" * 32, name="Kept Office", kind="authority", created_at=created))

    await upgrade(database)

    revision, _, differences = await schema_state(database)
    assert revision == HEAD
    assert differences == []
    async with database.sessions() as session:
        rows = (await session.scalars(select(OrganisationRow))).all()
    assert [(r.id, r.name, r.created_at) for r in rows] == [("o" * 32, "Kept Office", created)]


async def test_call_records_made_before_ratings_existed_stay_unrated_and_ratings_are_bounded(
    database: Database,
) -> None:
    """0007 adds the nullable quality_rating (1 to 5) and keeps the records and checks already there."""
    await upgrade(database, "0006")
    at = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    stamped = [bindparam("at", at, type_=UTCDateTime())]
    async with database.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO organisations (id, name, kind, created_at)"
                " VALUES (:o, 'Office', 'authority', :at)"
            ).bindparams(*stamped, o="o" * 32)
        )
        await session.execute(
            text(
                "INSERT INTO users (id, organisation_id, username, display_name, password_hash, role, active,"
                " created_at) VALUES (:u, :o, 'cw', 'Caseworker', 'x', 'caseworker', true, :at)"
            ).bindparams(*stamped, u="u" * 32, o="o" * 32)
        )
        await session.execute(
            text(
                "INSERT INTO call_records (id, organisation_id, caseworker_id, language, requested_at,"
                " outcome, ring_attempts) VALUES (:c, :o, :u, 'ps', :at, 'completed', 1)"
            ).bindparams(*stamped, c="c" * 32, o="o" * 32, u="u" * 32)
        )

    await upgrade(database)

    read = text("SELECT id, outcome, quality_rating FROM call_records")
    async with database.sessions() as session:
        assert (await session.execute(read)).all() == [("c" * 32, "completed", None)]
    for change in (
        "UPDATE call_records SET quality_rating = 0",
        "UPDATE call_records SET quality_rating = 6",
        "UPDATE call_records SET outcome = 'rated'",  # the older check survived the table's rebuild
    ):
        with pytest.raises(IntegrityError):
            async with database.transaction() as session:
                await session.execute(text(change))
    async with database.transaction() as session:
        await session.execute(text("UPDATE call_records SET quality_rating = 5"))
    async with database.sessions() as session:
        assert (await session.execute(read)).all() == [("c" * 32, "completed", 5)]

    await downgrade(database, "0006")
    async with database.sessions() as session:
        assert (await session.execute(text("SELECT id, outcome FROM call_records"))).all() == [
            ("c" * 32, "completed")
        ]


async def test_rris_db_upgrade_command_brings_an_empty_database_to_head(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RRIS_DATABASE_URL", database_url)
    settings = Settings()
    assert settings.database_url == database_url
    assert not await cli._schema_is_current(settings)  # what `rris serve` refuses to start on

    # The command runs its own event loop, as it does from a shell; give it a thread of its own.
    await asyncio.to_thread(cli.main, ["db", "upgrade"])

    assert "database schema is current" in capsys.readouterr().out
    assert await cli._schema_is_current(settings)
    db = Database(database_url)
    try:
        revision, tables, differences = await schema_state(db)
    finally:
        await db.close()
    assert revision == HEAD
    assert tables == MODEL_TABLES | {"alembic_version"}
    assert differences == []

    # Running it again on a current schema is harmless.
    await asyncio.to_thread(cli.main, ["db", "upgrade"])
    assert "database schema is current" in capsys.readouterr().out
    assert await cli._schema_is_current(settings)
