"""Booked rooms: at a booking's start, one call room for its caseworker and interpreter, and who came.

A room is a live call that is ``active`` from the start, with both participants known and neither joined:
each side counts as disconnected until the booking closes, so the relay, hang-up, grace period and sweep of
:mod:`signaling.calls` work for it unchanged, and it ends (``dropped``) once ``closes_at`` passes with a side
still absent. Joining is a rejoin that also binds the interpreter's presence (``in_call``, so they are not
rung meanwhile) and records attendance, which outlives the room by ``keep_for`` for the no-show decision.

The room's marker (``booked-room:<booking id>``) is created by compare-and-set, so of two nodes opening the
same booking one wins and the other returns the winner's call id.

A booked room writes no call record: its durable trace is the booking, which the scheduler completes or
marks no-show from :meth:`BookedRooms.attendance`. A call record (the on-demand trace, with ring attempts)
would count the session's minutes a second time in the usage report, which adds answered calls to
completed bookings, and ``call_records`` has no column yet to tell a booked call apart.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from core.accounts import Principal
from core.clock import Clock
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.ids import CallId, OrganisationId, UserId, new_id
from core.languages import LanguageTag
from core.logging import log_event
from core.state_store import Document, Entry, StateStore
from signaling.call_documents import (
    CASEWORKER,
    INTERPRETER,
    LIVE_CALLS,
    booked_call,
    booking_of,
    call_key,
    public_view,
    read_call,
    role_in,
)
from signaling.calls import CallService, Notifier, TaskSpawner
from signaling.live import update
from signaling.presence import PresenceService
from signaling.sockets import SessionSockets
from signaling.states import PresenceState

log = logging.getLogger("rris.rooms")

ROOMS = "booked-rooms"  # every booking with a marker, so that old markers are forgotten
KEEP_FOR = timedelta(days=1)  # attendance outlives the booking's close by this much
FORGET_INTERVAL_S = 60.0
MAX_ORGANISATION_NAME = 200
_BOOKING_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def room_key(booking_id: str) -> str:
    return f"booked-room:{booking_id}"


def user_rooms_key(user_id: str) -> str:
    return f"user-rooms:{user_id}"


def _checked_booking_id(booking_id: str) -> str:
    if not isinstance(booking_id, str) or not _BOOKING_ID.fullmatch(booking_id):
        raise InvalidInput("a booking id is 1 to 64 characters of A-Z, a-z, 0-9, _ and -")
    return booking_id


def _room_view(call: Document) -> dict[str, Any]:
    """What both participants are told of a booked room (as of a call, plus the booking)."""
    booking = booking_of(call)
    assert booking is not None
    closes_at = datetime.fromtimestamp(booking["closes_at"], UTC)
    return public_view(call) | {"booking_id": booking["id"], "closes_at": closes_at.isoformat()}


class BookedRooms:
    def __init__(
        self,
        store: StateStore,
        calls: CallService,
        presence: PresenceService,
        sockets: SessionSockets,
        notifier: Notifier,
        clock: Clock,
        tasks: TaskSpawner,
        keep_for: timedelta = KEEP_FOR,
        forget_interval_s: float = FORGET_INTERVAL_S,
    ) -> None:
        self._store = store
        self._calls = calls
        self._presence = presence
        self._sockets = sockets
        self._notify = notifier
        self._clock = clock
        self._tasks = tasks
        self._keep_for = keep_for
        self._forget_interval_s = forget_interval_s

    async def open(
        self,
        booking_id: str,
        organisation_id: OrganisationId,
        organisation_name: str,
        caseworker_id: UserId,
        interpreter_id: UserId,
        language: str,
        closes_at: datetime,
    ) -> CallId:
        """Open the booking's room and tell both people on every socket they have open; once per booking.

        Opening again (on any node, at the same time or later) creates nothing and returns the same id.
        """
        _checked_booking_id(booking_id)
        existing = await self._store.get(room_key(booking_id))
        if existing is not None:
            return await self._opened_before(existing.value)
        now = self._clock.now()
        if not isinstance(closes_at, datetime) or closes_at.tzinfo is None:
            raise InvalidInput("closes_at must be a timezone-aware datetime")
        if closes_at <= now:
            raise InvalidInput("the booking has already closed")
        if caseworker_id == interpreter_id:
            raise InvalidInput("the caseworker and the interpreter must be two people")
        if not isinstance(organisation_name, str) or not 1 <= len(organisation_name) <= MAX_ORGANISATION_NAME:
            raise InvalidInput(f"organisation_name must be 1 to {MAX_ORGANISATION_NAME} characters")
        tag = LanguageTag.parse(language)
        call_id = CallId(new_id())
        call = booked_call(
            call_id,
            booking_id,
            organisation_id,
            organisation_name,
            caseworker_id,
            interpreter_id,
            tag.tag,
            now,
            closes_at,
        )
        closes = call["booking"]["closes_at"]
        marker = {
            "booking_id": booking_id,
            "call_id": call_id,
            "caseworker": caseworker_id,
            "interpreter": interpreter_id,
            "keep_until": closes + self._keep_for.total_seconds(),
            "attended": [],
        }
        # The call first, under a fresh id nobody knows yet; the marker then decides which open won.
        await self._store.create(call_key(call_id), call)
        if await self._store.create(room_key(booking_id), marker) is None:
            await self._store.delete(call_key(call_id))
            winner = await self._store.get(room_key(booking_id))
            if winner is None:
                raise Conflict("the room was forgotten meanwhile; try again")
            return CallId(winner.value["call_id"])
        await self._index(marker)
        self._clock.call_later(
            closes - now.timestamp(), lambda: self._tasks.spawn(self._close_if_absent(call_id, closes))
        )
        log_event(log, "room.opened", call_id=call_id, booking=booking_id)
        await self._announce(call)
        return call_id

    async def _opened_before(self, marker: Document) -> CallId:
        # Re-assert the indexes of a live room, in case the node that opened it died half-way.
        call_id = CallId(marker["call_id"])
        if await self._store.get(call_key(call_id)) is not None:
            await self._index(marker)
        return call_id

    async def _index(self, marker: Document) -> None:
        await self._store.set_add(ROOMS, marker["booking_id"])
        await self._store.set_add(LIVE_CALLS, marker["call_id"])
        for user in (marker["caseworker"], marker["interpreter"]):
            await self._store.set_add(user_rooms_key(user), marker["call_id"])

    async def _announce(self, call: Document) -> None:
        payload = _room_view(call)
        for role in (CASEWORKER, INTERPRETER):
            for sid in sorted(await self._sockets.of_user(call[role])):
                await self._notify.send(sid, "room:open", payload | {"role": role})

    async def _close_if_absent(self, call_id: CallId, closes: float) -> None:
        """At ``closes_at``: a side that never came, or left and is still gone, ends the room."""
        for role in (CASEWORKER, INTERPRETER):
            await self._calls.endings.grace_expired(call_id, role, closes)

    async def join(self, who: Principal, sid: str, call_id: str) -> dict[str, Any]:
        """Take your side of a booked room from socket ``sid``, for the first time or again."""
        call = await read_call(self._store, call_id)
        booking = booking_of(call)
        if booking is None:
            raise NotFound("no such booked room")
        role = role_in(call, who.user_id)  # forbidden for anyone but its two participants
        if role == INTERPRETER:
            await self._presence.hold_for_call(who.user_id, CallId(call_id), sid)
        try:
            joined = await self._calls.rejoin(who, sid, call_id)
        except DomainError:
            if role == INTERPRETER:  # the room ended meanwhile: do not stay bound to it
                await self._presence.move(who.user_id, call_id, PresenceState.AWAY)
            raise
        await self._attended(booking["id"], who.user_id)
        log_event(log, "room.joined", call_id=call_id, role=role)
        return {k: v for k, v in joined.items() if k != "ice_restart"} | {"booking_id": booking["id"]}

    async def rejoin(self, who: Principal, sid: str, call_id: str) -> dict[str, Any]:
        """``call:rejoin`` of any live call: a booked room's side is taken as by :meth:`join`."""
        entry = await self._store.get(call_key(call_id))
        if entry is not None and booking_of(entry.value) is not None:
            return await self.join(who, sid, call_id) | {"ice_restart": True}
        return await self._calls.rejoin(who, sid, call_id)

    async def _attended(self, booking_id: str, user_id: UserId) -> None:
        def change(marker: Document) -> Document:
            return marker | {"attended": sorted({*marker["attended"], user_id})}

        try:
            await update(self._store, room_key(booking_id), change)
        except NotFound:  # forgotten: the room outlived its booking by more than keep_for
            return

    async def attendance(self, booking_id: str) -> frozenset[UserId]:
        """Who has joined the booking's room at least once; kept until ``keep_for`` after it closed."""
        entry = await self._store.get(room_key(_checked_booking_id(booking_id)))
        return frozenset(UserId(u) for u in entry.value["attended"]) if entry else frozenset()

    async def rooms_of(self, who: Principal) -> list[dict[str, Any]]:
        """The live booked rooms this user takes part in (``disconnected``: the sides not in it now)."""
        key = user_rooms_key(who.user_id)
        ids = sorted(await self._store.set_members(key))
        rooms = []
        for call_id, entry in zip(ids, await self._store.get_many([call_key(i) for i in ids]), strict=True):
            if entry is None:
                await self._store.set_remove(key, call_id)
                continue
            call = entry.value
            rooms.append(
                _room_view(call)
                | {"role": role_in(call, who.user_id), "disconnected": sorted(call["disconnected"])}
            )
        return rooms

    async def socket_closed(self, who: Principal, sid: str) -> None:
        """Start the grace period of every booked room this socket held a side of."""
        key = user_rooms_key(who.user_id)
        for call_id in await self._store.set_members(key):
            entry = await self._store.get(call_key(call_id))
            if entry is None:
                await self._store.set_remove(key, call_id)
                continue
            role = CASEWORKER if entry.value[CASEWORKER] == who.user_id else INTERPRETER
            if entry.value[f"{role}_sid"] == sid:
                await self._calls.endings.start_grace(call_id, role, sid)

    # -- forgetting old markers ------------------------------------------------------------------

    def start_sweeping(self) -> None:
        """Every node forgets markers past their keeping time, periodically; repeats are harmless."""
        self._clock.call_later(self._forget_interval_s, lambda: self._tasks.spawn(self._forget_then_rearm()))

    async def _forget_then_rearm(self) -> None:
        try:
            await self.forget_old()
        finally:
            self.start_sweeping()

    async def forget_old(self) -> None:
        """Drop the markers, and so the attendance, of rooms closed more than ``keep_for`` ago."""
        now = self._clock.now().timestamp()
        ids = sorted(await self._store.set_members(ROOMS))
        entries: list[Entry | None] = await self._store.get_many([room_key(b) for b in ids])
        for booking_id, entry in zip(ids, entries, strict=True):
            if entry is not None and entry.value["keep_until"] > now:
                continue
            if entry is not None:
                if not await self._store.delete(room_key(booking_id), entry):
                    continue  # attendance changed meanwhile: next time
                for user in (entry.value["caseworker"], entry.value["interpreter"]):
                    await self._store.set_remove(user_rooms_key(user), entry.value["call_id"])
            await self._store.set_remove(ROOMS, booking_id)
