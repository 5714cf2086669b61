"""The usage report: minutes of interpretation per organisation, language and month, and who may read it.

Two sources add up. An on-demand call counts when it ended ``completed`` or ``dropped`` (a dropped call was
interpreted until the line went): from answer to end, rounded up to the whole minute, in the UTC month it
was answered. A scheduled booking counts when ``completed``: its booked interval, in the UTC month it
started. Cancelled calls, calls nobody answered, and bookings in any other state count nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.accounts import Principal, Role
from core.db import Database
from core.errors import Forbidden, InvalidInput
from core.ids import OrganisationId
from core.models import BookingRow, CallRecordRow, OrganisationRow
from scheduler.booking_states import BookingState
from scheduler.intervals import Interval, as_utc

MAX_MONTHS = 24
MIN_YEAR, MAX_YEAR = 2000, 2999
COUNTED_CALL_OUTCOMES = frozenset({"completed", "dropped"})
COUNTED_BOOKING_STATES = frozenset({BookingState.COMPLETED})
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month in UTC, written ``YYYY-MM``."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not MIN_YEAR <= self.year <= MAX_YEAR or not 1 <= self.month <= 12:
            raise InvalidInput(f"a month is YYYY-MM, years {MIN_YEAR} to {MAX_YEAR}")

    @classmethod
    def parse(cls, raw: str, name: str = "month") -> Month:
        if not isinstance(raw, str) or not _MONTH.fullmatch(raw):
            raise InvalidInput(f"{name} must be a month written YYYY-MM")
        return cls(int(raw[:4]), int(raw[5:]))

    @classmethod
    def of(cls, instant: datetime) -> Month:
        utc = as_utc(instant)
        return cls(utc.year, utc.month)

    @property
    def start_utc(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def index(self) -> int:
        return self.year * 12 + self.month - 1

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class MonthRange:
    """The months ``first`` to ``last``, both included; at most :data:`MAX_MONTHS` of them."""

    first: Month
    last: Month

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidInput("from must not be after to")
        if self.last.index() - self.first.index() + 1 > MAX_MONTHS:
            raise InvalidInput(f"a report covers at most {MAX_MONTHS} months")

    @classmethod
    def parse(cls, first: str, last: str) -> MonthRange:
        return cls(Month.parse(first, "from"), Month.parse(last, "to"))

    @property
    def interval(self) -> Interval:
        """The instants the range covers, as a half-open UTC interval."""
        return Interval(self.first.start_utc, self.last.next().start_utc)

    def __contains__(self, month: object) -> bool:
        return isinstance(month, Month) and self.first <= month <= self.last


@dataclass(frozen=True)
class CallUsage:
    """The facts of one on-demand call the report needs."""

    organisation_id: OrganisationId
    language: str
    outcome: str | None
    answered_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class BookingUsage:
    """The facts of one scheduled booking the report needs."""

    organisation_id: OrganisationId
    language: str
    state: BookingState
    interval: Interval


@dataclass(frozen=True)
class UsageRow:
    organisation_id: OrganisationId
    organisation: str
    language: str
    month: Month
    on_demand_minutes: int
    booked_minutes: int

    @property
    def total_minutes(self) -> int:
        return self.on_demand_minutes + self.booked_minutes


def whole_minutes(span: timedelta) -> int:
    """``span`` rounded up to the whole minute (a call of 61 seconds is billed as two minutes)."""
    return max(0, -(-span // _MINUTE))


def call_minutes(call: CallUsage) -> tuple[Month, int] | None:
    """The month a call counts in and its minutes, or ``None`` when it counts nothing."""
    if call.outcome not in COUNTED_CALL_OUTCOMES or call.answered_at is None or call.ended_at is None:
        return None
    minutes = whole_minutes(call.ended_at - call.answered_at)
    return (Month.of(call.answered_at), minutes) if minutes else None


def booking_minutes(booking: BookingUsage) -> tuple[Month, int] | None:
    if booking.state not in COUNTED_BOOKING_STATES:
        return None
    return Month.of(booking.interval.start_utc), whole_minutes(booking.interval.duration)


def aggregate_usage(
    calls: Iterable[CallUsage],
    bookings: Iterable[BookingUsage],
    organisations: Mapping[OrganisationId, str],
    months: MonthRange,
) -> list[UsageRow]:
    """One row per organisation, language and month with any minutes, ordered by organisation name,
    language and month. Usage outside ``months`` is left out."""
    totals: dict[tuple[OrganisationId, str, Month], list[int]] = {}
    for call in calls:
        if (counted := call_minutes(call)) and counted[0] in months:
            totals.setdefault((call.organisation_id, call.language, counted[0]), [0, 0])[0] += counted[1]
    for booking in bookings:
        if (counted := booking_minutes(booking)) and counted[0] in months:
            totals.setdefault((booking.organisation_id, booking.language, counted[0]), [0, 0])[1] += counted[
                1
            ]
    rows = [
        UsageRow(org, organisations.get(org, org), language, month, on_demand, booked)
        for (org, language, month), (on_demand, booked) in totals.items()
    ]
    return sorted(rows, key=lambda r: (r.organisation, r.organisation_id, r.language, r.month))


@dataclass(frozen=True)
class ReportScope:
    """Whose usage a reader may see: one organisation's, or (``None``) every organisation's."""

    organisation_id: OrganisationId | None


def report_scope(who: Principal) -> ReportScope:
    """Coordinators and admins read usage: the operator's of everyone, an authority's of their own."""
    if who.role not in (Role.COORDINATOR, Role.ADMIN):
        raise Forbidden("only coordinators and admins read usage reports")
    return ReportScope(None if who.sees_all_organisations else who.organisation_id)


async def usage_report(db: Database, months: MonthRange, scope: ReportScope) -> list[UsageRow]:
    """Load the counted calls and bookings of ``months`` within ``scope`` and aggregate them."""
    window = months.interval
    call_query = select(
        CallRecordRow.organisation_id,
        CallRecordRow.language,
        CallRecordRow.outcome,
        CallRecordRow.answered_at,
        CallRecordRow.ended_at,
    ).where(
        CallRecordRow.outcome.in_(sorted(COUNTED_CALL_OUTCOMES)),
        CallRecordRow.answered_at >= window.start_utc,
        CallRecordRow.answered_at < window.end_utc,
    )
    booking_query = select(
        BookingRow.organisation_id,
        BookingRow.language,
        BookingRow.state,
        BookingRow.start_at,
        BookingRow.end_at,
    ).where(
        BookingRow.state.in_(sorted(COUNTED_BOOKING_STATES)),
        BookingRow.start_at >= window.start_utc,
        BookingRow.start_at < window.end_utc,
    )
    if scope.organisation_id is not None:
        call_query = call_query.where(CallRecordRow.organisation_id == scope.organisation_id)
        booking_query = booking_query.where(BookingRow.organisation_id == scope.organisation_id)
    async with db.sessions() as session:
        calls = [
            CallUsage(OrganisationId(org), language, outcome, answered, ended)
            for org, language, outcome, answered, ended in (await session.execute(call_query)).all()
        ]
        bookings = [
            BookingUsage(OrganisationId(org), language, BookingState(state), Interval(start, end))
            for org, language, state, start, end in (await session.execute(booking_query)).all()
        ]
        wanted = {c.organisation_id for c in calls} | {b.organisation_id for b in bookings}
        names = (
            (
                await session.execute(
                    select(OrganisationRow.id, OrganisationRow.name).where(OrganisationRow.id.in_(wanted))
                )
            ).all()
            if wanted
            else []
        )
    organisations = {OrganisationId(org): name for org, name in names}
    return aggregate_usage(calls, bookings, organisations, months)
