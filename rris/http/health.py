"""``GET /healthz``: 200 when the database (and Redis, where configured) answer, 503 otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from aiohttp import web

from rris.http.keys import services

CHECK_TIMEOUT_S = 2.0


async def _check(probe: Awaitable[None]) -> str:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT_S)
    except Exception:  # any failure means "down"; the reason is not for the public
        return "down"
    return "ok"


async def healthz(request: web.Request) -> web.Response:
    svc = services(request)
    checks = {"database": await _check(svc.db.ping())}
    checks["redis"] = await _check(svc.store.ping()) if svc.settings.redis_url else "not_configured"
    healthy = all(v in ("ok", "not_configured") for v in checks.values())
    return web.json_response(
        {"status": "ok" if healthy else "down", **checks}, status=200 if healthy else 503
    )


def routes() -> list[web.RouteDef]:
    return [web.get("/healthz", healthz)]
