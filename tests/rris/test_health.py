"""``GET /healthz``: 200 while the database (and Redis, when configured) answer, 503 while one does not."""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from rris.http.health import CHECK_TIMEOUT_S
from tests.conftest import make_settings
from tests.rris.conftest import get_json, login_sessions, post_login
from tests.support.external import require_redis, unique_prefix
from tests.support.server import RunningServer, running_server
from tests.support.world import build_world

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # port 1: nothing listens, the connection is refused


@asynccontextmanager
async def failed_connects_settle() -> AsyncIterator[None]:
    """Wait, on leaving, for the worker threads of database connections that failed meanwhile.

    aiosqlite stops the thread of a failed connect with a future it never awaits; were this test's
    event loop closed before that thread answers, the thread would raise "Event loop is closed" and
    pytest would report it against whichever test runs next.
    """
    before = set(threading.enumerate())
    try:
        yield
    finally:
        for thread in set(threading.enumerate()) - before:
            if thread.name.endswith("(_connection_worker_thread)"):
                await asyncio.to_thread(thread.join, 5.0)


async def healthz(server: RunningServer) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession(server.url) as http:
        return await get_json(http, "/healthz")


async def test_healthz_is_200_with_the_database_ok_and_redis_not_configured(server: RunningServer) -> None:
    assert await healthz(server) == (200, {"status": "ok", "database": "ok", "redis": "not_configured"})


@pytest.mark.redis
async def test_healthz_is_200_with_a_configured_and_reachable_redis(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, redis_url=await require_redis(), redis_prefix=unique_prefix())
    async with running_server(settings) as server:
        assert await healthz(server) == (200, {"status": "ok", "database": "ok", "redis": "ok"})


async def test_the_app_starts_with_an_unreachable_redis_and_healthz_reports_503(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path, redis_url=UNREACHABLE_REDIS)) as server:
        loop = asyncio.get_running_loop()
        started = loop.time()
        status, body = await healthz(server)
        assert loop.time() - started < CHECK_TIMEOUT_S + 1.0  # a dead dependency does not hang the probe
        assert (status, body) == (503, {"status": "down", "database": "ok", "redis": "down"})
        # The process keeps serving what needs no Redis: the probe reports, it does not break anything.
        await build_world(server.services.accounts, server.services.directory)
        async with aiohttp.ClientSession(server.url) as http:
            assert (await post_login(http, "cw.a"))[0] == 200
        assert await login_sessions(server) == 1


async def test_healthz_is_503_while_the_database_cannot_be_opened_and_200_once_it_can(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = make_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{data_dir / 'rris.sqlite3'}")
    async with running_server(settings) as server:
        assert (await healthz(server))[0] == 200
        # Pooled connections keep the old file open, as a server keeps its sockets; drop them, as a
        # restart or a recycled pool would, then make the path unopenable even for root: the
        # directory becomes a plain file.
        await server.services.db.engine.dispose()
        moved = tmp_path / "data.away"
        data_dir.rename(moved)
        data_dir.write_text("not a directory")
        try:
            async with failed_connects_settle():
                assert await healthz(server) == (
                    503,
                    {"status": "down", "database": "down", "redis": "not_configured"},
                )
        finally:
            data_dir.unlink()
            moved.rename(data_dir)
        # Nothing was lost: the same database answers again, with its tables and rows.
        assert await healthz(server) == (200, {"status": "ok", "database": "ok", "redis": "not_configured"})
        assert await login_sessions(server) == 0


async def test_healthz_is_503_when_the_database_directory_is_gone(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = make_settings(tmp_path, database_url=f"sqlite+aiosqlite:///{data_dir / 'rris.sqlite3'}")
    async with running_server(settings) as server:
        await server.services.db.engine.dispose()
        shutil.rmtree(data_dir)
        async with failed_connects_settle():
            status, body = await healthz(server)
        assert (status, body["database"], body["status"]) == (503, "down", "down")
