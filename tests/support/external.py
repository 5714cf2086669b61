"""Real PostgreSQL and Redis for the tests that need them: skipped where absent, failed in CI."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import NoReturn

import asyncpg
import pytest
from redis.asyncio import Redis

POSTGRES_ADMIN_DSN = os.environ.get("RRIS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RRIS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def unavailable(what: str, why: BaseException) -> NoReturn:
    """Skip, or fail where CI promised the service (RRIS_REQUIRE_SERVICES=1)."""
    reason = f"{what} not reachable ({type(why).__name__}: {why})"
    if os.environ.get("RRIS_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}, but RRIS_REQUIRE_SERVICES=1 says it must be there")
    pytest.skip(reason)


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """A new, empty database for one test; dropped afterwards. Yields its SQLAlchemy URL."""
    name = f"rris_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable("PostgreSQL at " + POSTGRES_ADMIN_DSN, exc)
        raise
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=3)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def require_redis() -> str:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:
        unavailable("Redis at " + REDIS_URL, exc)
    finally:
        await client.aclose()
    return REDIS_URL


def unique_prefix() -> str:
    """Keys and the Socket.IO channel of one test, so parallel tests never see each other."""
    return f"rristest-{uuid.uuid4().hex[:10]}"
