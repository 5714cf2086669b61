"""Offer rounds: one interpreter, or the two of a relay, holding a booking's time until they all accept.

A round opens with :meth:`scheduler.holds.Holds.hold` and ends ``confirmed`` once every interpreter in
it accepted; a decline, a withdrawal or an expired offer closes the whole round, frees all its held time
and puts the booking back to ``requested`` for the engine (:mod:`scheduler.offers`) to offer again. So a
relay is all or nothing. Who declined, withdrew or let an offer expire is kept, and not asked again for
that booking.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update

from core.errors import Conflict
from core.ids import UserId
from core.models import BookingOfferRow, BookingRow
from scheduler.booking_states import BookingState
from scheduler.booking_types import Booking
from scheduler.holds import Holds

_REFUSED = frozenset({"declined", "expired", "withdrawn"})  # answers that keep someone from a re-offer


class OfferRounds(Holds):
    """Answers to an offer round: accept, decline, withdraw, expiry, a coordinator's release."""

    async def accept(
        self, booking_id: str, interpreter_id: UserId, expected_version: int | None = None
    ) -> Booking:
        """Accept one's open offer; the booking is ``confirmed`` once every interpreter of the round has.

        Compare-and-set on the offer: of simultaneous accepts, one wins. ``expected_version`` (the booking
        as the interpreter saw it) makes an accept of a since-changed booking fail instead.
        """
        async with self._writing() as session:
            row = await self._row(session, booking_id)
            if row.state != BookingState.OFFERED or interpreter_id not in (
                row.interpreter_id,
                row.relay_interpreter_id,
            ):
                raise Conflict("this booking is not on offer to you")
            if expected_version is not None and row.version != expected_version:
                raise Conflict("the booking changed since you saw it")
            taken = await session.execute(
                update(BookingOfferRow)
                .where(
                    BookingOfferRow.booking_id == row.id,
                    BookingOfferRow.interpreter_id == interpreter_id,
                    BookingOfferRow.current.is_(True),
                    BookingOfferRow.answer.is_(None),
                )
                .values(answer="accepted", answered_at=self._clock.now())
            )
            if getattr(taken, "rowcount", 0) != 1:
                raise Conflict("you have already answered this offer")
            waiting = await session.scalar(
                select(BookingOfferRow.id).where(
                    BookingOfferRow.booking_id == row.id,
                    BookingOfferRow.current.is_(True),
                    BookingOfferRow.answer.is_(None),
                )
            )
            if waiting is not None:  # the relay partner has not answered yet
                return await self._move(session, row, None)
            return await self._move(session, row, BookingState.CONFIRMED)

    async def decline(self, booking_id: str, interpreter_id: UserId) -> Booking:
        """``interpreter_id`` turns down their open offer: the round closes, the booking is requested."""
        async with self._writing() as session:
            row = await self._row(session, booking_id)
            offer = await self._current_offer(session, row.id, interpreter_id)
            if row.state != BookingState.OFFERED or offer is None or offer.answer is not None:
                raise Conflict("this booking is not on offer to you")
            return Booking.from_row(await self._close_round(session, row, interpreter_id, "declined"))

    async def withdraw(self, booking_id: str, interpreter_id: UserId) -> Booking:
        """An interpreter gives back a booking they accepted: requested again, to be offered to another."""
        async with self._writing() as session:
            row = await self._row(session, booking_id)
            offer = await self._current_offer(session, row.id, interpreter_id)
            if offer is None or offer.answer != "accepted" or row.start_at <= self._clock.now():
                raise Conflict("you hold no accepted booking here that has not started")
            return Booking.from_row(await self._close_round(session, row, interpreter_id, "withdrawn"))

    async def expire(self, booking_id: str) -> Booking | None:
        """Close the round if an offer in it is unanswered past its expiry; None when nothing was due."""
        now = self._clock.now()
        async with self._writing() as session:
            row = await self._row(session, booking_id)
            if row.state != BookingState.OFFERED:
                return None
            overdue = await session.scalar(
                select(BookingOfferRow.id).where(
                    BookingOfferRow.booking_id == row.id,
                    BookingOfferRow.current.is_(True),
                    BookingOfferRow.answer.is_(None),
                    BookingOfferRow.expires_at <= now,
                )
            )
            if overdue is None:
                return None
            return Booking.from_row(await self._close_round(session, row, None, "expired"))

    async def release(self, booking_id: str) -> Booking:
        """Close the round in progress without blaming anyone (a coordinator's doing)."""
        async with self._writing() as session:
            row = await self._row(session, booking_id)
            return Booking.from_row(await self._close_round(session, row, None, "released"))

    async def refused_by(self, booking_id: str) -> frozenset[UserId]:
        """Who declined, withdrew from or let expire an offer of this booking: not asked again."""
        query = select(BookingOfferRow.interpreter_id).where(
            BookingOfferRow.booking_id == booking_id, BookingOfferRow.answer.in_(sorted(_REFUSED))
        )
        async with self._db.sessions() as session:
            return frozenset(UserId(u) for u in (await session.scalars(query)).all())

    async def note(self, booking_id: str, explanation: dict[str, Any]) -> None:
        """Record why matching found nobody (the booking stays ``requested`` for a coordinator)."""
        async with self._writing() as session:
            await session.execute(
                update(BookingRow)
                .where(BookingRow.id == booking_id)
                .values(explanation=json.dumps(explanation))
            )
