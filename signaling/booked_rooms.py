"""Booked rooms: at a booking's start, one call room for its people, and who came.

A room is a live call that is ``active`` from the start, with every participant known and nobody joined:
each side counts as disconnected until the booking closes, so the relay, hang-up, grace period and sweep of
:mod:`signaling.calls` work for it unchanged, and it ends (``dropped``) once ``closes_at`` passes with a side
still absent. Joining is a rejoin that also binds the interpreter's presence (``in_call``, so they are not
rung meanwhile) and records attendance (:mod:`signaling.room_attendance`), which outlives the room for the
no-show decision.

A relay booking's room has three seats: the caseworker, the to-pivot interpreter (``interpreter``) and the
from-pivot one (``relay_interpreter``). Everyone must hear everyone, so media is a mesh of three peer
connections, each negotiated through the server with messages that name their target (``to``). Before the
booking closes an interpreter's hang-up only takes them out of the room, which waits for them to come back
(the chain through the pivot needs both); the caseworker's ends it for all.

A booked room writes no call record: its durable trace is the booking, which the scheduler completes or
marks no-show from :meth:`BookedRooms.attendance`. A call record (the on-demand trace, with ring attempts)
would count the session's minutes a second time in the usage report, which adds answered calls to
completed bookings, and ``call_records`` has no column yet to tell a booked call apart.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from core.accounts import Principal
from core.clock import Clock
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.ids import CallId, OrganisationId, UserId, new_id
from core.languages import LanguageTag
from core.logging import log_event
from core.state_store import Document, StateStore
from signaling.call_documents import (
    CASEWORKER,
    INTERPRETER,
    RELAY_INTERPRETER,
    THREE_SEATS,
    booked_call,
    booking_of,
    call_key,
    public_view,
    read_call,
    role_in,
    roles_of,
    seat_of,
)
from signaling.calls import CallService, Notifier, TaskSpawner
from signaling.presence import PresenceService
from signaling.room_attendance import (
    FORGET_INTERVAL_S,
    KEEP_FOR,
    RoomAttendance,
    checked_booking_id,
    room_key,
    user_rooms_key,
)
from signaling.sockets import SessionSockets
from signaling.states import CallState, PresenceState

__all__ = ["BookedRooms", "room_key"]

log = logging.getLogger("rris.rooms")

MAX_ORGANISATION_NAME = 200


def _room_view(call: Document) -> dict[str, Any]:
    """What every participant is told of a booked room (as of a call, plus the booking).

    A relay room also lists its seats (``participants``), in the order that says who offers to whom.
    """
    booking = booking_of(call)
    assert booking is not None
    closes_at = datetime.fromtimestamp(booking["closes_at"], UTC)
    view = public_view(call) | {"booking_id": booking["id"], "closes_at": closes_at.isoformat()}
    if RELAY_INTERPRETER in call:
        view["participants"] = list(THREE_SEATS)
    return view


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
        self._attendance = RoomAttendance(store, clock, tasks, keep_for, forget_interval_s)

    async def open(
        self,
        booking_id: str,
        organisation_id: OrganisationId,
        organisation_name: str,
        caseworker_id: UserId,
        interpreter_id: UserId,
        language: str,
        closes_at: datetime,
        relay_interpreter_id: UserId | None = None,
    ) -> CallId:
        """Open the booking's room and tell its people on every socket they have open; once per booking.

        ``relay_interpreter_id``, for a relay booking: the from-pivot interpreter, the room's third seat.
        Opening again (on any node, at the same time or later) creates nothing and returns the same id.
        """
        existing = await self._attendance.marker(booking_id)
        if existing is not None:
            return await self._opened_before(existing)
        now = self._clock.now()
        if not isinstance(closes_at, datetime) or closes_at.tzinfo is None:
            raise InvalidInput("closes_at must be a timezone-aware datetime")
        if closes_at <= now:
            raise InvalidInput("the booking has already closed")
        people = {CASEWORKER: caseworker_id, INTERPRETER: interpreter_id}
        if relay_interpreter_id is not None:
            people[RELAY_INTERPRETER] = relay_interpreter_id
        if len(set(people.values())) != len(people):
            raise InvalidInput("the caseworker and the interpreters must be different people")
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
            relay_interpreter_id,
        )
        closes = call["booking"]["closes_at"]
        marker = self._attendance.new_marker(booking_id, call_id, dict(people), closes)
        # The call first, under a fresh id nobody knows yet; the marker then decides which open won.
        await self._store.create(call_key(call_id), call)
        if not await self._attendance.claim(marker):
            await self._store.delete(call_key(call_id))
            winner = await self._attendance.marker(booking_id)
            if winner is None:
                raise Conflict("the room was forgotten meanwhile; try again")
            return CallId(winner["call_id"])
        await self._attendance.index(marker)
        self._clock.call_later(
            closes - now.timestamp(), lambda: self._tasks.spawn(self._close_if_absent(call_id, closes))
        )
        log_event(log, "room.opened", call_id=call_id, booking=booking_id, seats=len(people))
        await self._announce(call)
        return call_id

    async def _opened_before(self, marker: Document) -> CallId:
        # Re-assert the indexes of a live room, in case the node that opened it died half-way.
        call_id = CallId(marker["call_id"])
        if await self._store.get(call_key(call_id)) is not None:
            await self._attendance.index(marker)
        return call_id

    async def _announce(self, call: Document) -> None:
        payload = _room_view(call)
        for role in roles_of(call):
            for sid in sorted(await self._sockets.of_user(call[role])):
                await self._notify.send(sid, "room:open", payload | {"role": role})

    async def _close_if_absent(self, call_id: CallId, closes: float) -> None:
        """At ``closes_at``: a side that never came, or left and is still gone, ends the room."""
        for role in THREE_SEATS:  # a seat the room does not have is never absent
            await self._calls.endings.grace_expired(call_id, role, closes)

    async def join(self, who: Principal, sid: str, call_id: str) -> dict[str, Any]:
        """Take your seat in a booked room from socket ``sid``, for the first time or again."""
        call = await read_call(self._store, call_id)
        booking = booking_of(call)
        if booking is None:
            raise NotFound("no such booked room")
        role = role_in(call, who.user_id)  # forbidden for anyone but its participants
        if role != CASEWORKER:
            await self._presence.hold_for_call(who.user_id, CallId(call_id), sid)
        try:
            joined = await self._calls.rejoin(who, sid, call_id)
        except DomainError:
            if role != CASEWORKER:  # the room ended meanwhile: do not stay bound to it
                await self._presence.move(who.user_id, call_id, PresenceState.AWAY)
            raise
        await self._attendance.attended(booking["id"], who.user_id)
        log_event(log, "room.joined", call_id=call_id, role=role)
        return {k: v for k, v in joined.items() if k != "ice_restart"} | {"booking_id": booking["id"]}

    async def rejoin(self, who: Principal, sid: str, call_id: str) -> dict[str, Any]:
        """``call:rejoin`` of any live call: a booked room's seat is taken as by :meth:`join`."""
        entry = await self._store.get(call_key(call_id))
        if entry is not None and booking_of(entry.value) is not None:
            return await self.join(who, sid, call_id) | {"ice_restart": True}
        return await self._calls.rejoin(who, sid, call_id)

    async def hang_up(self, who: Principal, call_id: str) -> dict[str, Any] | None:
        """``call:hangup`` of any live call. In a relay room, before it closes, an interpreter leaves it
        (``{"left": true, "grace_s"}``: it waits for them) instead of ending it for all."""
        entry = await self._store.get(call_key(call_id))
        if entry is not None and RELAY_INTERPRETER in entry.value:
            call, booking = entry.value, booking_of(entry.value)
            role = role_in(call, who.user_id)  # forbidden for anyone else, before anything changes
            open_still = booking is not None and self._clock.now().timestamp() < booking["closes_at"]
            if role != CASEWORKER and open_still and call["state"] == CallState.ACTIVE:
                return {"left": True, "grace_s": await self._calls.endings.leave(call_id, role)}
        await self._calls.hang_up(who, call_id)
        return None

    async def attendance(self, booking_id: str) -> frozenset[UserId]:
        """Who has joined the booking's room at least once; kept a while after it closed (see
        :mod:`signaling.room_attendance`)."""
        return await self._attendance.attendance(checked_booking_id(booking_id))

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
        """Start the grace period of every booked room this socket held a seat of."""
        key = user_rooms_key(who.user_id)
        for call_id in await self._store.set_members(key):
            entry = await self._store.get(call_key(call_id))
            if entry is None:
                await self._store.set_remove(key, call_id)
                continue
            role = seat_of(entry.value, who.user_id)
            if role is not None and entry.value[f"{role}_sid"] == sid:
                await self._calls.endings.start_grace(call_id, role, sid)

    # -- forgetting old markers (see signaling.room_attendance) ----------------------------------

    def start_sweeping(self) -> None:
        self._attendance.start_sweeping()

    async def forget_old(self) -> None:
        await self._attendance.forget_old()
