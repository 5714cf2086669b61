"""A list of ids is one parameter on both databases, whatever its length."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from core.db import Database
from scheduler.id_sets import bound_ids, member_of
from tests.support.external import fresh_postgres_database

PEOPLE = Table("people", MetaData(), Column("id", String(32), primary_key=True))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'ids.sqlite3'}")
        yield database
        await database.close()
        return
    async with fresh_postgres_database() as url:
        database = Database(url)
        yield database
        await database.close()


async def test_forty_thousand_ids_are_one_parameter(db: Database) -> None:
    """Past SQLite's limit of 32,766 bound parameters, the statement still runs and finds the right rows."""
    async with db.engine.begin() as conn:
        await conn.run_sync(PEOPLE.metadata.create_all)
        await conn.execute(insert(PEOPLE), [{"id": f"p{n}"} for n in range(5)])
    wanted = [f"x{n}" for n in range(40_000)] + ["p1", "p3"]
    query = select(PEOPLE.c.id).where(member_of(PEOPLE.c.id, "ids", sqlite=db.is_sqlite))

    async with db.engine.connect() as conn:
        found = await conn.scalars(query, {"ids": bound_ids(wanted, sqlite=db.is_sqlite)})

        assert sorted(found.all()) == ["p1", "p3"]


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgres"])
def test_the_statement_text_does_not_grow_with_the_list(dialect: Dialect) -> None:
    is_sqlite = dialect.name == "sqlite"
    query = select(PEOPLE.c.id).where(member_of(PEOPLE.c.id, "ids", sqlite=is_sqlite))
    compiled = query.compile(dialect=dialect)

    assert list(compiled.params) == ["ids"]
    assert ("json_each" if is_sqlite else "ANY") in str(compiled)
