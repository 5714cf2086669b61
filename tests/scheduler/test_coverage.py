"""The coverage report: who could interpret each UTC hour, set against bookings and on-demand requests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, update

from core.clock import FakeClock
from core.errors import InvalidInput
from core.ids import OrganisationId, UserId, new_id
from core.languages import LanguageTag
from core.migrate import upgrade
from core.models import BookingRow, CallRecordRow, UserRow
from rris.services import Services, build_services
from scheduler import coverage
from scheduler.availability import Availability, Weekday, WeeklySlot
from scheduler.coverage import (
    CoverageRow,
    CoverageWindow,
    Demand,
    InterpreterHours,
    aggregate_coverage,
    coverage_report,
)
from scheduler.intervals import Interval
from scheduler.reports import ReportScope
from scheduler.rosters import RosterService
from scheduler.timers import RecordingTimers
from tests.conftest import make_settings
from tests.support.domain import RecordingNotifier
from tests.support.world import World, build_world

EVERYONE = ReportScope(None)
WINTER_DAY = "2026-01-13"  # a Tuesday: Belgrade is UTC+1
SUMMER_DAY = "2026-07-14"  # a Tuesday: Belgrade is UTC+2


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def daily(start: time, end: time, zone: str = "Europe/Belgrade") -> Availability:
    return Availability(zone, tuple(WeeklySlot(Weekday(day), start, end) for day in Weekday))


def day(text: str, days: int = 1) -> CoverageWindow:
    start = utc(text)
    return CoverageWindow(Interval(start, start + timedelta(days=days)))


def table(rows: list[CoverageRow]) -> list[tuple[str, str, int, int, int, int, int]]:
    """Rows as a timetable: (UTC hour, language, available, rostered, booked, on_demand, gap)."""
    return [
        (r.hour.strftime("%m-%d %H"), r.language, r.available, r.rostered, r.booked, r.on_demand, r.gap)
        for r in rows
    ]


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    made = build_services(make_settings(tmp_path), FakeClock(utc("2026-01-01T00:00")), RecordingNotifier())
    await upgrade(made.db)
    yield made
    await made.close()


@pytest.fixture
async def world(services: Services) -> World:
    return await build_world(services.accounts, services.directory)


@pytest.fixture
def rosters(services: Services) -> RosterService:
    return RosterService(services.db, services.clock, RecordingTimers(), _NoSwitch())


class _NoSwitch:
    async def set_rostered_standby(self, user_id: UserId, on: bool, language: str) -> None:
        return None


async def report(
    services: Services, window: CoverageWindow, scope: ReportScope = EVERYONE
) -> list[CoverageRow]:
    return await coverage_report(services.db, services.availability, window, scope)


async def add_demand(services: Services, *rows: BookingRow | CallRecordRow) -> None:
    async with services.db.transaction() as session:
        session.add_all(rows)


def booking(
    world: World,
    start: str,
    minutes: int,
    *,
    state: str = "confirmed",
    language: str = "ps-AF",
    office: str = "a",
) -> BookingRow:
    begins = utc(start)
    return BookingRow(
        id=new_id(),
        organisation_id=world.office_a if office == "a" else world.office_b,
        caseworker_id=world.id("cw.a" if office == "a" else "cw.b"),
        language=language,
        dialect=None,
        start_at=begins,
        end_at=begins + timedelta(minutes=minutes),
        modality="video",
        state=state,
        interpreter_id=None,
        idempotency_key=None,
        request_fingerprint="0" * 64,
        created_at=begins - timedelta(days=3),
        version=1,
    )


def request(world: World, at: str, *, language: str = "ps", office: str = "a") -> CallRecordRow:
    requested = utc(at)
    return CallRecordRow(
        id=new_id(),
        organisation_id=world.office_a if office == "a" else world.office_b,
        caseworker_id=world.id("cw.a" if office == "a" else "cw.b"),
        interpreter_id=None,
        language=language,
        requested_gender=None,
        requested_at=requested,
        rung_at=requested,
        answered_at=None,
        ended_at=requested + timedelta(minutes=1),
        outcome="no_interpreter",
        ring_attempts=1,
    )


# Availability, across daylight saving


@pytest.mark.parametrize(
    ("when", "hours"),
    [(WINTER_DAY, ["07", "08", "09", "10"]), (SUMMER_DAY, ["06", "07", "08", "09"])],
    ids=["winter", "summer"],
)
async def test_eight_to_twelve_in_belgrade_is_covered_at_the_utc_hours_of_the_season(
    services: Services, world: World, when: str, hours: list[str]
) -> None:
    await services.availability.put(world.id("ps.male"), daily(time(8), time(12)))
    rows = table(await report(services, day(when)))
    assert rows == [(f"{when[5:]} {h}", "ps", 1, 0, 0, 0, 0) for h in hours]


async def test_the_utc_hours_move_on_the_night_the_clocks_go_forward(
    services: Services, world: World
) -> None:
    await services.availability.put(world.id("ps.male"), daily(time(8), time(12)))
    rows = table(await report(services, day("2026-03-28", days=2)))  # clocks go forward early on the 29th
    assert [hour for hour, *_ in rows] == [
        *(f"03-28 {h:02d}" for h in range(7, 11)),
        *(f"03-29 {h:02d}" for h in range(6, 10)),
    ]


async def test_an_hour_covered_only_in_part_is_not_available(services: Services, world: World) -> None:
    await services.availability.put(world.id("ps.male"), daily(time(8, 30), time(11, 45)))
    rows = table(await report(services, day(WINTER_DAY)))
    assert [hour for hour, *_ in rows] == ["01-13 08", "01-13 09"]


async def test_every_working_language_counts_and_dari_falls_under_fa(
    services: Services, world: World
) -> None:
    await services.availability.put(world.id("ps.female"), daily(time(9), time(10), "UTC"))
    await services.availability.put(world.id("fa.iran"), daily(time(9), time(10), "UTC"))
    rows = table(await report(services, day(WINTER_DAY)))
    assert rows == [("01-13 09", lang, 1, 0, 0, 0, 0) for lang in ("en", "fa", "ps")]


async def test_inactive_interpreters_are_not_available(services: Services, world: World) -> None:
    await services.availability.put(world.id("ps.male"), daily(time(8), time(12)))
    async with services.db.transaction() as session:
        await session.execute(update(UserRow).where(UserRow.id == world.id("ps.male")).values(active=False))
    assert await report(services, day(WINTER_DAY)) == []


# Standby shifts


async def test_a_shift_makes_its_interpreter_available_and_rostered(
    services: Services, world: World, rosters: RosterService
) -> None:
    await services.availability.put(world.id("ps.male"), daily(time(8), time(10)))  # 07-09 UTC
    shift = Interval(utc(f"{WINTER_DAY}T09:00"), utc(f"{WINTER_DAY}T11:30"))
    await rosters.add_shift(world.id("ps.male"), LanguageTag.parse("ps-AF"), shift, world.id("coord"))
    rows = table(await report(services, day(WINTER_DAY)))
    assert rows == [
        ("01-13 07", "ps", 1, 0, 0, 0, 0),
        ("01-13 08", "ps", 1, 0, 0, 0, 0),
        ("01-13 09", "ps", 1, 1, 0, 0, 0),
        ("01-13 10", "ps", 1, 1, 0, 0, 0),
    ]


async def test_stated_hours_and_a_shift_together_cover_an_hour_neither_covers_alone(
    services: Services, world: World, rosters: RosterService
) -> None:
    await services.availability.put(world.id("ps.male"), daily(time(8), time(8, 30), "UTC"))
    shift = Interval(utc(f"{WINTER_DAY}T08:30"), utc(f"{WINTER_DAY}T09:00"))
    await rosters.add_shift(world.id("ps.male"), LanguageTag.parse("ps"), shift, world.id("coord"))
    assert table(await report(services, day(WINTER_DAY))) == [("01-13 08", "ps", 1, 0, 0, 0, 0)]


async def test_a_shift_counts_only_for_its_language_and_not_once_cancelled(
    services: Services, world: World, rosters: RosterService
) -> None:
    english = Interval(utc(f"{WINTER_DAY}T09:00"), utc(f"{WINTER_DAY}T10:00"))
    await rosters.add_shift(world.id("ps.female"), LanguageTag.parse("en"), english, world.id("coord"))
    later = Interval(utc(f"{WINTER_DAY}T12:00"), utc(f"{WINTER_DAY}T13:00"))
    gone = await rosters.add_shift(world.id("ps.male"), LanguageTag.parse("ps"), later, world.id("coord"))
    await rosters.cancel_shift(gone.id)
    assert table(await report(services, day(WINTER_DAY))) == [("01-13 09", "en", 1, 1, 0, 0, 0)]


# Demand and the gap


async def test_bookings_count_in_every_hour_they_touch_unless_cancelled(
    services: Services, world: World
) -> None:
    await add_demand(
        services,
        booking(world, f"{WINTER_DAY}T09:30", 60),
        booking(world, f"{WINTER_DAY}T10:00", 60, state="requested"),
        booking(world, f"{WINTER_DAY}T10:00", 60, state="completed"),
        booking(world, f"{WINTER_DAY}T10:00", 60, state="no_show", language="ar"),
        booking(world, f"{WINTER_DAY}T10:00", 60, state="cancelled"),
        booking(world, f"{WINTER_DAY}T23:30", 90),  # runs past the window's end
    )
    assert table(await report(services, day(WINTER_DAY))) == [
        ("01-13 09", "ps", 0, 0, 1, 0, 1),
        ("01-13 10", "ar", 0, 0, 1, 0, 1),
        ("01-13 10", "ps", 0, 0, 3, 0, 3),
        ("01-13 23", "ps", 0, 0, 1, 0, 1),
    ]


async def test_on_demand_requests_count_in_the_hour_they_were_made(services: Services, world: World) -> None:
    await add_demand(
        services,
        request(world, f"{WINTER_DAY}T09:00"),
        request(world, f"{WINTER_DAY}T09:59"),
        request(world, f"{WINTER_DAY}T10:00", language="ps-AF"),
        request(world, "2026-01-14T00:00"),  # the next day, outside the window
    )
    assert table(await report(services, day(WINTER_DAY))) == [
        ("01-13 09", "ps", 0, 0, 0, 2, 2),
        ("01-13 10", "ps", 0, 0, 0, 1, 1),
    ]


async def test_the_gap_is_demand_beyond_the_available(services: Services, world: World) -> None:
    for name in ("ps.male", "ps.female"):
        await services.availability.put(world.id(name), daily(time(9), time(11), "UTC"))
    await add_demand(
        services,
        booking(world, f"{WINTER_DAY}T09:00", 60),
        request(world, f"{WINTER_DAY}T10:15"),
        request(world, f"{WINTER_DAY}T10:20"),
        request(world, f"{WINTER_DAY}T10:25"),
    )
    assert table(await report(services, day(WINTER_DAY))) == [
        ("01-13 09", "en", 1, 0, 0, 0, 0),
        ("01-13 09", "ps", 2, 0, 1, 0, 0),
        ("01-13 10", "en", 1, 0, 0, 0, 0),
        ("01-13 10", "ps", 2, 0, 0, 3, 1),
    ]


# Scope


async def test_an_authority_sees_its_own_demand_and_the_interpreters_who_serve_it(
    services: Services, world: World
) -> None:
    for name in ("ps.male", "ps.only.b"):
        await services.availability.put(world.id(name), daily(time(9), time(10), "UTC"))
    await add_demand(
        services,
        request(world, f"{WINTER_DAY}T09:10", office="a"),
        request(world, f"{WINTER_DAY}T09:20", office="b"),
        booking(world, f"{WINTER_DAY}T09:00", 30, office="b"),
    )
    window = day(WINTER_DAY)
    assert table(await report(services, window)) == [("01-13 09", "ps", 2, 0, 1, 2, 1)]
    assert table(await report(services, window, ReportScope(world.office_a))) == [
        ("01-13 09", "ps", 1, 0, 0, 1, 0)
    ]
    assert table(await report(services, window, ReportScope(world.office_b))) == [
        ("01-13 09", "ps", 2, 0, 1, 1, 0)
    ]
    assert await report(services, window, ReportScope(OrganisationId("elsewhere"))) == []


# Cost


@pytest.fixture
def statements(services: Services) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(services.db.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(services.db.engine.sync_engine, "before_cursor_execute", record)


async def test_each_interpreters_hours_are_expanded_once_and_queries_do_not_grow_with_the_window(
    services: Services, world: World, monkeypatch: pytest.MonkeyPatch, statements: list[str]
) -> None:
    for name in ("ps.male", "ps.female", "ar.male"):
        await services.availability.put(world.id(name), daily(time(8), time(12)))
    expanded: list[Availability] = []
    real = coverage.expand

    def counting(availability: Availability, start: datetime, end: datetime) -> list[Interval]:
        expanded.append(availability)
        return real(availability, start, end)

    monkeypatch.setattr(coverage, "expand", counting)
    statements.clear()
    await report(services, day(WINTER_DAY))
    one_day = len(statements)
    rows = await report(services, day(WINTER_DAY, days=31))
    assert len(statements) == 2 * one_day <= 12
    assert len(expanded) == 2 * 3
    assert len(rows) == 31 * 4 * 3  # ps, en and ar, four hours a day


# The window


@pytest.mark.parametrize(
    ("raw_from", "raw_to", "words"),
    [
        (None, "2026-01-14", "from is required"),
        ("2026-01-13", None, "to is required"),
        ("2026-01-13", "2026-01-13", "from must be before to"),
        ("2026-01-14", "2026-01-13", "from must be before to"),
        ("2026-01-13T09:30Z", "2026-01-14", "from must fall on a whole hour"),
        ("2026-01-13", "2026-01-14T05:00+05:30", "to must fall on a whole hour"),
        ("2026-01-01", "2026-02-01T01:00Z", "at most 31 days"),
        ("13.01.2026", "2026-01-14", "from must be a date"),
        ("2026-01-13T09:00", "2026-01-14", "from must be a date"),
        ("1969-12-31", "1970-01-01", "between 1970"),
    ],
)
def test_a_window_is_whole_utc_hours_over_at_most_31_days(
    raw_from: str | None, raw_to: str | None, words: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        CoverageWindow.parse(raw_from, raw_to)
    assert words in refused.value.message


def test_a_window_may_be_given_with_an_offset() -> None:
    window = CoverageWindow.parse("2026-01-13T01:00+01:00", "2026-02-13")
    assert window.interval == Interval(utc("2026-01-13T00:00"), utc("2026-02-13T00:00"))
    assert window.hours == 31 * 24


def test_aggregation_alone_needs_no_database() -> None:
    window = day(WINTER_DAY)
    someone = InterpreterHours(
        UserId("x"),
        frozenset({"ps"}),
        (Interval(utc(f"{WINTER_DAY}T00:00"), utc(f"{WINTER_DAY}T01:00")),),
        {"ps": (Interval(utc(f"{WINTER_DAY}T22:00"), utc(f"{WINTER_DAY}T23:00")),)},
    )
    edge = Demand("ps", Interval(utc("2026-01-12T23:00"), utc(f"{WINTER_DAY}T00:00:01")))
    rows = aggregate_coverage(window, [someone], [edge], [("ps", utc("2026-01-12T23:59"))])
    assert table(rows) == [("01-13 00", "ps", 1, 0, 1, 0, 0), ("01-13 22", "ps", 1, 1, 0, 0, 0)]
