"""Routes that serve the browser client: the pages, their modules and the vendored Socket.IO client.

Pages are sent with a Content-Security-Policy that allows nothing from elsewhere (no CDN, no inline
script), so a page can only talk to this server; media may come from the camera (``blob:``/``mediastream:``).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"
PHRASEBOOK = STATIC / "phrasebook"  # public and offline: no login, nothing personal
NODE_MODULES = Path(__file__).parent / "node_modules"
SOCKET_IO_CLIENT = NODE_MODULES / "socket.io-client" / "dist" / "socket.io.esm.min.js"
PAGES = ("caseworker", "interpreter", "coordinator")
DATA_OFFICER_PAGE = "data_officer"  # served at /data-officer
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)


def _page(name: str) -> web.FileResponse:
    response = web.FileResponse(STATIC / f"{name}.html")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-cache"
    return response


async def login_page(_: web.Request) -> web.FileResponse:
    return _page("index")


def _console(name: str, path: str | None = None) -> web.RouteDef:
    async def console(_: web.Request) -> web.FileResponse:
        return _page(name)

    return web.get(path or f"/{name}", console)


async def socket_io_client(_: web.Request) -> web.FileResponse:
    if not SOCKET_IO_CLIENT.is_file():
        raise web.HTTPServiceUnavailable(
            text="the Socket.IO browser client is not installed: run scripts/setup (npm ci in web_client/)"
        )
    response = web.FileResponse(SOCKET_IO_CLIENT)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


async def phrasebook_redirect(_: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently("/phrasebook/")


async def phrasebook_page(_: web.Request) -> web.FileResponse:
    return _page("phrasebook/index")


def _phrasebook_file(name: str, content_type: str) -> web.RouteDef:
    """A file the phrasebook's service worker scope needs at ``/phrasebook/``: the worker, the manifest."""

    async def phrasebook_file(_: web.Request) -> web.FileResponse:
        response = web.FileResponse(PHRASEBOOK / name, headers={"Content-Type": content_type})
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-cache"
        return response

    return web.get(f"/phrasebook/{name}", phrasebook_file)


def routes() -> list[web.AbstractRouteDef]:
    """``/`` (log in), one page per role (the data officer's at ``/data-officer``), the public offline
    phrasebook at ``/phrasebook/`` (its data route is the composition root's), ``/static/...`` and the
    vendored ``/vendor/...`` client."""
    return [
        web.get("/", login_page),
        *(_console(name) for name in PAGES),
        _console(DATA_OFFICER_PAGE, "/data-officer"),
        web.get("/phrasebook", phrasebook_redirect),
        web.get("/phrasebook/", phrasebook_page),
        _phrasebook_file("sw.js", "application/javascript"),
        _phrasebook_file("manifest.webmanifest", "application/manifest+json"),
        web.get("/vendor/socket.io.esm.min.js", socket_io_client),
        web.static("/static", STATIC, follow_symlinks=False),
    ]
