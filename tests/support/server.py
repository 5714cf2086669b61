"""The real aiohttp + Socket.IO server on a free port, in the test's own event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from core.config import Settings
from core.migrate import upgrade
from rris.app import create_app, services_of
from rris.services import Services


@dataclass(frozen=True)
class RunningServer:
    url: str
    app: web.Application

    @property
    def services(self) -> Services:
        return services_of(self.app)


@asynccontextmanager
async def running_server(settings: Settings) -> AsyncIterator[RunningServer]:
    app = create_app(settings, configure_logs=False)
    await upgrade(services_of(app).db)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield RunningServer(f"http://127.0.0.1:{port}", app)
    finally:
        await runner.cleanup()
