"""``create_app(settings)``: the one place where every package's services and routes are wired."""

from __future__ import annotations

from aiohttp import web

from core.clock import Clock, SystemClock
from core.config import Settings
from core.logging import configure_logging
from rris.http import (
    auth,
    availability,
    bookings,
    calls,
    health,
    interpreters,
    live,
    migration_charts,
    migration_data,
    notifications,
    phrasebook,
    precall,
    recordings,
    reports,
    rosters,
    terminology,
)
from rris.http.auth import sessions_and_csrf
from rris.http.errors import domain_errors
from rris.http.keys import SERVICES, SOCKETS
from rris.services import Services, build_services
from signaling.server import SocketNotifier, create_socket_server, register_handlers
from web_client import serving as web_pages

MAX_BODY_BYTES = 64 * 1024


def create_app(
    settings: Settings, clock: Clock | None = None, *, configure_logs: bool = True
) -> web.Application:
    """Build the aiohttp application with the Socket.IO server attached at ``/socket.io/``."""
    if configure_logs:
        configure_logging(settings.log_level)
    sio = create_socket_server(settings)
    services = build_services(settings, clock or SystemClock(), SocketNotifier(sio))
    app = web.Application(middlewares=[domain_errors, sessions_and_csrf], client_max_size=MAX_BODY_BYTES)
    app[SERVICES] = services
    sio.attach(app)
    app[SOCKETS] = sio
    register_handlers(
        sio,
        services.accounts,
        services.calls,
        services.presence,
        services.ice,
        services.sockets,
        services.booked_rooms,
        services.board_feed,
    )
    app.add_routes(
        [
            *health.routes(),
            *auth.routes(),
            *calls.routes(),
            *bookings.routes(),
            *reports.routes(),
            *interpreters.routes(),
            *availability.routes(),
            *rosters.routes(),
            *live.routes(),
            *notifications.routes(),
            *precall.routes(),
            *recordings.routes(),
            *phrasebook.routes(),
            *terminology.routes(),
            *migration_data.routes(),
            *migration_charts.routes(),
            *web_pages.routes(),
        ]
    )

    async def start_timers(_: web.Application) -> None:
        services.calls.start_sweeping()
        services.booked_rooms.start_sweeping()
        await services.timed.start()

    async def disconnect_sockets(_: web.Application) -> None:
        # Before services close: each disconnect handler frees presence and starts grace periods
        # while Redis and the database are still there; clients reconnect to another node and rejoin.
        sids = [sid for sid, _ in sio.manager.get_participants("/", None)]
        for sid in sids:
            await sio.disconnect(sid, ignore_queue=True)

    async def close_services(_: web.Application) -> None:
        await services.close()

    app.on_startup.append(start_timers)
    app.on_shutdown.append(disconnect_sockets)
    app.on_cleanup.append(close_services)
    return app


def services_of(app: web.Application) -> Services:
    return app[SERVICES]
