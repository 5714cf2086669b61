"""Scheduled bookings in storage: idempotent creation, offers, accepts and cancels; never a double booking.

No two active assignments of one interpreter share an instant (nor come closer than the configured buffer).
The check and the insert run in one transaction that first takes a lock no other assigner of that
interpreter can hold at the same time: on SQLite the database's single write lock (``BEGIN IMMEDIATE``, taken
before anything is read), on PostgreSQL a transaction-scoped advisory lock per interpreter. PostgreSQL also
refuses overlapping active rows outright with an exclusion constraint (migration 0002), so even a writer
that bypassed this module could not double-book.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, NewType

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from core.db import Database
from core.errors import Conflict, InvalidInput, NotFound
from core.ids import OrganisationId, UserId, new_id
from core.interpreters import MAX_DIALECT_LENGTH
from core.languages import LanguageTag
from core.models import BookingRow, InterpreterAssignmentRow, OrganisationRow, UserRow
from scheduler.booking_states import BookingState, check_booking_transition
from scheduler.intervals import Interval

BookingId = NewType("BookingId", str)

MAX_IDEMPOTENCY_KEY_LENGTH = 255
_OVERLAP_CONSTRAINT = "ex_interpreter_assignments_no_overlap"
_EXCLUSION_VIOLATION = "23P01"
_LOCK_NAMESPACE = 0x52524953  # "RRIS": keeps these advisory locks apart from any other user's


class SlotTaken(Conflict):
    """The interpreter already holds a booking at that time."""

    code = "slot_taken"


class IdempotencyKeyReused(Conflict):
    """This Idempotency-Key was already used for a different booking."""

    code = "idempotency_key_reused"


class Modality(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"


@dataclass(frozen=True)
class BookingRequest:
    """What a caseworker asks for; invalid values are refused on construction (see :meth:`parse`)."""

    organisation_id: OrganisationId
    caseworker_id: UserId
    language: LanguageTag
    interval: Interval
    modality: Modality = Modality.VIDEO
    dialect: str | None = None

    def __post_init__(self) -> None:
        if self.dialect is not None:
            tidy = " ".join(self.dialect.split()) if isinstance(self.dialect, str) else ""
            if not 1 <= len(tidy) <= MAX_DIALECT_LENGTH:
                raise InvalidInput(f"dialect must be 1 to {MAX_DIALECT_LENGTH} characters")
            object.__setattr__(self, "dialect", tidy)

    @classmethod
    def parse(
        cls,
        organisation_id: OrganisationId,
        caseworker_id: UserId,
        language: str,
        start: datetime,
        end: datetime,
        modality: str = Modality.VIDEO,
        dialect: str | None = None,
    ) -> BookingRequest:
        """From raw values, as a transport hands them over; raises :class:`InvalidInput`."""
        if modality not in set(Modality):
            raise InvalidInput(f"modality must be one of {', '.join(Modality)}")
        return cls(
            organisation_id,
            caseworker_id,
            LanguageTag.parse(language),
            Interval(start, end),
            Modality(modality),
            dialect,
        )

    def fingerprint(self) -> str:
        """Equal for two requests exactly when they ask for the same booking."""
        canonical = json.dumps(
            [
                self.organisation_id,
                self.caseworker_id,
                self.language.tag,
                self.dialect,
                self.interval.start_utc.isoformat(),
                self.interval.end_utc.isoformat(),
                self.modality.value,
            ]
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Booking:
    id: BookingId
    organisation_id: OrganisationId
    caseworker_id: UserId
    language: LanguageTag
    dialect: str | None
    interval: Interval
    modality: Modality
    state: BookingState
    interpreter_id: UserId | None
    created_at: datetime
    version: int  # bumped by every change: the compare-and-set token for accepting an offer

    @classmethod
    def from_row(cls, row: BookingRow) -> Booking:
        return cls(
            id=BookingId(row.id),
            organisation_id=OrganisationId(row.organisation_id),
            caseworker_id=UserId(row.caseworker_id),
            language=LanguageTag.parse(row.language),
            dialect=row.dialect,
            interval=Interval(row.start_at, row.end_at),
            modality=Modality(row.modality),
            state=BookingState(row.state),
            interpreter_id=UserId(row.interpreter_id) if row.interpreter_id else None,
            created_at=row.created_at,
            version=row.version,
        )


def _checked_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(f"an Idempotency-Key is 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable characters")
    return key


def _lock_key(interpreter_id: str) -> int:
    """A signed 32-bit number for the interpreter, as ``pg_advisory_xact_lock(int, int)`` takes."""
    return int.from_bytes(hashlib.sha256(interpreter_id.encode()).digest()[:4], "big", signed=True)


def _is_overlap(exc: IntegrityError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == _EXCLUSION_VIOLATION or _OVERLAP_CONSTRAINT in str(exc)


class BookingService:
    """Creates bookings and moves them through :mod:`scheduler.booking_states`, holding interpreters' time."""

    def __init__(self, db: Database, clock: Clock, buffer: timedelta = timedelta(0)) -> None:
        if buffer < timedelta(0):
            raise InvalidInput("the buffer between bookings cannot be negative")
        self._db = db
        self._clock = clock
        self._buffer = buffer

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        """One write transaction; on SQLite it holds the write lock from its first statement on.

        A deferred SQLite transaction would read under a shared lock, so two writers could both pass the
        overlap check (or the second would fail to upgrade its lock). ``BEGIN IMMEDIATE`` as the first
        statement makes SQLite take the write lock at once, waiting for it up to ``busy_timeout``; the
        driver's implicit BEGIN then sees the open transaction and stays out of the way.
        """
        async with self._db.sessions() as session, session.begin():
            if self._db.is_sqlite:
                await session.execute(text("BEGIN IMMEDIATE"))
            yield session

    async def _lock_interpreter(self, session: AsyncSession, interpreter_id: str) -> None:
        if not self._db.is_sqlite:  # SQLite's write lock already serialises every writer
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                {"namespace": _LOCK_NAMESPACE, "key": _lock_key(interpreter_id)},
            )

    async def create(self, request: BookingRequest, idempotency_key: str | None = None) -> Booking:
        """A new ``requested`` booking; with a key this caseworker used before, the booking made then."""
        booking, _ = await self.place(request, idempotency_key)
        return booking

    async def place(
        self, request: BookingRequest, idempotency_key: str | None = None
    ) -> tuple[Booking, bool]:
        """As :meth:`create`, also telling whether the booking is new (``False``: a replay of the key)."""
        key = _checked_key(idempotency_key)
        fingerprint = request.fingerprint()
        if key is not None and (earlier := await self._replay(request.caseworker_id, key, fingerprint)):
            return earlier, False
        if request.interval.start_utc < self._clock.now():
            raise InvalidInput("a booking cannot start in the past")
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

    async def get(self, booking_id: str) -> Booking:
        async with self._db.sessions() as session:
            row = await session.get(BookingRow, booking_id)
        if row is None:
            raise NotFound("no such booking")
        return Booking.from_row(row)

    async def assign(self, booking_id: str, interpreter_id: UserId) -> Booking:
        """Offer the booking to ``interpreter_id``, holding their time; :class:`SlotTaken` if not free."""
        try:
            async with self._writing() as session:
                await self._lock_interpreter(session, interpreter_id)
                row = await self._row(session, booking_id)
                check_booking_transition(BookingState(row.state), BookingState.OFFERED)
                interpreter = await session.get(UserRow, interpreter_id)
                if interpreter is None or interpreter.role != "interpreter" or not interpreter.active:
                    raise NotFound("no such interpreter")
                wanted = Interval(row.start_at, row.end_at).padded(self._buffer, self._buffer)
                if await self._holds_time(session, interpreter_id, wanted):
                    raise SlotTaken()
                booking = await self._move(session, row, BookingState.OFFERED, interpreter_id=interpreter_id)
                session.add(
                    InterpreterAssignmentRow(
                        booking_id=row.id,
                        interpreter_id=interpreter_id,
                        start_at=row.start_at,
                        end_at=row.end_at,
                        active=True,
                    )
                )
                await session.flush()
        except IntegrityError as exc:
            if _is_overlap(exc):
                raise SlotTaken() from exc
            raise
        return booking

    async def accept(self, booking_id: str, interpreter_id: UserId, expected_version: int) -> Booking:
        """Confirm the offer as seen at ``expected_version``; of simultaneous accepts, one wins."""
        async with self._writing() as session:
            row = await self._row(session, booking_id)
            if row.interpreter_id != interpreter_id or row.state != BookingState.OFFERED:
                raise Conflict("this booking is not on offer to you")
            if row.version != expected_version:
                raise Conflict("the booking changed since you saw it")
            return await self._move(session, row, BookingState.CONFIRMED)

    async def release(self, booking_id: str) -> Booking:
        """The offer was declined or expired: back to ``requested``, the interpreter's time freed."""
        async with self._writing() as session:
            row = await self._row(session, booking_id)
            booking = await self._move(session, row, BookingState.REQUESTED, interpreter_id=None)
            await self._free(session, row.id)
        return booking

    async def decline(self, booking_id: str, interpreter_id: UserId) -> Booking:
        """``interpreter_id`` turns down their offer: :meth:`release`, checked in the same transaction."""
        async with self._writing() as session:
            row = await self._row(session, booking_id)
            if row.interpreter_id != interpreter_id or row.state != BookingState.OFFERED:
                raise Conflict("this booking is not on offer to you")
            booking = await self._move(session, row, BookingState.REQUESTED, interpreter_id=None)
            await self._free(session, row.id)
        return booking

    async def cancel(self, booking_id: str) -> Booking:
        """Call off a live booking; any interpreter's time it held is freed."""
        async with self._writing() as session:
            row = await self._row(session, booking_id)
            booking = await self._move(session, row, BookingState.CANCELLED)
            await self._free(session, row.id)
        return booking

    async def finish(self, booking_id: str, outcome: BookingState) -> Booking:
        """Record a confirmed booking as ``completed`` or ``no_show``; the time stays taken."""
        if outcome not in (BookingState.COMPLETED, BookingState.NO_SHOW):
            raise InvalidInput("a booking finishes as completed or no_show")
        async with self._writing() as session:
            return await self._move(session, await self._row(session, booking_id), outcome)

    async def _row(self, session: AsyncSession, booking_id: str) -> BookingRow:
        row = await session.get(BookingRow, booking_id)
        if row is None:
            raise NotFound("no such booking")
        return row

    async def _holds_time(self, session: AsyncSession, interpreter_id: str, wanted: Interval) -> bool:
        clash = select(InterpreterAssignmentRow.id).where(
            InterpreterAssignmentRow.interpreter_id == interpreter_id,
            InterpreterAssignmentRow.active.is_(True),
            InterpreterAssignmentRow.start_at < wanted.end_utc,
            InterpreterAssignmentRow.end_at > wanted.start_utc,
        )
        return (await session.scalars(clash.limit(1))).first() is not None

    async def _move(
        self, session: AsyncSession, row: BookingRow, new: BookingState, **changes: Any
    ) -> Booking:
        """Compare-and-set: the change applies only if nobody changed the booking since ``row`` was read."""
        check_booking_transition(BookingState(row.state), new)
        statement = (
            update(BookingRow)
            .where(BookingRow.id == row.id, BookingRow.version == row.version, BookingRow.state == row.state)
            .values(state=new.value, version=row.version + 1, **changes)
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
        """Bookings of one organisation and/or assigned to one interpreter (neither: all), earliest first."""
        query = select(BookingRow).order_by(BookingRow.start_at, BookingRow.id).limit(limit)
        if organisation_id is not None:
            query = query.where(BookingRow.organisation_id == organisation_id)
        if interpreter_id is not None:
            query = query.where(BookingRow.interpreter_id == interpreter_id)
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
                BookingRow.interpreter_id == interpreter_id,
                BookingRow.state.in_([state.value for state in states]),
                BookingRow.end_at > ending_after,
            )
            .order_by(BookingRow.start_at, BookingRow.id)
        )
        async with self._db.sessions() as session:
            rows = (await session.execute(query)).all()
        return [(Booking.from_row(row), name) for row, name in rows]
