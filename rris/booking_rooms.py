"""The scheduler's view of booked call rooms, kept by the signalling server.

Relay bookings (three people) get no room yet: a room is a two-party call. Their participants are told by
notification, and attendance is not observed for them (see the README's status section).
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
        if booking.is_relay or booking.interpreter_id is None:
            log_event(log, "booking.room_not_opened", booking=booking.id, reason="relay")
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
        )
        return True

    async def attendance(self, booking_id: str) -> frozenset[UserId]:
        return await self._rooms.attendance(booking_id)
