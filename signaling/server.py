"""The Socket.IO transport: authenticates sockets, validates each event, calls the domain, acknowledges.

Every handler answers through the acknowledgement: ``{"ok": true, ...}`` or
``{"ok": false, "error": {"code": ..., "message": ...}}``. Domain errors are translated here, once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import socketio
from aiohttp import web
from pydantic import BaseModel, ValidationError

from core.accounts import SESSION_COOKIE, AccountService, Principal, Role, session_key
from core.config import Settings
from core.errors import DomainError, Forbidden, InvalidInput, NotAuthenticated
from core.logging import log_event
from signaling.board_feed import BoardFeed
from signaling.booked_rooms import BookedRooms
from signaling.call_quality import Summary
from signaling.calls import CallService
from signaling.ice import IceConfig
from signaling.presence import PresenceService
from signaling.protocol import (
    BoardWatchPayload,
    CallRefPayload,
    CallRequestPayload,
    CallStatsPayload,
    IceCandidatePayload,
    RecordingConsentPayload,
    SessionDescriptionPayload,
    StandbyPayload,
)
from signaling.sockets import SessionSockets

log = logging.getLogger("rris.signaling")
P = TypeVar("P", bound=BaseModel)
Ack = dict[str, Any]


def error_ack(exc: DomainError) -> Ack:
    return {"ok": False, "error": {"code": exc.code, "message": exc.message}}


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "payload"
    return f"{where}: {first['msg']}"


class SocketNotifier:
    """The domain's :class:`~signaling.calls.Notifier`, over Socket.IO (and its Redis manager)."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio

    async def send(self, sid: str, event: str, payload: dict[str, Any]) -> None:
        await self._sio.emit(event, payload, to=sid)


def session_token(environ: dict[str, Any]) -> str | None:
    """The session cookie of the handshake, read by the same parser as the HTTP edge (aiohttp's).

    ``http.cookies.SimpleCookie`` gives up at the first cookie it finds malformed: one harmless
    neighbour cookie of the site (a value with a space or JSON in it) would hide the session cookie,
    and the socket would be refused although every HTTP request with the same header is accepted.
    """
    request = environ.get("aiohttp.request")  # set by engine.io's aiohttp driver (async_mode="aiohttp")
    if not isinstance(request, web.BaseRequest):
        return None
    return request.cookies.get(SESSION_COOKIE)


def create_socket_server(settings: Settings) -> socketio.AsyncServer:
    """The Socket.IO server, with the Redis manager when ``RRIS_REDIS_URL`` is set (several nodes)."""
    manager = (
        socketio.AsyncRedisManager(settings.redis_url, channel=f"{settings.redis_prefix}-socketio")
        if settings.redis_url
        else None
    )
    return socketio.AsyncServer(
        async_mode="aiohttp",
        client_manager=manager,
        max_http_buffer_size=settings.max_socket_message_bytes,
        ping_interval=10,
        ping_timeout=10,
        logger=False,
        engineio_logger=False,
    )


