"""Offer rounds: one interpreter, or the two of a relay, holding a booking's time until they all accept.

A round opens with :meth:`OfferRounds.hold` and ends ``confirmed`` once every interpreter in it accepted; a
decline, a withdrawal or an expired offer closes the whole round, frees all its held time and puts the
booking back to ``requested`` for the engine (:mod:`scheduler.offers`) to offer again. So a relay is all or
nothing. Who declined, withdrew or let an offer expire is kept, and not asked again for that booking.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidInput, NotFound
from core.ids import UserId
from core.languages import LanguageTag
from core.models import (
    BookingOfferRow,
    BookingRow,
    InterpreterAssignmentRow,
    InterpreterAvailabilityRow,
    UserRow,
)
from scheduler.booking_states import BookingState, check_booking_transition
from scheduler.booking_store import BookingStore
from scheduler.booking_types import Booking, Leg, Pick, SlotTaken, WorkloadExceeded
from scheduler.intervals import Interval
from scheduler.workload import breaches

_OVERLAP_CONSTRAINT = "ex_interpreter_assignments_no_overlap"
_EXCLUSION_VIOLATION = "23P01"
_REFUSED = frozenset({"declined", "expired", "withdrawn"})  # answers that keep someone from a re-offer


def _is_overlap(exc: IntegrityError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == _EXCLUSION_VIOLATION or _OVERLAP_CONSTRAINT in str(exc)


class OfferRounds(BookingStore):
    async def assign(self, booking_id: str, interpreter_id: UserId) -> Booking:
        """Offer the booking to ``interpreter_id`` alone, holding their time (see :meth:`hold`)."""
        return await self.hold(booking_id, [Pick(interpreter_id)])

    async def hold(
        self,
        booking_id: str,
        picks: Sequence[Pick],
        *,
        pivot: LanguageTag | None = None,
        explanation: dict[str, Any] | None = None,
        replacing: bool = False,
    ) -> Booking:
        """Open an offer round: every pick's time held in one transaction, or none of it.

        Refused with :class:`SlotTaken` when a pick holds time too close, :class:`WorkloadExceeded` when it
        would pass a workload limit. ``replacing`` first closes a round in progress (a coordinator
        reassigning by hand); otherwise the booking must be ``requested``.
        """
        legs = [p.leg for p in picks]
        if legs not in ([Leg.DIRECT], [Leg.TO_PIVOT, Leg.FROM_PIVOT]):
            raise InvalidInput("an offer is for one interpreter, or two for a relay (to and from the pivot)")
        if (pivot is not None) != (len(picks) == 2) or (
            picks[0].interpreter_id == picks[-1].interpreter_id and len(picks) == 2
        ):
            raise InvalidInput("a relay needs a pivot language and two different interpreters")
        now = self._clock.now()
        try:
            async with self._writing() as session:
                await self._lock_interpreters(session, [p.interpreter_id for p in picks])
                row = await self._row(session, booking_id)
                if replacing and row.state in (BookingState.OFFERED, BookingState.CONFIRMED):
                    row = await self._close_round(session, row, None, "released")
                check_booking_transition(BookingState(row.state), BookingState.OFFERED)
                wanted = Interval(row.start_at, row.end_at)
                for pick in picks:
                    await self._check_holdable(session, pick.interpreter_id, wanted)
                expires = min(now + self._offer_expiry, max(now, row.start_at))
                booking = await self._move(
                    session,
                    row,
                    BookingState.OFFERED,
                    interpreter_id=picks[0].interpreter_id,
                    relay_interpreter_id=picks[1].interpreter_id if len(picks) == 2 else None,
                    pivot_language=pivot.tag if pivot else None,
                    explanation=json.dumps(explanation) if explanation is not None else row.explanation,
                )
                for pick in picks:
                    session.add(
                        InterpreterAssignmentRow(
                            booking_id=row.id,
                            interpreter_id=pick.interpreter_id,
                            start_at=row.start_at,
                            end_at=row.end_at,
                            active=True,
                        )
                    )
                    session.add(
                        BookingOfferRow(
                            booking_id=row.id,
                            interpreter_id=pick.interpreter_id,
                            leg=pick.leg.value,
                            offered_at=now,
                            expires_at=expires,
                            current=True,
                        )
                    )
                await session.flush()
        except IntegrityError as exc:
            if _is_overlap(exc):
                raise SlotTaken() from exc
            raise
        return booking

    async def _check_holdable(self, session: AsyncSession, interpreter_id: UserId, wanted: Interval) -> None:
        interpreter = await session.get(UserRow, interpreter_id)
        if interpreter is None or interpreter.role != "interpreter" or not interpreter.active:
            raise NotFound("no such interpreter")
        window = wanted.padded(self.limits.horizon, self.limits.horizon)
        held = await self._held(session, interpreter_id, window)
        zone_name = await session.scalar(
            select(InterpreterAvailabilityRow.zone).where(
                InterpreterAvailabilityRow.user_id == interpreter_id
            )
        )
        broken = breaches(self.limits, held, wanted, ZoneInfo(zone_name or "UTC"))
        if any(i.overlaps(wanted.padded(self.limits.buffer, self.limits.buffer)) for i in held):
            raise SlotTaken()
        if broken:
            raise WorkloadExceeded(broken)

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

    async def _close_round(
        self, session: AsyncSession, row: BookingRow, by: UserId | None, answer: str
    ) -> BookingRow:
        """Back to ``requested``: ``by``'s offer gets ``answer``; every other open offer is released, or
        marked expired when the round expired; all held time is freed."""
        now = self._clock.now()
        offers = await self._offers(session, row.id)
        for offer in offers:
            if offer.interpreter_id == by:
                offer.answer, offer.answered_at = answer, now
            elif offer.answer is None:
                offer.answer = "expired" if answer == "expired" and offer.expires_at <= now else "released"
                offer.answered_at = now
            offer.current = False
        await self._move(
            session,
            row,
            BookingState.REQUESTED,
            interpreter_id=None,
            relay_interpreter_id=None,
            pivot_language=None,
        )
        await self._free(session, row.id)
        refreshed = await session.get(BookingRow, row.id, populate_existing=True)
        assert refreshed is not None
        return refreshed

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
