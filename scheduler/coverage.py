"""The coverage report: for each UTC hour and language, who could interpret set against what was asked.

Languages are primary subtags (``ps`` gathers ``ps`` and ``ps-AF``). For each hour of the window:

* ``available``: active interpreters with that working language whose stated hours, or a live standby shift
  for that language, cover the whole hour (the two may add up: hours until 10:00 and a shift from 10:00);
* ``rostered``: those of them whose standby shifts for that language alone cover the whole hour;
* ``booked``: bookings of that language in a live or finished state (not cancelled) overlapping the hour;
* ``on_demand``: on-demand requests for that language made in that hour, whatever became of them;
* ``gap``: how far demand (``booked + on_demand``) exceeds ``available``, never below zero.

An authority's reader sees its own demand and the interpreters who serve it; the operator's sees all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select

from core.db import Database
from core.errors import InvalidInput
from core.ids import UserId
from core.languages import LanguageTag
from core.models import (
    BookingRow,
    CallRecordRow,
    InterpreterLanguageRow,
    InterpreterOrganisationRow,
    StandbyShiftRow,
    UserRow,
)
from scheduler.availability import EARLIEST, LATEST, expand
from scheduler.availability_store import AvailabilityStore
from scheduler.booking_states import BookingState
from scheduler.intervals import Interval, merge
from scheduler.reports import ReportScope
from scheduler.rosters import parse_instant

MAX_DAYS = 31
HOUR = timedelta(hours=1)
DEMAND_STATES = frozenset(BookingState) - {BookingState.CANCELLED}


@dataclass(frozen=True)
class CoverageWindow:
    """Whole UTC hours, ``from`` before ``to``, at most :data:`MAX_DAYS` days."""

    interval: Interval

    def __post_init__(self) -> None:
        start, end = self.interval.start_utc, self.interval.end_utc
        for name, instant in (("from", start), ("to", end)):
            if (instant.minute, instant.second, instant.microsecond) != (0, 0, 0):
                raise InvalidInput(f"{name} must fall on a whole hour in UTC")
        if start < EARLIEST or end > LATEST:
            raise InvalidInput(f"a report lies between {EARLIEST.year} and {LATEST.year - 1}")
        if self.interval.duration > timedelta(days=MAX_DAYS):
            raise InvalidInput(f"a coverage report spans at most {MAX_DAYS} days")

    @classmethod
    def parse(cls, raw_from: str | None, raw_to: str | None) -> CoverageWindow:
        start, end = parse_instant(raw_from, "from"), parse_instant(raw_to, "to")
        if end <= start:
            raise InvalidInput("from must be before to")
        return cls(Interval(start, end))

    @property
    def hours(self) -> int:
        return self.interval.duration // HOUR

    def hour_at(self, index: int) -> datetime:
        return self.interval.start_utc + index * HOUR

    def hour_of(self, instant: datetime) -> int | None:
        """The index of the hour holding ``instant``, or ``None`` outside the window."""
        return self._offset(instant) // HOUR if self.interval.contains(instant) else None

    def _offset(self, instant: datetime) -> timedelta:
        return instant - self.interval.start_utc

    def whole_hours(self, piece: Interval) -> range:
        """The hours ``piece`` covers from start to end, as indexes into the window."""
        first = -(-self._offset(piece.start_utc) // HOUR)
        return range(max(first, 0), min(self._offset(piece.end_utc) // HOUR, self.hours))

    def touched_hours(self, piece: Interval) -> range:
        """The hours ``piece`` shares at least an instant with."""
        last = -(-self._offset(piece.end_utc) // HOUR)
        return range(max(self._offset(piece.start_utc) // HOUR, 0), min(last, self.hours))


@dataclass(frozen=True)
class InterpreterHours:
    """What the report needs of one interpreter: languages, stated hours and shifts within the window."""

    user_id: UserId
    languages: frozenset[str]
    stated: tuple[Interval, ...]
    shifts: Mapping[str, tuple[Interval, ...]]  # by language


@dataclass(frozen=True)
class Demand:
    """A booking (its interval) or an on-demand request (the instant it was made), in one language."""

    language: str
    interval: Interval


@dataclass(frozen=True)
class CoverageRow:
    hour: datetime
    language: str
    available: int
    rostered: int
    booked: int
    on_demand: int

    @property
    def gap(self) -> int:
        return max(0, self.booked + self.on_demand - self.available)


def primary_language(tag: str) -> str:
    """The primary subtag of a stored tag; one that no longer parses still counts under its first part."""
    try:
        return LanguageTag.parse(tag).language
    except InvalidInput:
        return tag.split("-", 1)[0].lower()


def aggregate_coverage(
    window: CoverageWindow,
    interpreters: Iterable[InterpreterHours],
    bookings: Iterable[Demand],
    requests: Iterable[tuple[str, datetime]],
) -> list[CoverageRow]:
    """One row per hour and language with anything in it, ordered by hour, then language."""
    available: Counter[tuple[int, str]] = Counter()
    rostered: Counter[tuple[int, str]] = Counter()
    booked: Counter[tuple[int, str]] = Counter()
    on_demand: Counter[tuple[int, str]] = Counter()
    for person in interpreters:
        for language in person.languages:
            shifts = person.shifts.get(language, ())
            for piece in merge((*person.stated, *shifts)):
                available.update((hour, language) for hour in window.whole_hours(piece))
            for piece in merge(shifts):
                rostered.update((hour, language) for hour in window.whole_hours(piece))
    for booking in bookings:
        booked.update((hour, booking.language) for hour in window.touched_hours(booking.interval))
    for language, requested_at in requests:
        if (hour := window.hour_of(requested_at)) is not None:
            on_demand[(hour, language)] += 1
    keys = sorted(available.keys() | booked.keys() | on_demand.keys())
    return [
        CoverageRow(
            window.hour_at(hour),
            language,
            available[(hour, language)],
            rostered[(hour, language)],
            booked[(hour, language)],
            on_demand[(hour, language)],
        )
        for hour, language in keys
    ]


async def coverage_report(
    db: Database, store: AvailabilityStore, window: CoverageWindow, scope: ReportScope
) -> list[CoverageRow]:
    """Load what ``scope`` may see of ``window`` (five queries, each bounded by it) and aggregate it."""
    start, end = window.interval.start_utc, window.interval.end_utc
    people = select(InterpreterLanguageRow.user_id, InterpreterLanguageRow.language).where(
        exists().where(UserRow.id == InterpreterLanguageRow.user_id, UserRow.active.is_(True))
    )
    shift_query = select(
        StandbyShiftRow.interpreter_id,
        StandbyShiftRow.language,
        StandbyShiftRow.start_at,
        StandbyShiftRow.end_at,
    ).where(
        StandbyShiftRow.cancelled.is_(False), StandbyShiftRow.start_at < end, StandbyShiftRow.end_at > start
    )
    booking_query = select(BookingRow.language, BookingRow.start_at, BookingRow.end_at).where(
        BookingRow.state.in_(sorted(DEMAND_STATES)), BookingRow.start_at < end, BookingRow.end_at > start
    )
    call_query = select(CallRecordRow.language, CallRecordRow.requested_at).where(
        CallRecordRow.requested_at >= start, CallRecordRow.requested_at < end
    )
    if (org := scope.organisation_id) is not None:
        people = people.where(
            exists().where(
                InterpreterOrganisationRow.user_id == InterpreterLanguageRow.user_id,
                InterpreterOrganisationRow.organisation_id == org,
            )
        )
        booking_query = booking_query.where(BookingRow.organisation_id == org)
        call_query = call_query.where(CallRecordRow.organisation_id == org)
    async with db.sessions() as session:
        languages: dict[UserId, set[str]] = {}
        for user_id, language in await session.execute(people):
            languages.setdefault(UserId(user_id), set()).add(language)
        shifts: dict[UserId, dict[str, list[Interval]]] = {}
        for user_id, tag, shift_start, shift_end in await session.execute(shift_query):
            if (uid := UserId(user_id)) in languages:
                by_language = shifts.setdefault(uid, {})
                by_language.setdefault(primary_language(tag), []).append(Interval(shift_start, shift_end))
        bookings = [
            Demand(primary_language(tag), Interval(b_start, b_end))
            for tag, b_start, b_end in (await session.execute(booking_query))
        ]
        requests = [(primary_language(tag), at) for tag, at in (await session.execute(call_query))]
    hours = await store.load_many(languages)
    interpreters = [
        InterpreterHours(
            uid,
            frozenset(langs),
            tuple(expand(hours[uid], start, end)) if uid in hours else (),
            {lang: tuple(pieces) for lang, pieces in shifts.get(uid, {}).items()},
        )
        for uid, langs in languages.items()
    ]
    return aggregate_coverage(window, interpreters, bookings, requests)
