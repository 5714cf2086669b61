"""The booking service: idempotent creation, offer rounds, cancellation and the end of a booking.

The storage rules (never a double booking) are in :mod:`scheduler.booking_store`, offer rounds in
:mod:`scheduler.offer_rounds`; the engine that picks whom to offer to is :mod:`scheduler.offers`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.errors import InvalidInput
from core.ids import UserId, new_id
from core.models import BookingRow, UserRow
from scheduler.booking_states import BookingState
from scheduler.booking_types import (
    Booking,
    BookingId,
    BookingRequest,
    IdempotencyKeyReused,
    Leg,
    Modality,
    Pick,
    SlotTaken,
    WorkloadExceeded,
    checked_idempotency_key,
)
from scheduler.offer_rounds import OfferRounds

__all__ = [
    "Booking",
    "BookingId",
    "BookingRequest",
    "BookingService",
    "IdempotencyKeyReused",
    "Leg",
    "Modality",
    "Pick",
    "SlotTaken",
    "WorkloadExceeded",
]


class BookingService(OfferRounds):
    """Creates bookings and moves them through :mod:`scheduler.booking_states`, holding interpreters' time."""

    async def create(self, request: BookingRequest, idempotency_key: str | None = None) -> Booking:
        """A new ``requested`` booking; with a key this caseworker used before, the booking made then."""
        booking, _ = await self.place(request, idempotency_key)
        return booking

    async def place(
        self, request: BookingRequest, idempotency_key: str | None = None
    ) -> tuple[Booking, bool]:
        """As :meth:`create`, also telling whether the booking is new (``False``: a replay of the key)."""
        key = checked_idempotency_key(idempotency_key)
        fingerprint = request.fingerprint()
        if key is not None and (earlier := await self._replay(request.caseworker_id, key, fingerprint)):
            return earlier, False
        if request.interval.start_utc < self._clock.now():
            raise InvalidInput("a booking cannot start in the past")
        counterpart = request.requirements.counterpart_language
        row = BookingRow(
            id=new_id(),
            organisation_id=request.organisation_id,
            caseworker_id=request.caseworker_id,
            language=request.language.tag,
            dialect=request.dialect,
            start_at=request.interval.start_utc,
            end_at=request.interval.end_utc,
            modality=request.modality.value,
            state=BookingState.REQUESTED.value,
            interpreter_id=None,
            counterpart_language=counterpart.tag if counterpart else None,
            requirements=request.requirements.to_json(),
            idempotency_key=key,
            request_fingerprint=fingerprint,
            created_at=self._clock.now(),
            version=1,
        )
        try:
            async with self._writing() as session:
                caseworker = await session.get(UserRow, request.caseworker_id)
                if caseworker is None or caseworker.organisation_id != request.organisation_id:
                    raise InvalidInput("no such caseworker in this organisation")
                session.add(row)
        except IntegrityError:
            # The same key, committed by a concurrent request since we looked.
            if (
                key is None
                or (earlier := await self._replay(request.caseworker_id, key, fingerprint)) is None
            ):
                raise
            return earlier, False
        return Booking.from_row(row), True

    async def _replay(self, caseworker_id: UserId, key: str, fingerprint: str) -> Booking | None:
        query = select(BookingRow).where(
            BookingRow.caseworker_id == caseworker_id, BookingRow.idempotency_key == key
        )
        async with self._db.sessions() as session:
            row = (await session.scalars(query)).one_or_none()
        if row is None:
            return None
        if row.request_fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        return Booking.from_row(row)

    async def cancel(self, booking_id: str) -> Booking:
        """Call off a live booking; any interpreter's time it held is freed."""
        async with self._writing() as session:
            row = await self._row(session, booking_id)
            for offer in await self._offers(session, row.id):
                if offer.answer is None:
                    offer.answer, offer.answered_at = "released", self._clock.now()
                offer.current = False
            booking = await self._move(session, row, BookingState.CANCELLED)
            await self._free(session, row.id)
        return booking

    async def finish(self, booking_id: str, outcome: BookingState) -> Booking:
        """Record a confirmed booking as ``completed`` or ``no_show``; the time stays taken."""
        if outcome not in (BookingState.COMPLETED, BookingState.NO_SHOW):
            raise InvalidInput("a booking finishes as completed or no_show")
        async with self._writing() as session:
            return await self._move(session, await self._row(session, booking_id), outcome)
