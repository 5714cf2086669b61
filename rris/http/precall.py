"""The pre-call connection test over HTTP: a non-trickle offer/answer with the server's echo peer, its
measurements and verdict, and hanging up. For caseworkers, interpreters and coordinators, each seeing
only their own tests."""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StrictStr, StringConstraints

from core.accounts import Principal, Role
from core.errors import Forbidden
from media.precall import PrecallBusy, PrecallReport
from rris.http.auth import read_json, require_session
from rris.http.keys import services

# A browser's audio+video offer with its gathered candidates is 4-10 KB; anything far beyond is not one.
MAX_SDP_CHARS = 32 * 1024
ALLOWED_ROLES = frozenset({Role.CASEWORKER, Role.INTERPRETER, Role.COORDINATOR})


class OfferBody(BaseModel):
    """``{"type": "offer", "sdp": "v=0..."}``, the shape of ``RTCSessionDescription``."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["offer"]
    sdp: Annotated[StrictStr, StringConstraints(min_length=1, max_length=MAX_SDP_CHARS, pattern=r"^v=0\r?\n")]


def _tester(request: web.Request) -> Principal:
    who = require_session(request).principal
    if who.role not in ALLOWED_ROLES:
        raise Forbidden("the connection test is for caseworkers, interpreters and coordinators")
    return who


def report_json(report: PrecallReport) -> dict[str, object]:
    figures = report.figures

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "test_id": report.id,
        "state": report.state,
        "elapsed_s": report.elapsed_s,
        "rtt_ms": rounded(figures.rtt_ms),
        "jitter_ms": rounded(figures.jitter_ms),
        "loss_pct": rounded(figures.loss_pct),
        "bitrate_kbps": rounded(figures.bitrate_kbps),
        "packets_received": figures.packets_received,
        "echoed_frames": dict(report.echoed_frames),
        "verdict": report.assessment.verdict.value,
        "advice": list(report.assessment.advice),
    }


async def start(request: web.Request) -> web.Response:
    who = _tester(request)
    body = OfferBody.model_validate(await read_json(request))
    svc = services(request)
    ice = [server.as_dict() for server in svc.ice.servers_for(who.user_id)]
    try:
        test_id, answer = await svc.precall.start(who.user_id, body.sdp, ice)
    except PrecallBusy as exc:
        # Busy is temporary, unlike the 4xx refusals: 503 with a hint of when to retry.
        return web.json_response(
            {"error": {"code": exc.code, "message": exc.message}},
            status=503,
            headers={"Retry-After": "30"},
        )
    return web.json_response({"test_id": test_id, "type": "answer", "sdp": answer}, status=201)


async def show(request: web.Request) -> web.Response:
    who = _tester(request)
    report = await services(request).precall.report(who.user_id, request.match_info["test_id"])
    return web.json_response(report_json(report))


async def end(request: web.Request) -> web.Response:
    who = _tester(request)
    await services(request).precall.end(who.user_id, request.match_info["test_id"])
    return web.json_response({"ok": True})


def routes() -> list[web.RouteDef]:
    return [
        web.post("/api/precall", start),
        web.get("/api/precall/{test_id}", show),
        web.delete("/api/precall/{test_id}", end),
    ]
