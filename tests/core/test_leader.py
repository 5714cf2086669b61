"""The single-runner locks: one holder at a time, freed when the holder dies, never freed by another."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from redis.asyncio import Redis

from core.leader import RUNNER_LOCK_KEY, FileLock, PostgresAdvisoryLock, RedisLock, lock_for
from tests.support.external import fresh_postgres_database, require_redis, unique_prefix


def test_the_configuration_chooses_the_lock(tmp_path: Path) -> None:
    pg = lock_for("postgresql+asyncpg://rris:pw@db:5432/rris", "redis://r:6379/0", "rris")
    assert isinstance(pg, PostgresAdvisoryLock)
    assert isinstance(
        lock_for(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", "redis://r:6379/0", "rris"), RedisLock
    )
    file_lock = lock_for(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", None, "rris")
    assert isinstance(file_lock, FileLock)
    assert file_lock.path == tmp_path / "x.db.runner.lock"
    with pytest.raises(ValueError, match="in-memory"):
        lock_for("sqlite+aiosqlite:///:memory:", None, "rris")


async def test_the_file_lock_has_one_holder_until_released(tmp_path: Path) -> None:
    a, b = FileLock(tmp_path / "db.runner.lock"), FileLock(tmp_path / "db.runner.lock")
    try:
        assert await a.try_acquire()
        assert await a.try_acquire()  # already held: still held
        assert not await b.try_acquire()
        assert (await a.renew(), await b.renew()) == (True, False)
        await a.release()
        assert not await a.renew()
        assert await b.try_acquire()
        assert not await a.try_acquire()
    finally:
        await a.release()
        await b.release()


@pytest.fixture
async def pg_dsn() -> AsyncIterator[str]:
    async with fresh_postgres_database() as url:
        yield url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def advisory_holders(dsn: str) -> list[int]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND ((classid::bigint << 32) | objid::bigint) = $1",
            RUNNER_LOCK_KEY,
        )
        return [row["pid"] for row in rows]
    finally:
        await conn.close()


@pytest.mark.postgres
async def test_the_postgres_lock_has_one_holder_and_does_not_stack(pg_dsn: str) -> None:
    a, b = PostgresAdvisoryLock(pg_dsn), PostgresAdvisoryLock(pg_dsn)
    try:
        assert await a.try_acquire()
        assert await a.try_acquire()  # a second take must not need a second release
        assert not await b.try_acquire()
        assert (await a.renew(), await b.renew()) == (True, False)
        await b.release()  # not the holder: changes nothing
        assert not await b.try_acquire()
        await a.release()
        assert await b.try_acquire()
        assert len(await advisory_holders(pg_dsn)) == 1
    finally:
        await a.release()
        await b.release()


@pytest.mark.postgres
async def test_the_postgres_lock_is_freed_when_its_connection_dies(pg_dsn: str) -> None:
    a, b = PostgresAdvisoryLock(pg_dsn), PostgresAdvisoryLock(pg_dsn)
    try:
        assert await a.try_acquire()
        (holder,) = await advisory_holders(pg_dsn)
        admin = await asyncpg.connect(pg_dsn)
        try:  # as when the holding process dies: the server ends its session
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", holder)
        finally:
            await admin.close()
        for _ in range(50):
            if await b.try_acquire():
                break
            await asyncio.sleep(0.02)
        assert await b.renew()
        assert not await a.renew()
    finally:
        await a.release()
        await b.release()


@pytest.fixture
async def redis_url() -> str:
    return await require_redis()


@pytest.mark.redis
async def test_the_redis_lock_has_one_holder_and_a_non_owner_cannot_release_it(redis_url: str) -> None:
    key = f"{unique_prefix()}:timed-work:runner"
    a, b = RedisLock(redis_url, key, ttl_s=5), RedisLock(redis_url, key, ttl_s=5)
    try:
        assert await a.try_acquire()
        assert await a.try_acquire()
        assert not await b.try_acquire()
        assert not await b.renew()  # renewing someone else's lock fails and leaves it alone
        await b.release()
        assert await a.renew()
        assert not await b.try_acquire()
    finally:
        await a.release()
        await b.release()
    client = Redis.from_url(redis_url)
    try:
        assert await client.exists(key) == 0  # the owner's release deletes it
    finally:
        await client.aclose()


@pytest.mark.redis
async def test_the_redis_lock_expires_without_renewal_and_holds_with_it(redis_url: str) -> None:
    key = f"{unique_prefix()}:timed-work:runner"
    a, b = RedisLock(redis_url, key, ttl_s=0.3), RedisLock(redis_url, key, ttl_s=0.3)
    try:
        assert await a.try_acquire()
        for _ in range(5):  # renewed every 0.1 s for 0.5 s: never free
            await asyncio.sleep(0.1)
            assert await a.renew()
            assert not await b.try_acquire()
        await asyncio.sleep(0.4)  # a stops renewing, as a holder that died or hung
        assert await b.try_acquire()
        assert not await a.renew()
        await a.release()  # the old holder's release must not free the new holder's lock
        assert await b.renew()
    finally:
        await a.release()
        await b.release()
