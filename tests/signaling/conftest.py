"""The call domain on a real SQLite database, with a fake clock and a notifier that records what it sends."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.clock import FakeClock
from core.config import Settings
from core.migrate import upgrade
from rris.services import build_services
from tests.support.domain import Domain, RecordingNotifier
from tests.support.world import build_world


@pytest.fixture
async def domain(settings: Settings) -> AsyncIterator[Domain]:
    clock, notes = FakeClock(), RecordingNotifier()
    services = build_services(settings, clock, notes)
    await upgrade(services.db)
    world = await build_world(services.accounts, services.directory)
    try:
        yield Domain(services, clock, notes, world)
    finally:
        await services.close()
