"""Call records over HTTP, each user seeing only what their role and organisation allow."""

from __future__ import annotations

from aiohttp import web

from core.errors import InvalidInput
from rris.http.auth import require_session
from rris.http.keys import services
from signaling.records import CallRecord

MAX_LIMIT = 500


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


def _limit(raw: str) -> int:
    # ASCII digits only, and few of them: str.isdigit() also accepts "²", which int() refuses, and
    # int() refuses more than 4300 digits; either would escape as a 500 instead of a 400.
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 0
    if not 1 <= value <= MAX_LIMIT:
        raise InvalidInput(f"limit must be 1 to {MAX_LIMIT}")
    return value


async def list_calls(request: web.Request) -> web.Response:
    who = require_session(request).principal
    records = await services(request).records.visible(who, _limit(request.query.get("limit", "100")))
    return web.json_response({"calls": [record_json(r) for r in records]})


async def get_call(request: web.Request) -> web.Response:
    who = require_session(request).principal
    record = await services(request).records.get(request.match_info["call_id"], who)
    return web.json_response(record_json(record))


def routes() -> list[web.RouteDef]:
    return [web.get("/api/calls", list_calls), web.get("/api/calls/{call_id}", get_call)]
