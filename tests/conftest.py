"""Fixtures shared by the whole suite: settings on a fresh SQLite file, a running server, a world of users."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from core.config import Settings
from signaling.client import SignalingClient
from tests.support.server import RunningServer, running_server
from tests.support.world import PASSWORD, World, build_world

CHEAP_HASHING = {"argon2_time_cost": 1, "argon2_memory_kib": 1024}


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'rris.sqlite3'}",
        "ring_timeout_s": 2.0,
        "grace_period_s": 2.0,
        **CHEAP_HASHING,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[RunningServer]:
    async with running_server(settings) as running:
        yield running


@pytest.fixture
async def world(server: RunningServer) -> World:
    return await build_world(server.services.accounts, server.services.directory)


ClientFactory = Callable[..., Awaitable[SignalingClient]]


@pytest.fixture
async def client(server: RunningServer) -> AsyncIterator[ClientFactory]:
    """``await client("cw.a")``: logged in and connected; ``connect=False`` stops after login."""
    made: list[SignalingClient] = []

    async def make(
        username: str | None = None, *, connect: bool = True, url: str | None = None
    ) -> SignalingClient:
        c = SignalingClient(url or server.url)
        made.append(c)
        if username is not None:
            await c.login(username, PASSWORD)
            if connect:
                await c.connect()
        return c

    yield make
    for c in made:
        await c.close()
