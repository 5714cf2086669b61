"""Standby rosters: a coordinator puts an interpreter on standby for one language over a span of time.

A shift's start and end are timed work (``shift_start`` / ``shift_end`` through :class:`Timers`), whose
effects turn the interpreter's rostered standby on and off through the :class:`StandbySwitch` the
composition root provides. The effects are idempotent and re-read the shift, so a late, repeated or
racing timer does no harm. One interpreter's live shifts never overlap: the check and the insert run under
a lock no other writer for that interpreter holds (SQLite's write lock, taken first; on PostgreSQL an
advisory transaction lock per interpreter). Adding is idempotent too, as booking is: a coordinator's
retry with the same key and the same shift gets the shift made the first time, and nothing is timed twice.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import NewType, Protocol

from sqlalchemy import exists, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from core import matching_version
from core.accounts import Principal, Role
from core.clock import Clock
from core.db import Database
from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.ids import OrganisationId, UserId, new_id
from core.languages import LanguageTag
from core.models import InterpreterLanguageRow, InterpreterOrganisationRow, StandbyShiftRow, UserRow
from scheduler.booking_access import InterpreterUnsuitable
from scheduler.booking_types import IdempotencyKeyReused, checked_idempotency_key
from scheduler.intervals import Interval, as_utc
from scheduler.timers import Timers

ShiftId = NewType("ShiftId", str)

SHIFT_START, SHIFT_END = "shift_start", "shift_end"
MAX_SHIFT = timedelta(hours=24)
MAX_AHEAD = timedelta(days=366)
MAX_LISTING = timedelta(days=92)
_LOCK_NAMESPACE = 0x52525354  # "RRST": apart from the booking locks, which guard other rows
_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"  # a date, alone (midnight UTC) or with a time and its offset:
    r"(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2}))?"
)


class ShiftOverlap(Conflict):
    """The interpreter is already rostered for part of that time."""


class StandbySwitch(Protocol):
    """Turns an interpreter's rostered standby on or off; setting the state it already has does nothing."""

    async def set_rostered_standby(self, user_id: UserId, on: bool, language: str) -> None: ...


class NoStandbySwitch:
    """A switch wired to nothing, until the composition root connects rosters to presence."""

    async def set_rostered_standby(self, user_id: UserId, on: bool, language: str) -> None:
        return None


@dataclass(frozen=True)
class StandbyShift:
    id: ShiftId
    interpreter_id: UserId
    language: LanguageTag
    interval: Interval
    created_by: UserId
    created_at: datetime
    cancelled: bool

    @classmethod
    def from_row(cls, row: StandbyShiftRow) -> StandbyShift:
        return cls(
            ShiftId(row.id),
            UserId(row.interpreter_id),
            LanguageTag.parse(row.language),
            Interval(row.start_at, row.end_at),
            UserId(row.created_by),
            row.created_at,
            row.cancelled,
        )


def parse_instant(raw: str | None, name: str) -> datetime:
    """``YYYY-MM-DD`` (midnight UTC) or an ISO 8601 date-time with ``Z`` or an offset, as UTC."""
    if raw is None:
        raise InvalidInput(f"{name} is required (a date or an ISO 8601 date-time with an offset)")
    if not _INSTANT.fullmatch(raw):
        raise InvalidInput(
            f"{name} must be a date YYYY-MM-DD or an ISO 8601 date-time with Z or an offset (send + as %2B)"
        )
    try:
        parsed = datetime.fromisoformat(raw if "T" in raw else f"{raw}T00:00Z")
    except ValueError:
        raise InvalidInput(f"{name} is not a real date and time: {raw}") from None
    return as_utc(parsed, name)


def roster_scope(who: Principal) -> OrganisationId | None:
    """Coordinators manage rosters: the operator's for every interpreter (``None``), an authority's for
    the interpreters who serve it."""
    if who.role is not Role.COORDINATOR:
        raise Forbidden("only coordinators manage standby rosters")
    return None if who.sees_all_organisations else who.organisation_id


