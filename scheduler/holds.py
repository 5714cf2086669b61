"""Opening an offer round: an interpreter's (or a relay pair's) time held for a booking, group-committed.

Concurrent holds share transactions (:class:`core.group_commit.Batches`). A batch takes every interpreter's
lock in one statement and one order, reads its bookings (locked), its interpreters and the time they hold
in three more, then judges the holds one after another, so a later hold in the batch sees the time an
earlier one took, and writes them together. Each caller gets its own answer: the booking offered, or why
not (:class:`SlotTaken`, :class:`WorkloadExceeded`, a booking not ``requested``). A batch the database
refuses as a whole (PostgreSQL's exclusion constraint, should a writer outside this package hold time) is
retried hold by hold. A coordinator's reassignment closes the round in progress first, and runs alone:
its refusal must undo that close too.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound
from core.group_commit import Batches, settled
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


def _is_overlap(exc: IntegrityError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == _EXCLUSION_VIOLATION or _OVERLAP_CONSTRAINT in str(exc)


@dataclass(frozen=True)
class HoldOrder:
    """One caller's hold: whom to put on which booking (JSON explanation, or None to keep the one stored)."""

    booking_id: str
    picks: tuple[Pick, ...]
    pivot: LanguageTag | None = None
    explanation: str | None = None
    replacing: bool = False


@dataclass
class _Interpreter:
    """A holdable interpreter as the batch sees them: their zone and every span of time they hold."""

    zone: ZoneInfo
    held: list[Interval] = field(default_factory=list)


class Holds(BookingStore):
    @functools.cached_property
    def _holds(self) -> Batches[HoldOrder, Booking]:
        return Batches(self._hold_batch)

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
        stated = json.dumps(explanation) if explanation is not None else None
        order = HoldOrder(booking_id, tuple(picks), pivot, stated, replacing)
        if replacing:
            return await self._hold_alone(order)
        return await self._holds.submit(order)

    async def _hold_batch(self, orders: list[HoldOrder]) -> list[Booking | BaseException]:
        if len(orders) > 1:
            try:
                async with self._writing() as session:
                    return await self._hold_all(session, orders)
            except IntegrityError:
                pass  # refused as a whole: each on its own below, for its own answer
        return [await settled(self._hold_alone(order)) for order in orders]

    async def _hold_alone(self, order: HoldOrder) -> Booking:
        try:
            async with self._writing() as session:
                [outcome] = await self._hold_all(session, [order])
                if isinstance(outcome, BaseException):
                    raise outcome  # rolls back all of it (a replacing hold closed a round first)
                return outcome
        except IntegrityError as exc:
            if _is_overlap(exc):
                raise SlotTaken() from exc
            raise

    async def _hold_all(
        self, session: AsyncSession, orders: list[HoldOrder]
    ) -> list[Booking | BaseException]:
        assert len(orders) == 1 or not any(o.replacing for o in orders), "a replacing hold runs alone"
        now = self._clock.now()
        await self._lock_interpreters(session, [p.interpreter_id for o in orders for p in o.picks])
        rows = await self._locked_rows(session, {o.booking_id for o in orders})
        for order in orders:
            row = rows.get(order.booking_id)
            if (
                order.replacing
                and row is not None
                and row.state in (BookingState.OFFERED, BookingState.CONFIRMED)
            ):
                rows[row.id] = await self._close_round(session, row, None, "released")
        wanted = [Interval(row.start_at, row.end_at) for row in rows.values()]
        people = await self._holdable(session, {p.interpreter_id for o in orders for p in o.picks}, wanted)
        outcomes: list[Booking | BaseException] = []
        for order in orders:
            try:
                outcomes.append(self._take(session, order, rows.get(order.booking_id), people, now))
            except Exception as refused:
                outcomes.append(refused)
        await session.flush()
        return outcomes

    async def _locked_rows(self, session: AsyncSession, booking_ids: set[str]) -> dict[str, BookingRow]:
        """The bookings, locked against concurrent answers until the batch commits (in one order)."""
        query = (
            select(BookingRow)
            .where(BookingRow.id.in_(sorted(booking_ids)))
            .order_by(BookingRow.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {row.id: row for row in (await session.scalars(query)).all()}

    async def _holdable(
        self, session: AsyncSession, interpreter_ids: set[UserId], wanted: list[Interval]
    ) -> dict[str, _Interpreter]:
        """Active interpreters among ``interpreter_ids``, with the time they hold around ``wanted``."""
        ids = sorted(interpreter_ids)
        found = await session.execute(
            select(UserRow.id, InterpreterAvailabilityRow.zone)
            .outerjoin(InterpreterAvailabilityRow, InterpreterAvailabilityRow.user_id == UserRow.id)
            .where(UserRow.id.in_(ids), UserRow.role == "interpreter", UserRow.active.is_(True))
        )
        people = {uid: _Interpreter(ZoneInfo(zone or "UTC")) for uid, zone in found}
        if not people or not wanted:
            return people
        horizon = self.limits.horizon
        assigned = InterpreterAssignmentRow
        spans: defaultdict[str, list[Interval]] = defaultdict(list)
        for uid, start, end in await session.execute(
            select(assigned.interpreter_id, assigned.start_at, assigned.end_at).where(
                assigned.interpreter_id.in_(sorted(people)),
                assigned.active.is_(True),
                assigned.start_at < max(i.end_utc for i in wanted) + horizon,
                assigned.end_at > min(i.start_utc for i in wanted) - horizon,
            )
        ):
            spans[uid].append(Interval(start, end))
        for uid, person in people.items():
            person.held = spans[uid]
        return people

    def _take(
        self,
        session: AsyncSession,
        order: HoldOrder,
        row: BookingRow | None,
        people: dict[str, _Interpreter],
        now: datetime,
    ) -> Booking:
        """Judge one hold against the time held so far (this batch's included) and stage its writes."""
        if row is None:
            raise NotFound("no such booking")
        check_booking_transition(BookingState(row.state), BookingState.OFFERED)
        wanted = Interval(row.start_at, row.end_at)
        for pick in order.picks:
            self._check_holdable(people.get(pick.interpreter_id), wanted)
        expires = min(now + self._offer_expiry, max(now, row.start_at))
        row.state = BookingState.OFFERED.value
        row.version += 1
        row.interpreter_id = order.picks[0].interpreter_id
        row.relay_interpreter_id = order.picks[1].interpreter_id if len(order.picks) == 2 else None
        row.pivot_language = order.pivot.tag if order.pivot else None
        if order.explanation is not None:
            row.explanation = order.explanation
        for pick in order.picks:
            people[pick.interpreter_id].held.append(wanted)
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
        return Booking.from_row(row)

    def _check_holdable(self, person: _Interpreter | None, wanted: Interval) -> None:
        if person is None:
            raise NotFound("no such interpreter")
        window = wanted.padded(self.limits.horizon, self.limits.horizon)
        held = [span for span in person.held if span.overlaps(window)]
        if any(span.overlaps(wanted.padded(self.limits.buffer, self.limits.buffer)) for span in held):
            raise SlotTaken()
        if broken := breaches(self.limits, held, wanted, person.zone):
            raise WorkloadExceeded(broken)
