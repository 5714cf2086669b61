"""Bookings in the database: the transaction discipline every change goes through, and the reads.

No two active assignments of one interpreter share an instant (nor come closer than the configured buffer).
Every check-then-write runs in one transaction that first takes a lock no other writer for that interpreter
can hold at the same time: on SQLite the database's single write lock (``BEGIN IMMEDIATE``, taken before
anything is read), on PostgreSQL a transaction-scoped advisory lock per interpreter. PostgreSQL also refuses
overlapping active rows outright with an exclusion constraint (migration 0002), so even a writer that
bypassed this package could not double-book.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import Conflict, InvalidInput, NotFound
from core.ids import OrganisationId, UserId
from core.models import BookingOfferRow, BookingRow, InterpreterAssignmentRow, OrganisationRow
from scheduler.booking_states import BookingState, check_booking_transition
from scheduler.booking_types import Booking, Leg, Offer
from scheduler.intervals import Interval
from scheduler.workload import WorkloadLimits

_LOCK_NAMESPACE = 0x52524953  # "RRIS": keeps these advisory locks apart from any other user's
# Workload limits when none are configured: only the buffer applies.
_NO_CAPS = dict(daily_cap=timedelta(hours=24), max_continuous=timedelta(days=30), rest=timedelta(0))


def _lock_key(interpreter_id: str) -> int:
    """A signed 32-bit number for the interpreter, as ``pg_advisory_xact_lock(int, int)`` takes."""
    return int.from_bytes(hashlib.sha256(interpreter_id.encode()).digest()[:4], "big", signed=True)


class BookingStore:
    """The storage half of the booking service: transactions, compare-and-set moves, and reads."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        buffer: timedelta = timedelta(0),
        *,
        limits: WorkloadLimits | None = None,
        offer_expiry: timedelta = timedelta(hours=2),
    ) -> None:
        if buffer < timedelta(0):
            raise InvalidInput("the buffer between bookings cannot be negative")
        self._db = db
        self._clock = clock
        self.limits = limits or WorkloadLimits(buffer=buffer, **_NO_CAPS)
        self._offer_expiry = offer_expiry

    def _writing(self) -> AbstractAsyncContextManager[AsyncSession]:
        """One write transaction holding SQLite's write lock from its start (``Database.write_transaction``):
        a deferred one would let two writers both pass the overlap check."""
        return self._db.write_transaction()

    async def _lock_interpreters(self, session: AsyncSession, interpreter_ids: Sequence[str]) -> None:
        """On PostgreSQL, every interpreter's advisory lock in one statement, in ascending key order
        everywhere (so two writers never wait for each other crosswise); SQLite's write lock already
        serialises every writer."""
        if self._db.is_sqlite or not interpreter_ids:
            return
        keys = sorted({_lock_key(interpreter_id) for interpreter_id in interpreter_ids})
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, k) FROM unnest(CAST(:keys AS int4[])) AS k"),
            {"namespace": _LOCK_NAMESPACE, "keys": keys},
        )

    async def _row(self, session: AsyncSession, booking_id: str) -> BookingRow:
        row = await session.get(BookingRow, booking_id)
        if row is None:
            raise NotFound("no such booking")
        return row

    async def _move(
        self, session: AsyncSession, row: BookingRow, new: BookingState | None, **changes: Any
    ) -> Booking:
        """Compare-and-set: the change applies only if nobody changed the booking since ``row`` was read.

        ``new`` None keeps the state and only bumps the version (one leg of a relay accepted).
        """
        if new is not None:
            check_booking_transition(BookingState(row.state), new)
            changes["state"] = new.value
        statement = (
            update(BookingRow)
            .where(BookingRow.id == row.id, BookingRow.version == row.version, BookingRow.state == row.state)
            .values(version=row.version + 1, **changes)
            .returning(BookingRow)
            .execution_options(populate_existing=True)
        )
        moved = (await session.scalars(statement)).one_or_none()
        if moved is None:
            raise Conflict("the booking changed meanwhile")
        return Booking.from_row(moved)

    async def _free(self, session: AsyncSession, booking_id: str) -> None:
        await session.execute(
            update(InterpreterAssignmentRow)
            .where(
                InterpreterAssignmentRow.booking_id == booking_id, InterpreterAssignmentRow.active.is_(True)
            )
            .values(active=False)
        )

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

    async def _offers(self, session: AsyncSession, booking_id: str) -> Sequence[BookingOfferRow]:
        query = select(BookingOfferRow).where(
            BookingOfferRow.booking_id == booking_id, BookingOfferRow.current.is_(True)
        )
        return (await session.scalars(query)).all()

    async def _current_offer(
        self, session: AsyncSession, booking_id: str, interpreter_id: UserId
    ) -> BookingOfferRow | None:
        return next(
            (o for o in await self._offers(session, booking_id) if o.interpreter_id == interpreter_id), None
        )

    async def get(self, booking_id: str) -> Booking:
        async with self._db.sessions() as session:
            row = await session.get(BookingRow, booking_id)
        if row is None:
            raise NotFound("no such booking")
        return Booking.from_row(row)

    async def active_assignments(self, interpreter_id: UserId) -> list[Interval]:
        """The spans of time ``interpreter_id`` currently holds, earliest first."""
        query = (
            select(InterpreterAssignmentRow.start_at, InterpreterAssignmentRow.end_at)
            .where(
                InterpreterAssignmentRow.interpreter_id == interpreter_id,
                InterpreterAssignmentRow.active.is_(True),
            )
            .order_by(InterpreterAssignmentRow.start_at)
        )
        async with self._db.sessions() as session:
            rows = (await session.execute(query)).all()
        return [Interval(start, end) for start, end in rows]

    async def visible(
        self,
        *,
        organisation_id: OrganisationId | None = None,
        interpreter_id: UserId | None = None,
        limit: int = 100,
    ) -> list[Booking]:
        """Bookings of one organisation and/or held by one interpreter (neither: all), earliest first."""
        query = select(BookingRow).order_by(BookingRow.start_at, BookingRow.id).limit(limit)
        if organisation_id is not None:
            query = query.where(BookingRow.organisation_id == organisation_id)
        if interpreter_id is not None:
            query = query.where(
                (BookingRow.interpreter_id == interpreter_id)
                | (BookingRow.relay_interpreter_id == interpreter_id)
            )
        async with self._db.sessions() as session:
            rows = (await session.scalars(query)).all()
        return [Booking.from_row(row) for row in rows]

    async def feed_entries(
        self, interpreter_id: UserId, states: frozenset[BookingState], ending_after: datetime
    ) -> list[tuple[Booking, str]]:
        """``interpreter_id``'s bookings in ``states`` ending after the given instant, each with its
        organisation's name (what a calendar feed shows), earliest first."""
        query = (
            select(BookingRow, OrganisationRow.name)
            .join(OrganisationRow, OrganisationRow.id == BookingRow.organisation_id)
            .where(
                (BookingRow.interpreter_id == interpreter_id)
                | (BookingRow.relay_interpreter_id == interpreter_id),
                BookingRow.state.in_([state.value for state in states]),
                BookingRow.end_at > ending_after,
            )
            .order_by(BookingRow.start_at, BookingRow.id)
        )
        async with self._db.sessions() as session:
            rows = (await session.execute(query)).all()
        return [(Booking.from_row(row), name) for row, name in rows]

    async def due_between(self, start: datetime, end: datetime) -> list[Booking]:
        """Confirmed bookings starting in ``[start, end)``."""
        query = select(BookingRow).where(
            BookingRow.state == BookingState.CONFIRMED.value,
            BookingRow.start_at >= start,
            BookingRow.start_at < end,
        )
        async with self._db.sessions() as session:
            return [Booking.from_row(r) for r in (await session.scalars(query)).all()]

    async def open_offers(self, booking_id: str) -> list[Offer]:
        """The round in progress: one offer, or two for a relay (empty when no round is open)."""
        async with self._db.sessions() as session:
            rows = await self._offers(session, booking_id)
        return [
            Offer(UserId(o.interpreter_id), Leg(o.leg), o.offered_at, o.expires_at, o.answer == "accepted")
            for o in sorted(rows, key=lambda o: o.leg != "to_pivot")
        ]
