"""The coordinators' live board over HTTP: ``GET /api/live``, the board as it is now.

The same board is pushed over Socket.IO (``board:watch``, then ``board:update``), see
``docs/signalling-protocol.md``; this route serves a first load, scripts and clients without a socket.
"""

from __future__ import annotations

from aiohttp import web

from rris.http.auth import require_session
from rris.http.keys import services
from signaling.live_board import board_json, board_scope


async def live_board(request: web.Request) -> web.Response:
    scope = board_scope(require_session(request).principal)
    board = await services(request).live_board.draw(scope)
    return web.json_response(board_json(board), headers={"Cache-Control": "no-store"})


def routes() -> list[web.RouteDef]:
    return [web.get("/api/live", live_board)]
