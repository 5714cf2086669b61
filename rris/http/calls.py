"""Call records over HTTP, each user seeing only what their role and organisation allow."""

from __future__ import annotations

from aiohttp import web

from rris.http.auth import require_session
from rris.http.keys import services
from rris.http.query import limit_param
from signaling.records import CallRecord


def record_json(record: CallRecord) -> dict[str, object]:
    def ts(value: object) -> object:
        return value.isoformat() if hasattr(value, "isoformat") else value

    return {
        "id": record.id,
        "organisation_id": record.organisation_id,
        "caseworker_id": record.caseworker_id,
        "interpreter_id": record.interpreter_id,
        "language": record.language,
        "requested_gender": record.requested_gender,
        "requested_at": ts(record.requested_at),
        "rung_at": ts(record.rung_at),
        "answered_at": ts(record.answered_at),
        "ended_at": ts(record.ended_at),
        "outcome": record.outcome,
        "ring_attempts": record.ring_attempts,
    }


async def list_calls(request: web.Request) -> web.Response:
    who = require_session(request).principal
    records = await services(request).records.visible(who, limit_param(request))
    return web.json_response({"calls": [record_json(r) for r in records]})


async def get_call(request: web.Request) -> web.Response:
    who = require_session(request).principal
    record = await services(request).records.get(request.match_info["call_id"], who)
    return web.json_response(record_json(record))


def routes() -> list[web.RouteDef]:
    return [web.get("/api/calls", list_calls), web.get("/api/calls/{call_id}", get_call)]
