"""Migration 0012 widens the role check for data officers and keeps every user, session and grant there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, text
from sqlalchemy.exc import IntegrityError

from core.db import Database
from core.migrate import downgrade, upgrade
from core.models import UTCDateTime
from tests.support.external import fresh_postgres_database

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'schema.sqlite3'}")
        yield db
        await db.close()
        return
    async with fresh_postgres_database() as url:
        db = Database(url)
        yield db
        await db.close()


async def run(db: Database, sql: str, **values: str) -> None:
    statement = text(sql)
    if ":at" in sql:
        statement = statement.bindparams(bindparam("at", AT, type_=UTCDateTime()))
    async with db.transaction() as session:
        await session.execute(statement.bindparams(**values))


async def scalar(db: Database, sql: str) -> object:
    async with db.sessions() as session:
        return await session.scalar(text(sql))


async def add_user(db: Database, user_id: str, role: str) -> None:
    await run(
        db,
        "INSERT INTO users (id, organisation_id, username, display_name, password_hash, role, active,"
        " created_at) VALUES (:u, :o, :u, 'Someone', 'x', :role, true, :at)",
        u=user_id,
        o="o" * 32,
        role=role,
    )


async def test_upgrading_keeps_users_sessions_and_grants_and_admits_data_officers(database: Database) -> None:
    await upgrade(database, "0011")
    await run(
        database,
        "INSERT INTO organisations (id, name, kind, country_code, created_at)"
        " VALUES (:o, 'Office', 'authority', 'RS', :at)",
        o="o" * 32,
    )
    await add_user(database, "c" * 32, "coordinator")
    await run(
        database,
        "INSERT INTO login_sessions (token_hash, user_id, csrf_token, created_at, expires_at)"
        " VALUES (:t, :u, 'csrf', :at, :at)",
        t="t" * 64,
        u="c" * 32,
    )
    await run(
        database,
        "INSERT INTO terminology_reviewers (user_id, granted_by, granted_at) VALUES (:u, :u, :at)",
        u="c" * 32,
    )

    await upgrade(database)

    assert await scalar(database, "SELECT count(*) FROM login_sessions") == 1
    assert await scalar(database, "SELECT count(*) FROM terminology_reviewers") == 1
    await add_user(database, "d" * 32, "data_officer")
    with pytest.raises(IntegrityError):
        await add_user(database, "e" * 32, "statistician")  # the check is still there, only wider

    with pytest.raises(RuntimeError, match="data officers exist"):
        await downgrade(database, "0011")
    await run(database, "DELETE FROM users WHERE id = :u", u="d" * 32)
    await downgrade(database, "0011")
    with pytest.raises(IntegrityError):
        await add_user(database, "d" * 32, "data_officer")
    assert await scalar(database, "SELECT count(*) FROM login_sessions") == 1
