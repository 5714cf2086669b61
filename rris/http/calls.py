"""Call records over HTTP, each user seeing only what their role and organisation allow, and the
caseworker's quality rating of a completed call."""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from rris.http.auth import read_json, require_session
from rris.http.keys import services
from rris.http.query import limit_param
from signaling.call_ratings import MAX_SCORE, MIN_SCORE, quality_score, rate_call
from signaling.records import CallRecord


class RatingBody(BaseModel):
    """``{"score": n}``, n a JSON integer from 1 to 5 (not ``3.0``, ``"3"`` or ``true``)."""

    model_config = ConfigDict(extra="forbid")
    score: Annotated[StrictInt, Field(ge=MIN_SCORE, le=MAX_SCORE)]


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
        "quality_rating": record.quality_rating,
    }


async def list_calls(request: web.Request) -> web.Response:
    who = require_session(request).principal
    records = await services(request).records.visible(who, limit_param(request))
    return web.json_response({"calls": [record_json(r) for r in records]})


async def get_call(request: web.Request) -> web.Response:
    who = require_session(request).principal
    record = await services(request).records.get(request.match_info["call_id"], who)
    return web.json_response(record_json(record))


async def rate(request: web.Request) -> web.Response:
    who = require_session(request).principal
    body = RatingBody.model_validate(await read_json(request))
    record = await rate_call(
        services(request).records, request.match_info["call_id"], who, quality_score(body.score)
    )
    return web.json_response(record_json(record))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/calls", list_calls),
        web.get("/api/calls/{call_id}", get_call),
        web.post("/api/calls/{call_id}/rating", rate),
    ]
