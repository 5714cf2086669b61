"""The scheduler's view of booked call rooms, kept by the signalling server.

A booking's room seats its caseworker and its interpreter; a relay booking's room seats both legs'
interpreters as well, the to-pivot one as ``interpreter`` and the from-pivot one as ``relay_interpreter``,
so that the chain through the pivot language is one three-party room (see ``docs/signalling-protocol.md``,
section 10). Attendance is read back from the room for the no-show decision.
"""

from __future__ import annotations

import logging

from core.db import Database
from core.ids import UserId
from core.logging import log_event
from core.models import OrganisationRow
from scheduler.booking_types import Booking
from signaling.booked_rooms import BookedRooms

log = logging.getLogger("rris.booking_rooms")


class SignallingRooms:
    def __init__(self, rooms: BookedRooms, db: Database) -> None:
        self._rooms = rooms
        self._db = db

    async def open(self, booking: Booking) -> bool:
        # A confirmed booking always has its interpreters; one without them has nobody to seat.
        if booking.interpreter_id is None or (booking.is_relay and booking.relay_interpreter_id is None):
            log_event(log, "booking.room_not_opened", booking=booking.id, reason="interpreter_missing")
            return False
        async with self._db.sessions() as session:
            organisation = await session.get(OrganisationRow, booking.organisation_id)
        await self._rooms.open(
            booking.id,
            booking.organisation_id,
            organisation.name if organisation else "",
            booking.caseworker_id,
            booking.interpreter_id,
            booking.language.tag,
            booking.interval.end_utc,
            relay_interpreter_id=booking.relay_interpreter_id,
        )
        return True

    async def attendance(self, booking_id: str) -> frozenset[UserId]:
        return await self._rooms.attendance(booking_id)