def register_handlers(
    sio: socketio.AsyncServer,
    accounts: AccountService,
    calls: CallService,
    presence: PresenceService,
    ice: IceConfig,
    sockets: SessionSockets,
    rooms: BookedRooms,
    board: BoardFeed,
) -> None:
    """Wire every event to its payload model and domain call."""

    async def principal_of(sid: str) -> Principal:
        session = await sio.get_session(sid)
        who = session.get("principal")
        if who is None:
            raise NotAuthenticated()
        assert isinstance(who, Principal)
        return who

    def event(
        name: str, model: type[P] | None
    ) -> Callable[[Callable[[Principal, str, P], Awaitable[Ack | None]]], None]:
        def register(handler: Callable[[Principal, str, P], Awaitable[Ack | None]]) -> None:
            async def on_event(sid: str, *args: Any) -> Ack:
                # Any number of arguments may arrive (a client may emit a tuple); more than one is
                # malformed and must still get an acknowledgement, not a TypeError and silence.
                try:
                    who = await principal_of(sid)
                    if model is None:
                        payload: Any = None
                    elif len(args) > 1:
                        raise InvalidInput("expected one payload, got several arguments")
                    elif not args or not isinstance(args[0], dict):
                        raise InvalidInput("payload must be an object")
                    else:
                        payload = model.model_validate(args[0])
                    result = await handler(who, sid, payload)
                except ValidationError as exc:
                    return error_ack(InvalidInput(_validation_message(exc)))
                except DomainError as exc:
                    return error_ack(exc)
                return {"ok": True} | (result or {})

            sio.on(name, on_event)

        return register

    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        token = session_token(environ)
        try:
            view = await accounts.resolve(token)
        except NotAuthenticated as exc:
            # Arrives at the client as connect_error {"message": <code>, "data": {"code", "message"}}.
            raise socketio.exceptions.ConnectionRefusedError(exc.code, error_ack(exc)["error"]) from None
        assert token is not None
        key = session_key(token)
        await sockets.opened(key, sid, view.principal.user_id)
        await sio.save_session(sid, {"principal": view.principal, "session_key": key})
        log_event(log, "socket.connected", user=view.principal.user_id, role=view.principal.role)

    async def disconnect(sid: str, reason: Any = None) -> None:
        board.unwatch(sid)
        session = await sio.get_session(sid)
        who = session.get("principal")
        if isinstance(who, Principal):
            if "session_key" in session:
                await sockets.closed(session["session_key"], sid, who.user_id)
            await calls.socket_closed(who, sid)
            await rooms.socket_closed(who, sid)
            log_event(log, "socket.closed", user=who.user_id)

    sio.on("connect", connect)
    sio.on("disconnect", disconnect)

    @event("session:info", None)
    async def session_info(who: Principal, sid: str, _: None) -> Ack:
        current = await calls.current_call(who)
        mine = await presence.get(who.user_id) if who.role == Role.INTERPRETER else None
        return {
            "user": {"id": who.user_id, "role": who.role, "organisation_id": who.organisation_id},
            "ice_servers": [s.as_dict() for s in ice.servers_for(who.user_id)],
            "presence": mine.state if mine else None,
            "active_call": current,
            "rooms": await rooms.rooms_of(who),
            "recording_allowed": await calls.recording.allowed_for(who),
        }

    @event("presence:standby", StandbyPayload)
    async def standby(who: Principal, sid: str, payload: StandbyPayload) -> Ack:
        if who.role != Role.INTERPRETER:
            raise Forbidden("only interpreters go on standby")
        return {"state": (await presence.set_standby(who.user_id, sid, payload.on)).state}

    @event("call:request", CallRequestPayload)
    async def request(who: Principal, sid: str, payload: CallRequestPayload) -> Ack:
        return await calls.request(who, sid, payload.language, payload.gender)

    @event("call:cancel", CallRefPayload)
    async def cancel(who: Principal, sid: str, payload: CallRefPayload) -> None:
        await calls.cancel(who, payload.call_id)

    @event("call:accept", CallRefPayload)
    async def accept(who: Principal, sid: str, payload: CallRefPayload) -> Ack:
        return await calls.accept(who, sid, payload.call_id)

    @event("call:decline", CallRefPayload)
    async def decline(who: Principal, sid: str, payload: CallRefPayload) -> None:
        await calls.decline(who, payload.call_id)

    @event("call:hangup", CallRefPayload)
    async def hangup(who: Principal, sid: str, payload: CallRefPayload) -> Ack | None:
        return await rooms.hang_up(who, payload.call_id)  # in a relay room an interpreter may leave it

    @event("call:rejoin", CallRefPayload)
    async def rejoin(who: Principal, sid: str, payload: CallRefPayload) -> Ack:
        return await rooms.rejoin(who, sid, payload.call_id)  # on-demand calls go on to CallService

    @event("room:join", CallRefPayload)
    async def join_room(who: Principal, sid: str, payload: CallRefPayload) -> Ack:
        return await rooms.join(who, sid, payload.call_id)

    @event("signal:description", SessionDescriptionPayload)
    async def description(who: Principal, sid: str, payload: SessionDescriptionPayload) -> None:
        body = {"type": payload.type, "sdp": payload.sdp}
        await calls.relay(who, payload.call_id, "signal:description", body, payload.to)

    @event("signal:candidate", IceCandidatePayload)
    async def candidate(who: Principal, sid: str, payload: IceCandidatePayload) -> None:
        body = payload.candidate.model_dump(exclude_none=True) if payload.candidate else None
        await calls.relay(who, payload.call_id, "signal:candidate", {"candidate": body}, payload.to)

    @event("call:stats", CallStatsPayload)
    async def stats(who: Principal, sid: str, payload: CallStatsPayload) -> Ack:
        summary = Summary(
            rtt_ms=payload.rtt_ms,
            jitter_ms=payload.jitter_ms,
            loss_pct=payload.loss_pct,
            bitrate_kbps=payload.bitrate_kbps,
            audio_only=payload.audio_only,
            frames_per_s=payload.fps,
        )
        return await calls.quality.report(who, payload.call_id, summary)

    @event("recording:request", CallRefPayload)
    async def ask_to_record(who: Principal, sid: str, payload: CallRefPayload) -> Ack:
        return await calls.recording.request(who, payload.call_id)

    @event("recording:consent", RecordingConsentPayload)
    async def consent_to_record(who: Principal, sid: str, payload: RecordingConsentPayload) -> Ack:
        return await calls.recording.consent(who, payload.call_id, payload.agree)

    @event("recording:stop", CallRefPayload)
    async def stop_recording(who: Principal, sid: str, payload: CallRefPayload) -> Ack:
        return await calls.recording.stop(who, payload.call_id)

    @event("board:watch", BoardWatchPayload)
    async def watch_board(who: Principal, sid: str, payload: BoardWatchPayload) -> Ack:
        if payload.on:
            return {"board": await board.watch(who, sid)}
        board.unwatch(sid)
        return {}


async def close_session_sockets(sio: socketio.AsyncServer, sockets: SessionSockets, key: str) -> None:
    """Disconnect every socket of a login session, on whichever node holds it (logout)."""
    for sid in await sockets.of(key):
        await sio.disconnect(sid)
