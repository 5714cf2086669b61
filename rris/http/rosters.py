"""Standby rosters over HTTP, for coordinators: list, add and cancel shifts.

An authority's coordinator works with the interpreters who serve it; shifts of the others do not exist
for them (404). Adding a shift takes an ``Idempotency-Key``, as booking does. The routes are described in
``docs/openapi-scheduler.yaml``.
"""

from __future__ import annotations

from typing import Annotated

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints, field_validator

from core.errors import InvalidInput
from core.ids import UserId
from core.languages import LanguageTag
from rris.http.auth import read_json, require_session
from rris.http.idempotency import idempotency_key
from rris.http.keys import services
from scheduler.intervals import Interval
from scheduler.rosters import StandbyShift, parse_instant, roster_scope


class NewShift(BaseModel):
    model_config = ConfigDict(extra="forbid")
    interpreter_id: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    language: Annotated[str, StringConstraints(min_length=1, max_length=35)]
    start: AwareDatetime
    end: AwareDatetime

    @field_validator("start", "end", mode="before")
    @classmethod
    def _iso_text(cls, value: object) -> object:
        # Pydantic would also read a number as a Unix time; the API promises ISO 8601 with an offset.
        if not isinstance(value, str):
            raise ValueError("must be an ISO 8601 date-time with an offset")
        return value


def shift_json(shift: StandbyShift) -> dict[str, object]:
    return {
        "id": shift.id,
        "interpreter_id": shift.interpreter_id,
        "language": shift.language.tag,
        "start": shift.interval.start_utc.isoformat(),
        "end": shift.interval.end_utc.isoformat(),
        "created_by": shift.created_by,
        "created_at": shift.created_at.isoformat(),
        "cancelled": shift.cancelled,
    }


async def list_shifts(request: web.Request) -> web.Response:
    serving = roster_scope(require_session(request).principal)
    start = parse_instant(request.query.get("from"), "from")
    end = parse_instant(request.query.get("to"), "to")
    if end <= start:
        raise InvalidInput("from must be before to")
    window = Interval(start, end)
    language = request.query.get("language")
    interpreter = request.query.get("interpreter")
    found = await services(request).rosters.shifts(
        window,
        LanguageTag.parse(language) if language is not None else None,
        UserId(interpreter) if interpreter is not None else None,
        serving=serving,
    )
    return web.json_response({"shifts": [shift_json(shift) for shift in found]})


async def add_shift(request: web.Request) -> web.Response:
    who = require_session(request).principal
    serving = roster_scope(who)
    key = idempotency_key(request)
    body = NewShift.model_validate(await read_json(request))
    shift, created = await services(request).rosters.place_shift(
        UserId(body.interpreter_id),
        LanguageTag.parse(body.language),
        Interval(body.start, body.end),
        who.user_id,
        serving=serving,
        idempotency_key=key,
    )
    return web.json_response(shift_json(shift), status=201 if created else 200)


async def cancel_shift(request: web.Request) -> web.Response:
    serving = roster_scope(require_session(request).principal)
    shift = await services(request).rosters.cancel_shift(request.match_info["shift_id"], serving=serving)
    return web.json_response(shift_json(shift))


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/shifts", list_shifts),
        web.post("/api/shifts", add_shift),
        web.delete("/api/shifts/{shift_id}", cancel_shift),
    ]
