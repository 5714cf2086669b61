"""The booking engine: offers a booking to the best candidates in turn, and again after every refusal.

A new booking is offered at once to the top of :meth:`Matcher.rank_for` (fair rotation); when nobody covers
the applicant's language together with the counterpart's, to a relay pair through a pivot language, both
held together or not at all. A decline, a withdrawal or an expired offer re-offers the booking to the next
candidate; who refused is not asked again. When nobody is left the booking stays ``requested`` with the
reason recorded, for a coordinator to assign by hand (the same hard rules apply to them).

Each booking keeps an explanation of its last matching: which soft preferences were applied or relaxed and
why, and how it was staffed. It holds counts, never the reasons individual interpreters were left out
(a declared conflict of interest is the interpreter's own business).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from core.clock import Clock
from core.errors import NotFound
from core.ids import UserId
from scheduler.booking_access import InterpreterUnsuitable
from scheduler.booking_states import BookingState
from scheduler.booking_types import Booking, BookingRequest, Leg, Pick, SlotTaken, WorkloadExceeded
from scheduler.bookings import BookingService
from scheduler.constraints import MatchRequest
from scheduler.matcher import Matcher, RelayPlan
from scheduler.ranking import MatchExplanation, Ranking
from scheduler.timers import Timers

OFFER_EXPIRY = "offer_expiry"
MAX_TRIES = 5  # candidates tried per round when the best ones are taken meanwhile


class BookingLifecycle(Protocol):
    """What happens around a booking's time once it is confirmed (see :mod:`scheduler.booking_jobs`)."""

    async def confirmed(self, booking: Booking) -> None: ...

    async def unconfirmed(self, booking: Booking) -> None: ...


def _preferences(explanation: MatchExplanation) -> list[dict[str, str]]:
    return [
        {"preference": p.preference.value, "resolution": p.resolution.value, "reason": p.reason}
        for p in explanation.preferences
    ]


