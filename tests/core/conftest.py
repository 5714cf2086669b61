"""Core services on a fresh, migrated SQLite database with a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.clock import FakeClock
from core.config import Settings
from core.migrate import upgrade
from rris.services import Services, build_services
from tests.support.domain import RecordingNotifier


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def core_services(settings: Settings, clock: FakeClock) -> AsyncIterator[Services]:
    services = build_services(settings, clock, RecordingNotifier())
    await upgrade(services.db)
    try:
        yield services
    finally:
        await services.close()
