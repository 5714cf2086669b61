"""The timed work around a confirmed booking: reminders, the room opening, no-show and completion.

Once a booking is confirmed, jobs are scheduled through :class:`scheduler.timers.Timers`; when it stops being
confirmed (cancelled, withdrawn, reassigned) they are cancelled. Every effect re-reads the booking and acts
only if it is still confirmed, and every change it makes is a compare-and-set or a unique row, so an effect
that runs twice, or late, changes nothing the second time.

Misfire policies (what a job does when its time passed while no process ran jobs), one per kind:

* ``reminder_<s>`` (s seconds before the start): still useful until the start, so its grace is ``s``;
  after the start it is dropped.
* ``room_open``: opening late is better than never while the booking lasts: grace = ``ROOM_GRACE``, and
  the effect itself does nothing once the booking has ended.
* ``no_show_check`` and ``booking_end``: the record must be made however late: no limit.

A relay booking's room has three people (the caseworker and both legs' interpreters); the booking is a
no-show when any of them never joined, since the chain through the pivot language needs both legs.
* ``offer_expiry`` (scheduler.offers) and shift edges (scheduler.rosters) are stated where registered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from core.clock import Clock
from core.errors import Conflict, NotFound
from core.ids import UserId
from scheduler.booking_states import BookingState
from scheduler.booking_types import Booking
from scheduler.bookings import BookingService
from scheduler.notifications import Notifications
from scheduler.timed_work import Effect, MisfirePolicy
from scheduler.timers import Timers

ROOM_OPEN = "room_open"
NO_SHOW_CHECK = "no_show_check"
BOOKING_END = "booking_end"
ROOM_GRACE = timedelta(hours=12)


def reminder_kind(offset: timedelta) -> str:
    return f"reminder_{int(offset.total_seconds())}"


def _seats(booking: Booking) -> list[tuple[str, UserId]]:
    """Who is expected in the booking's room, by the seat they take there (the signalling roles)."""
    seats = [("caseworker", booking.caseworker_id)]
    if booking.interpreter_id is not None:
        seats.append(("interpreter", booking.interpreter_id))
    if booking.relay_interpreter_id is not None:
        seats.append(("relay_interpreter", booking.relay_interpreter_id))
    return seats


class Rooms(Protocol):
    """The call room of a booking, kept by the signalling server (wired by the composition root)."""

    async def open(self, booking: Booking) -> bool:
        """Open the room and invite everyone (both legs of a relay); False when it cannot have one."""

    async def attendance(self, booking_id: str) -> frozenset[UserId]: ...


class BookingJobs:
    def __init__(
        self,
        bookings: BookingService,
        notifications: Notifications,
        timers: Timers,
        rooms: Rooms,
        clock: Clock,
        reminder_offsets: Sequence[timedelta],
        no_show_grace: timedelta,
    ) -> None:
        self._bookings = bookings
        self._notifications = notifications
        self._timers = timers
        self._rooms = rooms
        self._clock = clock
        self._offsets = tuple(sorted(set(reminder_offsets), reverse=True))
        self._no_show_grace = no_show_grace

    def policies(self) -> dict[str, MisfirePolicy]:
        """Each kind this module schedules, with its misfire policy (see the module docstring)."""
        kinds = {reminder_kind(o): MisfirePolicy(grace=o) for o in self._offsets}
        kinds[ROOM_OPEN] = MisfirePolicy(grace=ROOM_GRACE)
        kinds[NO_SHOW_CHECK] = MisfirePolicy(grace=None)
        kinds[BOOKING_END] = MisfirePolicy(grace=None)
        return kinds

    # -- BookingLifecycle ------------------------------------------------------------------------

    async def confirmed(self, booking: Booking) -> None:
        now = self._clock.now()
        start, end = booking.interval.start_utc, booking.interval.end_utc
        for offset in self._offsets:
            if start - offset > now:
                await self._timers.schedule(reminder_kind(offset), booking.id, start - offset)
        await self._timers.schedule(ROOM_OPEN, booking.id, start)
        await self._timers.schedule(NO_SHOW_CHECK, booking.id, min(start + self._no_show_grace, end))
        await self._timers.schedule(BOOKING_END, booking.id, end)
        for person in (booking.caseworker_id, *booking.interpreters):
            await self._notifications.send(person, "booking_confirmed", booking.id, self._body(booking))

    async def unconfirmed(self, booking: Booking) -> None:
        for kind in (*(reminder_kind(o) for o in self._offsets), ROOM_OPEN, NO_SHOW_CHECK, BOOKING_END):
            await self._timers.cancel(kind, booking.id)

    # -- effects ---------------------------------------------------------------------------------

    def effects(self) -> dict[str, Effect]:
        effects: dict[str, Effect] = {reminder_kind(o): self._reminder(o) for o in self._offsets}
        effects |= {ROOM_OPEN: self.open_room, NO_SHOW_CHECK: self.check_attendance, BOOKING_END: self.end}
        return effects

    def _reminder(self, offset: timedelta) -> Effect:
        async def remind(booking_id: str) -> None:
            await self.remind(booking_id, offset)

        return remind

    async def _confirmed(self, booking_id: str) -> Booking | None:
        try:
            booking = await self._bookings.get(booking_id)
        except NotFound:
            return None
        return booking if booking.state is BookingState.CONFIRMED else None

    def _body(self, booking: Booking) -> dict[str, str]:
        return {
            "booking_id": booking.id,
            "start": booking.interval.start_utc.isoformat(),
            "end": booking.interval.end_utc.isoformat(),
            "language": booking.language.tag,
            "modality": booking.modality.value,
        }

    async def remind(self, booking_id: str, offset: timedelta) -> None:
        booking = await self._confirmed(booking_id)
        if booking is None or booking.interval.start_utc <= self._clock.now():
            return
        for person in (booking.caseworker_id, *booking.interpreters):
            await self._notifications.send(person, reminder_kind(offset), booking.id, self._body(booking))

    async def open_room(self, booking_id: str) -> None:
        booking = await self._confirmed(booking_id)
        if booking is None or booking.interval.end_utc <= self._clock.now():
            return
        if not await self._rooms.open(booking):
            return
        for person in (booking.caseworker_id, *booking.interpreters):
            await self._notifications.send(person, ROOM_OPEN, booking.id, self._body(booking))

    async def check_attendance(self, booking_id: str) -> None:
        """After the grace period: anyone expected who never joined makes the booking a no-show.

        The caseworker is told who was absent, by their seat in the room: ``caseworker``,
        ``interpreter`` (a relay's to-pivot leg) or ``relay_interpreter`` (its from-pivot leg).
        """
        booking = await self._confirmed(booking_id)
        if booking is None:
            return
        present = await self._rooms.attendance(booking.id)
        absent = sorted(role for role, person in _seats(booking) if person not in present)
        if not absent:
            return
        try:
            await self._bookings.finish(booking.id, BookingState.NO_SHOW)
        except Conflict:
            return  # finished meanwhile by another run
        body = {**self._body(booking), "absent": ",".join(absent)}
        await self._notifications.send(booking.caseworker_id, "no_show", booking.id, body)

    async def end(self, booking_id: str) -> None:
        booking = await self._confirmed(booking_id)
        if booking is None:
            return
        try:
            await self._bookings.finish(booking.id, BookingState.COMPLETED)
        except Conflict:
            return