class BookingEngine:
    def __init__(
        self,
        bookings: BookingService,
        matcher: Matcher,
        timers: Timers,
        clock: Clock,
        lifecycle: BookingLifecycle | None = None,
    ) -> None:
        self._bookings = bookings
        self._matcher = matcher
        self._timers = timers
        self._clock = clock
        self._lifecycle = lifecycle

    async def book(self, request: BookingRequest, idempotency_key: str | None = None) -> tuple[Booking, bool]:
        """Create the booking and offer it at once; a replayed key returns the booking as it is now."""
        booking, created = await self._bookings.place(request, idempotency_key)
        if created:
            return await self.offer(booking.id), True
        return await self._bookings.get(booking.id), False

    async def match_request(self, booking: Booking) -> MatchRequest:
        excluded = await self._matcher.organisation_excluded(booking.organisation_id)
        return booking.requirements.match_request(
            booking.organisation_id, booking.language, booking.dialect, excluded
        )

    async def offer(self, booking_id: str) -> Booking:
        """Offer a ``requested`` booking to the best candidate or relay pair; others stay as they are."""
        booking = await self._bookings.get(booking_id)
        started = booking.interval.start_utc <= self._clock.now()
        if booking.state is not BookingState.REQUESTED or started:
            return booking
        request = await self.match_request(booking)
        skip = await self._bookings.refused_by(booking.id)
        ranking = await self._matcher.rank_for(request, booking.interval, skip=skip)
        if ranking.candidates:
            held = await self._hold_direct(booking, ranking)
            if held is not None:
                return held
        plan = await self._matcher.relay_for(request, booking.interval, skip=skip)
        if plan is not None:
            held = await self._hold_relay(booking, plan, ranking)
            if held is not None:
                return held
        await self._bookings.note(booking.id, self._explain("none", ranking))
        return await self._bookings.get(booking.id)

    def _explain(self, mode: str, ranking: Ranking, **more: Any) -> dict[str, Any]:
        return {
            "mode": mode,
            "matched_at": self._clock.now().isoformat(),
            "candidates": len(ranking.candidates),
            "preferences": _preferences(ranking.explanation),
            **more,
        }

    async def _hold_direct(self, booking: Booking, ranking: Ranking) -> Booking | None:
        explanation = self._explain("direct", ranking)
        for candidate in ranking.user_ids[:MAX_TRIES]:
            try:
                held = await self._bookings.hold(booking.id, [Pick(candidate)], explanation=explanation)
            except (SlotTaken, WorkloadExceeded):
                continue  # taken since the ranking was made: the next one
            await self._expire_later(held)
            return held
        return None

    async def _hold_relay(self, booking: Booking, plan: RelayPlan, direct: Ranking) -> Booking | None:
        explanation = self._explain(
            "relay",
            plan.first,
            pivot=plan.pivot.tag,
            reason=f"no eligible interpreter works both {booking.language} and "
            f"{booking.requirements.counterpart_language}; relay through {plan.pivot}",
            direct_candidates=len(direct.candidates),
        )
        pairs = [(a, b) for a in plan.first.user_ids for b in plan.second.user_ids if a != b]
        for first, second in pairs[:MAX_TRIES]:
            picks = [Pick(first, Leg.TO_PIVOT), Pick(second, Leg.FROM_PIVOT)]
            try:
                held = await self._bookings.hold(booking.id, picks, pivot=plan.pivot, explanation=explanation)
            except (SlotTaken, WorkloadExceeded):
                continue
            await self._expire_later(held)
            return held
        return None

    async def _expire_later(self, booking: Booking) -> None:
        expires = await self._offer_expiry(booking)
        if expires is not None:
            await self._timers.schedule(OFFER_EXPIRY, booking.id, expires)

    async def _offer_expiry(self, booking: Booking) -> datetime | None:
        offers = await self._bookings.open_offers(booking.id)
        return min((o.expires_at for o in offers), default=None)

    # -- answers ---------------------------------------------------------------------------------

    async def accept(self, booking_id: str, interpreter_id: UserId, expected_version: int | None) -> Booking:
        booking = await self._bookings.accept(booking_id, interpreter_id, expected_version)
        if booking.state is BookingState.CONFIRMED:
            await self._timers.cancel(OFFER_EXPIRY, booking.id)
            if self._lifecycle is not None:
                await self._lifecycle.confirmed(booking)
        return booking

    async def decline(self, booking_id: str, interpreter_id: UserId) -> Booking:
        await self._bookings.decline(booking_id, interpreter_id)
        await self._timers.cancel(OFFER_EXPIRY, booking_id)
        return await self.offer(booking_id)

    async def withdraw(self, booking_id: str, interpreter_id: UserId) -> Booking:
        booking = await self._bookings.withdraw(booking_id, interpreter_id)
        if self._lifecycle is not None:
            await self._lifecycle.unconfirmed(booking)
        return await self.offer(booking_id)

    async def expire(self, booking_id: str) -> None:
        """The offer-expiry effect: idempotent (a round already answered or closed is left alone)."""
        try:
            expired = await self._bookings.expire(booking_id)
        except NotFound:
            return
        if expired is not None:
            await self.offer(booking_id)
        else:
            booking = await self._bookings.get(booking_id)
            if booking.state is BookingState.OFFERED:  # not due yet (an offer was renewed): look again
                await self._expire_later(booking)

    async def cancel(self, booking_id: str) -> Booking:
        booking = await self._bookings.cancel(booking_id)
        await self._timers.cancel(OFFER_EXPIRY, booking_id)
        if self._lifecycle is not None:
            await self._lifecycle.unconfirmed(booking)
        return booking

    async def assign_by_hand(self, booking_id: str, interpreter_id: UserId) -> Booking:
        """A coordinator's choice: offered to ``interpreter_id`` if no hard rule or limit forbids it.

        A round in progress is closed first (in the same transaction as the new hold).
        """
        booking = await self._bookings.get(booking_id)
        request = await self.match_request(booking)
        broken = await self._matcher.violations(request, interpreter_id)
        if broken is None:
            raise NotFound("no such interpreter")
        if broken:
            raise InterpreterUnsuitable(
                "the interpreter breaks hard constraints of this booking: " + ", ".join(broken)
            )
        was_confirmed = booking.state is BookingState.CONFIRMED
        held = await self._bookings.hold(
            booking.id,
            [Pick(interpreter_id)],
            explanation={"mode": "manual", "matched_at": self._clock.now().isoformat()},
            replacing=True,
        )
        if was_confirmed and self._lifecycle is not None:
            await self._lifecycle.unconfirmed(booking)
        await self._expire_later(held)
        return held
