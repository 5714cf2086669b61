"""The booking service: idempotent creation, offer rounds, cancellation and the end of a booking.

The storage rules (never a double booking) are in :mod:`scheduler.booking_store`, offer rounds in
:mod:`scheduler.offer_rounds`; the engine that picks whom to offer to is :mod:`scheduler.offers`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.group_commit import Batches, settled
from core.ids import new_id
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


@dataclass(frozen=True)
class _PlaceOrder:
    request: BookingRequest
    key: str | None
    fingerprint: str


class BookingService(OfferRounds):
    """Creates bookings and moves them through :mod:`scheduler.booking_states`, holding interpreters' time."""

    async def create(self, request: BookingRequest, idempotency_key: str | None = None) -> Booking:
        """A new ``requested`` booking; with a key this caseworker used before, the booking made then."""
        booking, _ = await self.place(request, idempotency_key)
        return booking

    @functools.cached_property
    def _places(self) -> Batches[_PlaceOrder, tuple[Booking, bool]]:
        return Batches(self._place_batch)

    async def place(
        self, request: BookingRequest, idempotency_key: str | None = None
    ) -> tuple[Booking, bool]:
        """As :meth:`create`, also telling whether the booking is new (``False``: a replay of the key).

        Group-committed: concurrent creations share transactions, each getting its own answer.
        """
        order = _PlaceOrder(request, checked_idempotency_key(idempotency_key), request.fingerprint())
        return await self._places.submit(order)

    async def _place_batch(self, orders: list[_PlaceOrder]) -> list[tuple[Booking, bool] | BaseException]:
        try:
            async with self._writing() as session:
                return await self._place_all(session, orders)
        except IntegrityError:
            if len(orders) == 1 and orders[0].key is None:
                raise
        # A key committed by another process since the batch looked: each alone now sees, and replays, it.
        return [await settled(self._place_alone(order)) for order in orders]

    async def _place_alone(self, order: _PlaceOrder) -> tuple[Booking, bool]:
        async with self._writing() as session:
            [outcome] = await self._place_all(session, [order])
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def _place_all(
        self, session: AsyncSession, orders: list[_PlaceOrder]
    ) -> list[tuple[Booking, bool] | BaseException]:
        """Replays and new bookings in one transaction: three statements for the whole batch."""
        keyed = {(o.request.caseworker_id, o.key) for o in orders if o.key is not None}
        earlier: dict[tuple[str, str], BookingRow] = {}
        if keyed:
            pair = tuple_(BookingRow.caseworker_id, BookingRow.idempotency_key)
            for row in await session.scalars(select(BookingRow).where(pair.in_(sorted(keyed)))):
                earlier[(row.caseworker_id, row.idempotency_key or "")] = row
        caseworkers = {o.request.caseworker_id for o in orders}
        found = await session.execute(
            select(UserRow.id, UserRow.organisation_id).where(UserRow.id.in_(caseworkers))
        )
        organisation_of = {user_id: organisation_id for user_id, organisation_id in found}
        outcomes: list[tuple[Booking, bool] | BaseException] = []
        for order in orders:
            try:
                outcomes.append(self._place_one(session, order, earlier, organisation_of))
            except Exception as refused:
                outcomes.append(refused)
        await session.flush()
        return outcomes

    def _place_one(
        self,
        session: AsyncSession,
        order: _PlaceOrder,
        earlier: dict[tuple[str, str], BookingRow],
        organisation_of: Mapping[str, str | None],
    ) -> tuple[Booking, bool]:
        request = order.request
        if order.key is not None and (row := earlier.get((request.caseworker_id, order.key))):
            if row.request_fingerprint != order.fingerprint:
                raise IdempotencyKeyReused()
            return Booking.from_row(row), False
        if request.interval.start_utc < self._clock.now():
            raise InvalidInput("a booking cannot start in the past")
        if organisation_of.get(request.caseworker_id) != request.organisation_id:
            raise InvalidInput("no such caseworker in this organisation")
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
            idempotency_key=order.key,
            request_fingerprint=order.fingerprint,
            created_at=self._clock.now(),
            version=1,
        )
        session.add(row)
        if order.key is not None:
            earlier[(request.caseworker_id, order.key)] = row  # the same key again in this batch replays it
        return Booking.from_row(row), True

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
