"""Every service of the process on a migrated database: SQLite by default, or the real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from core.clock import FakeClock
from core.migrate import upgrade
from rris.services import Services, build_services
from tests.conftest import make_settings
from tests.support.domain import RecordingNotifier
from tests.support.external import fresh_postgres_database

# Tests whose outcome rests on the database's transactions run on both (a module's ``services`` fixture reads
# the backend with ``backend_of``); the rest on SQLite alone.
BOTH_DATABASES = pytest.mark.parametrize(
    "services", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


def backend_of(request: pytest.FixtureRequest) -> str:
    """The backend a ``services`` fixture is parametrized with: SQLite unless BOTH_DATABASES asks for more."""
    return str(getattr(request, "param", "sqlite"))


@asynccontextmanager
async def migrated_services(backend: str, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Services]:
    """``backend`` is ``"sqlite"`` (a file in ``tmp_path``) or ``"postgres"`` (a fresh database)."""

    @asynccontextmanager
    async def built(url: str) -> AsyncIterator[Services]:
        made = build_services(make_settings(tmp_path, database_url=url), clock, RecordingNotifier())
        await upgrade(made.db)
        try:
            yield made
        finally:
            await made.close()

    if backend == "sqlite":
        async with built(f"sqlite+aiosqlite:///{tmp_path / 'services.sqlite3'}") as made:
            yield made
        return
    async with fresh_postgres_database() as url, built(url) as made:
        yield made