def _fingerprint(interpreter_id: UserId, language: LanguageTag, interval: Interval) -> str:
    """Equal for two requests exactly when they ask for the same shift."""
    canonical = json.dumps(
        [interpreter_id, language.tag, interval.start_utc.isoformat(), interval.end_utc.isoformat()]
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_key(interpreter_id: str) -> int:
    return int.from_bytes(hashlib.sha256(interpreter_id.encode()).digest()[:4], "big", signed=True)


def _serves(interpreter: object, organisation_id: OrganisationId) -> ColumnElement[bool]:
    """True where ``interpreter`` (an id, or a column of the enclosing query) serves the organisation."""
    return exists().where(
        InterpreterOrganisationRow.user_id == interpreter,
        InterpreterOrganisationRow.organisation_id == organisation_id,
    )


class RosterService:
    """Adds, lists and cancels standby shifts, and applies their start and end when timers fire."""

    def __init__(self, db: Database, clock: Clock, timers: Timers, switch: StandbySwitch) -> None:
        self._db = db
        self._clock = clock
        self._timers = timers
        self._switch = switch

    @asynccontextmanager
    async def _writing(self, interpreter_id: str) -> AsyncIterator[AsyncSession]:
        """A write transaction no other writer of ``interpreter_id``'s shifts runs beside (see bookings)."""
        async with self._db.write_transaction() as session:
            if not self._db.is_sqlite:
                await session.execute(
                    text("SELECT pg_advisory_xact_lock(:namespace, :key)"),
                    {"namespace": _LOCK_NAMESPACE, "key": _lock_key(interpreter_id)},
                )
            yield session
            await matching_version.bump(session)  # the matcher keeps shifts in memory per version

    async def add_shift(
        self,
        interpreter_id: UserId,
        language: LanguageTag,
        interval: Interval,
        created_by: UserId,
        *,
        serving: OrganisationId | None = None,
        idempotency_key: str | None = None,
    ) -> StandbyShift:
        """Roster ``interpreter_id`` (who must serve ``serving``, when given) and time its start and end;
        with a key ``created_by`` used before, the shift made then."""
        shift, _ = await self.place_shift(
            interpreter_id, language, interval, created_by, serving=serving, idempotency_key=idempotency_key
        )
        return shift

    async def place_shift(
        self,
        interpreter_id: UserId,
        language: LanguageTag,
        interval: Interval,
        created_by: UserId,
        *,
        serving: OrganisationId | None = None,
        idempotency_key: str | None = None,
    ) -> tuple[StandbyShift, bool]:
        """As :meth:`add_shift`, also telling whether the shift is new (``False``: a replay of the key)."""
        key = checked_idempotency_key(idempotency_key)
        fingerprint = _fingerprint(interpreter_id, language, interval)
        if key is not None and (earlier := await self._replay(created_by, key, fingerprint)):
            return earlier, False
        now = self._clock.now()
        if interval.end_utc <= now:
            raise InvalidInput("a shift cannot end in the past")
        if interval.duration > MAX_SHIFT:
            raise InvalidInput(f"a shift lasts at most {MAX_SHIFT // timedelta(hours=1)} hours")
        if interval.start_utc - now > MAX_AHEAD:
            raise InvalidInput(f"a shift can start at most {MAX_AHEAD.days} days ahead")
        row = StandbyShiftRow(
            id=new_id(),
            interpreter_id=interpreter_id,
            language=language.tag,
            start_at=interval.start_utc,
            end_at=interval.end_utc,
            created_by=created_by,
            created_at=now,
            cancelled=False,
            idempotency_key=key,
            request_fingerprint=fingerprint,
        )
        try:
            async with self._writing(interpreter_id) as session:
                # A retry that waited for the lock behind its first attempt finds that shift here,
                # rather than overlapping it.
                if key is not None and (
                    earlier := await self._earlier(session, created_by, key, fingerprint)
                ):
                    return earlier, False
                await self._check_interpreter(session, interpreter_id, language, serving)
                clash = select(StandbyShiftRow.id).where(
                    StandbyShiftRow.interpreter_id == interpreter_id,
                    StandbyShiftRow.cancelled.is_(False),
                    StandbyShiftRow.start_at < interval.end_utc,
                    StandbyShiftRow.end_at > interval.start_utc,
                )
                if (await session.scalars(clash.limit(1))).first() is not None:
                    raise ShiftOverlap("the interpreter is already rostered for part of that time")
                session.add(row)
        except IntegrityError:
            # The same key, committed since we looked by a request for another interpreter's shift
            # (which holds another lock): a conflict, as the fingerprints differ.
            if key is None or (earlier := await self._replay(created_by, key, fingerprint)) is None:
                raise
            return earlier, False
        shift = StandbyShift.from_row(row)
        if shift.interval.start_utc <= now:
            await self.shift_started(shift.id)  # already under way: standby now, no timer needed
        else:
            await self._timers.schedule(SHIFT_START, shift.id, shift.interval.start_utc)
        await self._timers.schedule(SHIFT_END, shift.id, shift.interval.end_utc)
        return shift, True

    async def _replay(self, created_by: UserId, key: str, fingerprint: str) -> StandbyShift | None:
        async with self._db.sessions() as session:
            return await self._earlier(session, created_by, key, fingerprint)

    @staticmethod
    async def _earlier(
        session: AsyncSession, created_by: UserId, key: str, fingerprint: str
    ) -> StandbyShift | None:
        """The shift ``created_by`` made with ``key``, as it is now; the key for another shift is refused."""
        query = select(StandbyShiftRow).where(
            StandbyShiftRow.created_by == created_by, StandbyShiftRow.idempotency_key == key
        )
        row = (await session.scalars(query)).one_or_none()
        if row is None:
            return None
        if row.request_fingerprint != fingerprint:
            raise IdempotencyKeyReused("this Idempotency-Key was already used for another shift")
        return StandbyShift.from_row(row)

    async def _check_interpreter(
        self,
        session: AsyncSession,
        interpreter_id: UserId,
        language: LanguageTag,
        serving: OrganisationId | None,
    ) -> None:
        user = await session.get(UserRow, interpreter_id)
        if user is None or user.role != Role.INTERPRETER or not user.active:
            raise NotFound("no such interpreter")
        if serving is not None and not await session.scalar(select(_serves(interpreter_id, serving))):
            raise NotFound("no such interpreter")  # not one of yours: as if it did not exist
        tags = await session.scalars(
            select(InterpreterLanguageRow.tag).where(
                InterpreterLanguageRow.user_id == interpreter_id,
                InterpreterLanguageRow.language == language.language,
            )
        )
        if not any(LanguageTag.parse(tag).covers(language) for tag in tags):
            raise InterpreterUnsuitable(f"the interpreter does not work in {language}")

    async def get(self, shift_id: str, *, serving: OrganisationId | None = None) -> StandbyShift:
        query = select(StandbyShiftRow).where(StandbyShiftRow.id == shift_id)
        if serving is not None:
            query = query.where(_serves(StandbyShiftRow.interpreter_id, serving))
        async with self._db.sessions() as session:
            row = (await session.scalars(query)).one_or_none()
        if row is None:
            raise NotFound("no such shift")
        return StandbyShift.from_row(row)

    async def cancel_shift(self, shift_id: str, *, serving: OrganisationId | None = None) -> StandbyShift:
        """Call the shift off; if it is under way, standby goes off now. Cancelling twice is harmless."""
        shift = await self.get(shift_id, serving=serving)
        now = self._clock.now()
        if shift.cancelled:
            return shift
        if shift.interval.end_utc <= now:
            raise Conflict("this shift is over; it can no longer be cancelled")
        async with self._writing(shift.interpreter_id) as session:
            won = await session.scalar(
                update(StandbyShiftRow)
                .where(StandbyShiftRow.id == shift.id, StandbyShiftRow.cancelled.is_(False))
                .values(cancelled=True)
                .returning(StandbyShiftRow.id)
            )
        cancelled = replace(shift, cancelled=True)
        if won is None:
            return cancelled  # a concurrent cancel got there first and does the rest
        await self._timers.cancel(SHIFT_START, shift.id)
        await self._timers.cancel(SHIFT_END, shift.id)
        if shift.interval.start_utc <= now:
            await self._standby_off(cancelled, now)
        return cancelled

    async def shifts(
        self,
        window: Interval,
        language: LanguageTag | None = None,
        interpreter_id: UserId | None = None,
        *,
        serving: OrganisationId | None = None,
    ) -> list[StandbyShift]:
        """Live shifts overlapping ``window`` (for a language or an interpreter), earliest first."""
        if window.duration > MAX_LISTING:
            raise InvalidInput(f"a listing spans at most {MAX_LISTING.days} days")
        query = (
            select(StandbyShiftRow)
            .where(
                StandbyShiftRow.cancelled.is_(False),
                StandbyShiftRow.start_at < window.end_utc,
                StandbyShiftRow.end_at > window.start_utc,
            )
            .order_by(StandbyShiftRow.start_at, StandbyShiftRow.id)
        )
        if language is not None:
            same = or_(
                StandbyShiftRow.language == language.language,
                StandbyShiftRow.language.like(f"{language.language}-%"),
            )
            query = query.where(same)
        if interpreter_id is not None:
            query = query.where(StandbyShiftRow.interpreter_id == interpreter_id)
        if serving is not None:
            query = query.where(_serves(StandbyShiftRow.interpreter_id, serving))
        async with self._db.sessions() as session:
            rows = (await session.scalars(query)).all()
        found = [StandbyShift.from_row(row) for row in rows]
        return [s for s in found if language is None or s.language.covers(language)]

    async def on_shift(self, interpreter_id: UserId, at: datetime) -> bool:
        """Whether a live shift of ``interpreter_id`` includes the instant ``at``."""
        return await self._covering(interpreter_id, as_utc(at, "at")) is not None

    async def _covering(
        self, interpreter_id: str, at: datetime, language: LanguageTag | None = None, besides: str = ""
    ) -> StandbyShift | None:
        query = select(StandbyShiftRow).where(
            StandbyShiftRow.interpreter_id == interpreter_id,
            StandbyShiftRow.cancelled.is_(False),
            StandbyShiftRow.start_at <= at,
            StandbyShiftRow.end_at > at,
            StandbyShiftRow.id != besides,
        )
        async with self._db.sessions() as session:
            rows = (await session.scalars(query)).all()
        found = [StandbyShift.from_row(row) for row in rows]
        return next((s for s in found if language is None or s.language.covers(language)), None)

    async def _find(self, shift_id: str) -> StandbyShift | None:
        async with self._db.sessions() as session:
            row = await session.get(StandbyShiftRow, shift_id)
        return StandbyShift.from_row(row) if row is not None else None

    async def shift_started(self, shift_id: str) -> None:
        """The ``shift_start`` effect: standby on, unless the shift was cancelled or is already over."""
        shift = await self._find(shift_id)
        if shift is None or shift.cancelled or shift.interval.end_utc <= self._clock.now():
            return
        await self._switch.set_rostered_standby(shift.interpreter_id, True, shift.language.tag)
        # A cancel committed while we switched on has already switched off, or will after this read.
        again = await self._find(shift_id)
        if again is None or again.cancelled:
            await self._standby_off(shift, self._clock.now())

    async def shift_ended(self, shift_id: str) -> None:
        """The ``shift_end`` effect: standby off. A cancelled shift was switched off when cancelled."""
        shift = await self._find(shift_id)
        if shift is None or shift.cancelled:
            return
        await self._standby_off(shift, max(self._clock.now(), shift.interval.end_utc))

    async def _standby_off(self, shift: StandbyShift, at: datetime) -> None:
        # A back-to-back shift in the same language keeps the interpreter on: its start may run first.
        if await self._covering(shift.interpreter_id, at, shift.language, besides=shift.id) is None:
            await self._switch.set_rostered_standby(shift.interpreter_id, False, shift.language.tag)
