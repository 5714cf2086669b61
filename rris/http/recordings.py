"""Consented recording over HTTP: an organisation's policy, the participants' recorder legs (a
non-trickle offer/answer like the pre-call test), and reading recordings, each access audited."""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, StringConstraints

from core.accounts import Role
from core.errors import Forbidden
from core.ids import OrganisationId
from media.recording_cipher import SealedFileError
from media.recording_store import AuditEntry, Recording, RecordingPolicy, Track
from media.recordings import require_may_read_policy, require_may_set_policy
from rris.http.auth import read_json, require_session
from rris.http.keys import services

MAX_SDP_CHARS = 32 * 1024
MAX_RETENTION_DAYS = 3650
PARTICIPANTS = frozenset({Role.CASEWORKER, Role.INTERPRETER})


class PolicyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    allowed: StrictBool
    retention_days: Annotated[StrictInt, Field(ge=1, le=MAX_RETENTION_DAYS)]


class OfferBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["offer"]
    sdp: Annotated[StrictStr, StringConstraints(min_length=1, max_length=MAX_SDP_CHARS, pattern=r"^v=0\r?\n")]


def _iso(value: object) -> str | None:
    return None if value is None else value.isoformat()  # type: ignore[attr-defined]


def recording_json(recording: Recording) -> dict[str, object]:
    return {
        "id": recording.id,
        "organisation_id": recording.organisation_id,
        "call_id": recording.call_id,
        "language": recording.language,
        "state": recording.state,
        "started_at": _iso(recording.started_at),
        "ended_at": _iso(recording.ended_at),
        "expires_at": _iso(recording.expires_at),
        "deleted_at": _iso(recording.deleted_at),
    }


def track_json(track: Track) -> dict[str, object]:
    return {
        "id": track.id,
        "seat": track.seat,
        "started_at": _iso(track.started_at),
        "ended_at": _iso(track.ended_at),
        "size_bytes": track.size_bytes,
    }


def audit_json(entry: AuditEntry) -> dict[str, object]:
    return {"at": _iso(entry.at), "actor_id": entry.actor_id, "action": entry.action, "detail": entry.detail}


async def get_policy(request: web.Request) -> web.Response:
    who = require_session(request).principal
    organisation_id = request.match_info["organisation_id"]
    require_may_read_policy(who, organisation_id)
    policy = await services(request).recordings.store.policy(organisation_id)
    return web.json_response(
        {
            "organisation_id": organisation_id,
            "allowed": bool(policy and policy.allowed),
            "retention_days": policy.retention_days if policy else None,
        }
    )


async def put_policy(request: web.Request) -> web.Response:
    who = require_session(request).principal
    organisation_id = request.match_info["organisation_id"]
    require_may_set_policy(who, organisation_id)
    body = PolicyBody.model_validate(await read_json(request))
    svc = services(request)
    policy = RecordingPolicy(OrganisationId(organisation_id), body.allowed, body.retention_days)
    await svc.recordings.set_policy(policy, who.user_id)
    return web.json_response(
        {"organisation_id": organisation_id, "allowed": body.allowed, "retention_days": body.retention_days}
    )


async def start_leg(request: web.Request) -> web.Response:
    who = require_session(request).principal
    if who.role not in PARTICIPANTS:
        raise Forbidden("only a call's participants send audio to its recording")
    body = OfferBody.model_validate(await read_json(request))
    svc = services(request)
    call_id = request.match_info["call_id"]
    recording_id, seat = await svc.calls.recording.leg_allowed(who, call_id)
    ice = [server.as_dict() for server in svc.ice.servers_for(who.user_id)]
    leg_id, answer = await svc.recordings.start_leg(recording_id, call_id, seat, who.user_id, body.sdp, ice)
    return web.json_response(
        {"leg_id": leg_id, "recording_id": recording_id, "type": "answer", "sdp": answer}, status=201
    )


async def end_leg(request: web.Request) -> web.Response:
    who = require_session(request).principal
    await services(request).recordings.end_leg(who.user_id, request.match_info["leg_id"])
    return web.json_response({"ok": True})


async def list_recordings(request: web.Request) -> web.Response:
    who = require_session(request).principal
    recordings = await services(request).recordings.visible(who)
    return web.json_response({"recordings": [recording_json(r) for r in recordings]})


async def show_recording(request: web.Request) -> web.Response:
    who = require_session(request).principal
    recording, tracks = await services(request).recordings.show(who, request.match_info["recording_id"])
    return web.json_response(recording_json(recording) | {"tracks": [track_json(t) for t in tracks]})


async def play_track(request: web.Request) -> web.StreamResponse:
    who = require_session(request).principal
    chunks = await services(request).recordings.play(
        who, request.match_info["recording_id"], request.match_info["track_id"]
    )
    try:
        first = next(chunks, b"")  # a damaged file fails here, before any header is sent
    except SealedFileError:
        return web.json_response(
            {"error": {"code": "recording_damaged", "message": "the recording file is damaged"}}, status=500
        )
    response = web.StreamResponse(
        headers={
            "Content-Type": "audio/ogg",
            "Cache-Control": "no-store",
            "Content-Disposition": "inline",
        }
    )
    await response.prepare(request)
    await response.write(first)
    try:
        for chunk in chunks:
            await response.write(chunk)
    except SealedFileError:
        # Headers are gone: cut the stream short so the client sees an incomplete body, never bad audio.
        request.transport and request.transport.close()  # type: ignore[func-returns-value]
        return response
    await response.write_eof()
    return response


async def audit_log(request: web.Request) -> web.Response:
    who = require_session(request).principal
    entries = await services(request).recordings.audit_log(who, request.match_info["recording_id"])
    return web.json_response({"entries": [audit_json(e) for e in entries]})


def routes() -> list[web.RouteDef]:
    return [
        web.get("/api/organisations/{organisation_id}/recording-policy", get_policy),
        web.put("/api/organisations/{organisation_id}/recording-policy", put_policy),
        web.post("/api/calls/{call_id}/recording/legs", start_leg),
        web.delete("/api/recording-legs/{leg_id}", end_leg),
        web.get("/api/recordings", list_recordings),
        web.get("/api/recordings/{recording_id}", show_recording),
        web.get("/api/recordings/{recording_id}/tracks/{track_id}", play_track),
        web.get("/api/recordings/{recording_id}/audit", audit_log),
    ]
