"""The usage report's arithmetic, month ranges and access rule, without a database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.accounts import OrganisationKind, Principal, Role
from core.errors import Forbidden, InvalidInput
from core.ids import OrganisationId, UserId
from scheduler.booking_states import BookingState
from scheduler.intervals import Interval
from scheduler.reports import (
    BookingUsage,
    CallUsage,
    Month,
    MonthRange,
    ReportScope,
    UsageRow,
    aggregate_usage,
    report_scope,
    whole_minutes,
)

OFFICE_A, OFFICE_B, POOL = OrganisationId("a"), OrganisationId("b"), OrganisationId("pool")
NAMES = {OFFICE_A: "Office A", OFFICE_B: 'Office B, "North"'}
MARCH = datetime(2026, 3, 10, 9, tzinfo=UTC)
SPRING = MonthRange(Month(2026, 3), Month(2026, 4))


def call(
    answered: datetime | None = MARCH,
    length: timedelta = timedelta(minutes=10),
    *,
    outcome: str | None = "completed",
    org: OrganisationId = OFFICE_A,
    language: str = "ps",
) -> CallUsage:
    ended = answered + length if answered is not None else None
    return CallUsage(org, language, outcome, answered, ended)


def booking(
    start: datetime = MARCH,
    length: timedelta = timedelta(hours=1),
    *,
    state: BookingState = BookingState.COMPLETED,
    org: OrganisationId = OFFICE_A,
    language: str = "ps",
) -> BookingUsage:
    return BookingUsage(org, language, state, Interval(start, start + length))


def report(calls: Sequence[CallUsage] = (), bookings: Sequence[BookingUsage] = ()) -> list[UsageRow]:
    return aggregate_usage(calls, bookings, NAMES, SPRING)


def minutes(rows: list[UsageRow]) -> list[tuple[str, str, str, int, int, int]]:
    return [
        (r.organisation_id, r.language, str(r.month), r.on_demand_minutes, r.booked_minutes, r.total_minutes)
        for r in rows
    ]


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (timedelta(0), 0),
        (timedelta(microseconds=1), 1),
        (timedelta(seconds=59), 1),
        (timedelta(seconds=60), 1),
        (timedelta(seconds=61), 2),
        (timedelta(minutes=90), 90),
        (timedelta(seconds=-5), 0),
    ],
)
def test_minutes_are_rounded_up_to_the_whole_minute(span: timedelta, expected: int) -> None:
    assert whole_minutes(span) == expected


def test_each_call_is_rounded_up_on_its_own_before_adding() -> None:
    rows = report([call(length=timedelta(seconds=61)), call(length=timedelta(seconds=1))])
    assert minutes(rows) == [("a", "ps", "2026-03", 3, 0, 3)]


def test_calls_and_completed_bookings_add_up_per_organisation_language_and_month() -> None:
    rows = report(
        [call(), call(language="ar"), call(org=OFFICE_B), call(MARCH + timedelta(days=30))],
        [booking(), booking(MARCH + timedelta(days=30), timedelta(minutes=45))],
    )
    assert minutes(rows) == [
        ("a", "ar", "2026-03", 10, 0, 10),
        ("a", "ps", "2026-03", 10, 60, 70),
        ("a", "ps", "2026-04", 10, 45, 55),
        ("b", "ps", "2026-03", 10, 0, 10),
    ]
    assert [r.organisation for r in rows] == ["Office A"] * 3 + ['Office B, "North"']


def test_a_call_counts_in_the_utc_month_it_was_answered_even_across_midnight() -> None:
    last_minutes_of_march = datetime(2026, 3, 31, 23, 50, tzinfo=UTC)
    rows = report([call(last_minutes_of_march, timedelta(minutes=30))])
    assert minutes(rows) == [("a", "ps", "2026-03", 30, 0, 30)]


def test_the_month_is_the_utc_month_not_the_local_one() -> None:
    # 00:30 on 1 April in Skopje (UTC+2 in summer) is still 31 March in UTC.
    answered = datetime(2026, 4, 1, 0, 30, tzinfo=ZoneInfo("Europe/Skopje"))
    rows = report([call(answered)], [booking(answered)])
    assert [str(r.month) for r in rows] == ["2026-03"]


def test_a_booking_counts_in_the_month_it_started() -> None:
    rows = report([], [booking(datetime(2026, 4, 30, 23, tzinfo=UTC), timedelta(hours=2))])
    assert minutes(rows) == [("a", "ps", "2026-04", 0, 120, 120)]


def test_a_dropped_call_counts_its_minutes() -> None:
    assert minutes(report([call(outcome="dropped", length=timedelta(minutes=4, seconds=1))])) == [
        ("a", "ps", "2026-03", 5, 0, 5)
    ]


@pytest.mark.parametrize("outcome", ["cancelled", "no_interpreter", None])
def test_calls_that_were_not_interpreted_count_nothing(outcome: str | None) -> None:
    assert report([call(outcome=outcome)]) == []


def test_a_call_never_answered_counts_nothing_whatever_its_outcome() -> None:
    assert report([call(None, outcome="dropped")]) == []


@pytest.mark.parametrize("state", [s for s in BookingState if s is not BookingState.COMPLETED])
def test_only_completed_bookings_count(state: BookingState) -> None:
    assert report([], [booking(state=state)]) == []


def test_usage_outside_the_months_is_left_out() -> None:
    before = datetime(2026, 2, 28, 23, 59, tzinfo=UTC)
    after = datetime(2026, 5, 1, tzinfo=UTC)
    assert report([call(before), call(after)], [booking(before), booking(after)]) == []


def test_an_unknown_organisation_is_named_by_its_id() -> None:
    [row] = report([call(org=OrganisationId("gone"))])
    assert row.organisation == "gone"


@pytest.mark.parametrize(
    "raw",
    [
        "2026-3",
        "2026-13",
        "2026-00",
        "26-03",
        "2026/03",
        "2026-03-01",
        "",
        "\uff11\uff12\uff13\uff14-05",
        "2026-\u0660\u0663",
        "1999-12",
    ],
)
def test_a_month_is_written_yyyy_mm(raw: str) -> None:
    with pytest.raises(InvalidInput):
        Month.parse(raw)


def test_a_range_runs_forwards_and_covers_at_most_24_months() -> None:
    assert MonthRange.parse("2026-01", "2027-12").interval == Interval(
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    )
    assert Month(2026, 3) in MonthRange.parse("2026-03", "2026-03")
    with pytest.raises(InvalidInput):
        MonthRange.parse("2026-01", "2028-01")
    with pytest.raises(InvalidInput):
        MonthRange.parse("2026-04", "2026-03")


def person(role: Role, org: OrganisationId) -> Principal:
    kind = OrganisationKind.OPERATOR if org == POOL else OrganisationKind.AUTHORITY
    return Principal(UserId("someone"), org, kind, role, "someone", str(org))


@pytest.mark.parametrize(
    ("role", "org", "scope"),
    [
        (Role.COORDINATOR, POOL, ReportScope(None)),
        (Role.ADMIN, POOL, ReportScope(None)),
        (Role.COORDINATOR, OFFICE_A, ReportScope(OFFICE_A)),
        (Role.ADMIN, OFFICE_B, ReportScope(OFFICE_B)),
    ],
)
def test_coordinators_and_admins_read_usage_the_operators_of_everyone(
    role: Role, org: OrganisationId, scope: ReportScope
) -> None:
    assert report_scope(person(role, org)) == scope


@pytest.mark.parametrize(
    ("role", "org"),
    [(Role.CASEWORKER, OFFICE_A), (Role.INTERPRETER, POOL), (Role.CASEWORKER, POOL)],
)
def test_caseworkers_and_interpreters_may_not_read_usage(role: Role, org: OrganisationId) -> None:
    with pytest.raises(Forbidden):
        report_scope(person(role, org))
