"""An interpreter's hours over HTTP: read and replaced whole, in the JSON form of
:mod:`scheduler.availability_store`, by the interpreter themself or a coordinator who manages them.

The routes are described in ``docs/openapi-scheduler.yaml``.
"""

from __future__ import annotations

from aiohttp import web

from core.accounts import Principal
from core.errors import Forbidden, NotFound
from core.ids import UserId
from rris.http.auth import read_json, require_session
from rris.http.keys import services
from scheduler.availability_store import availability_document, availability_from_document
from scheduler.rosters import roster_scope


async def _managed_interpreter(request: web.Request, who: Principal) -> UserId:
    """The interpreter in the path, if ``who`` is them or a coordinator who manages them.

    An authority's coordinator manages the interpreters who serve it; to them any other interpreter does
    not exist (404), as with bookings.
    """
    interpreter_id = UserId(request.match_info["interpreter_id"])
    if who.user_id == interpreter_id:
        return interpreter_id
    try:
        organisation = roster_scope(who)
    except Forbidden:
        raise Forbidden("only the interpreter or a coordinator may see or change these hours") from None
    profile = await services(request).directory.profile(interpreter_id)
    if profile is None or (organisation is not None and organisation not in profile.organisations):
        raise NotFound("no such interpreter")
    return interpreter_id


async def get_availability(request: web.Request) -> web.Response:
    interpreter_id = await _managed_interpreter(request, require_session(request).principal)
    found = await services(request).availability.get(interpreter_id)
    if found is None:
        raise NotFound("this interpreter has not stated any hours yet")
    return web.json_response(availability_document(found))


async def put_availability(request: web.Request) -> web.Response:
    interpreter_id = await _managed_interpreter(request, require_session(request).principal)
    availability = availability_from_document(await read_json(request))
    stored = await services(request).availability.put(interpreter_id, availability)
    return web.json_response(availability_document(stored))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/interpreters/{interpreter_id}/availability", get_availability),
        web.put("/api/interpreters/{interpreter_id}/availability", put_availability),
    ]
