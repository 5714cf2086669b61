"""Availability: weekly local hours and dated overrides become UTC intervals, correctly across DST changes."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from scheduler.availability import (
    MAX_WEEKLY_SLOTS,
    Availability,
    DailySlot,
    DateOverride,
    OverrideKind,
    Weekday,
    WeeklySlot,
    available_throughout,
    expand,
    is_available,
    local_to_utc,
)
from scheduler.intervals import Interval, covers, merge

BELGRADE = "Europe/Belgrade"
SKOPJE = ZoneInfo("Europe/Skopje")
MON, TUE, FRI, SUN = Weekday.MONDAY, Weekday.TUESDAY, Weekday.FRIDAY, Weekday.SUNDAY


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def hm(text: str) -> time:
    return time.fromisoformat(text)


def weekly(day: Weekday, start: str, end: str) -> WeeklySlot:
    return WeeklySlot(day, hm(start), hm(end))


def hours(start: str, end: str) -> DailySlot:
    return DailySlot(hm(start), hm(end))


def spans(intervals: list[Interval]) -> list[tuple[str, str]]:
    """Intervals written as UTC wall times, so expectations read like a timetable."""
    return [(i.start_utc.strftime("%Y-%m-%d %H:%M"), i.end_utc.strftime("%Y-%m-%d %H:%M")) for i in intervals]


def expand_days(availability: Availability, first: str, last: str) -> list[tuple[str, str]]:
    """Everything from ``first`` 00:00 UTC up to ``last`` 00:00 UTC."""
    return spans(expand(availability, utc(first), utc(last)))


# The weekly pattern


OFFICE_HOURS = Availability(BELGRADE, (weekly(MON, "08:00", "12:00"), weekly(MON, "13:00", "17:00")))


def test_weekly_hours_are_the_interpreters_local_hours_given_in_utc() -> None:
    assert expand_days(OFFICE_HOURS, "2026-01-05", "2026-01-12") == [
        ("2026-01-05 07:00", "2026-01-05 11:00"),
        ("2026-01-05 12:00", "2026-01-05 16:00"),
    ]
    assert expand_days(OFFICE_HOURS, "2026-07-06", "2026-07-13") == [
        ("2026-07-06 06:00", "2026-07-06 10:00"),
        ("2026-07-06 11:00", "2026-07-06 15:00"),
    ]


def test_every_week_of_the_window_gets_its_hours() -> None:
    assert len(expand_days(OFFICE_HOURS, "2026-01-01", "2026-02-01")) == 4 * 2


def test_intervals_are_clipped_to_the_window() -> None:
    assert spans(expand(OFFICE_HOURS, utc("2026-01-05 09:30"), utc("2026-01-05 12:30"))) == [
        ("2026-01-05 09:30", "2026-01-05 11:00"),
        ("2026-01-05 12:00", "2026-01-05 12:30"),
    ]


def test_a_window_outside_the_hours_is_empty() -> None:
    assert expand_days(OFFICE_HOURS, "2026-01-06", "2026-01-11") == []


def test_the_window_may_be_given_in_any_zone_and_comes_back_in_utc() -> None:
    start = datetime(2026, 1, 5, 8, 0, tzinfo=ZoneInfo(BELGRADE))
    [first, _] = expand(OFFICE_HOURS, start, start + timedelta(hours=12))
    assert first.start_utc == utc("2026-01-05 07:00")
    assert first.start_utc.tzinfo is UTC


def test_back_to_back_slots_come_out_as_one_interval() -> None:
    availability = Availability(BELGRADE, (weekly(MON, "08:00", "12:00"), weekly(MON, "12:00", "16:00")))
    assert expand_days(availability, "2026-01-05", "2026-01-06") == [("2026-01-05 07:00", "2026-01-05 15:00")]


def test_a_slot_may_cross_midnight_and_belongs_to_the_day_it_starts() -> None:
    availability = Availability(BELGRADE, (weekly(FRI, "22:00", "02:00"),))
    assert expand_days(availability, "2026-01-09", "2026-01-11") == [("2026-01-09 21:00", "2026-01-10 01:00")]


def test_the_tail_of_a_night_slot_shows_in_a_window_that_starts_the_next_day() -> None:
    availability = Availability(BELGRADE, (weekly(FRI, "22:00", "02:00"),))
    assert expand_days(availability, "2026-01-10", "2026-01-11") == [("2026-01-10 00:00", "2026-01-10 01:00")]


def test_a_sunday_night_slot_runs_into_the_next_week() -> None:
    availability = Availability(BELGRADE, (weekly(SUN, "22:00", "02:00"),))
    monday_midnight_local = utc("2026-01-11 23:00")
    assert spans(expand(availability, monday_midnight_local, utc("2026-01-13"))) == [
        ("2026-01-11 23:00", "2026-01-12 01:00")
    ]
    assert is_available(availability, utc("2026-01-11 21:30"), utc("2026-01-12 00:30"))


def test_slots_meeting_at_the_week_boundary_merge() -> None:
    availability = Availability(BELGRADE, (weekly(SUN, "20:00", "00:00"), weekly(MON, "00:00", "04:00")))
    assert expand_days(availability, "2026-01-11", "2026-01-13") == [("2026-01-11 19:00", "2026-01-12 03:00")]


def test_is_available_needs_the_whole_interval_covered() -> None:
    assert is_available(OFFICE_HOURS, utc("2026-01-05 07:00"), utc("2026-01-05 11:00"))
    assert is_available(OFFICE_HOURS, utc("2026-01-05 10:00"), utc("2026-01-05 11:00"))
    assert not is_available(OFFICE_HOURS, utc("2026-01-05 10:30"), utc("2026-01-05 12:30"))  # lunch
    assert not is_available(OFFICE_HOURS, utc("2026-01-05 06:59"), utc("2026-01-05 08:00"))
    assert not is_available(OFFICE_HOURS, utc("2026-01-06 07:00"), utc("2026-01-06 08:00"))  # Tuesday


# Overrides, in the interpreter's local calendar


def with_override(base: Availability, override: DateOverride) -> Availability:
    return Availability(base.zone, base.weekly, (*base.overrides, override))


def test_an_unavailable_date_drops_that_days_hours_only() -> None:
    holiday = with_override(OFFICE_HOURS, DateOverride(date(2026, 1, 12), OverrideKind.UNAVAILABLE))
    assert expand_days(holiday, "2026-01-05", "2026-01-20") == [
        ("2026-01-05 07:00", "2026-01-05 11:00"),
        ("2026-01-05 12:00", "2026-01-05 16:00"),
        ("2026-01-19 07:00", "2026-01-19 11:00"),
        ("2026-01-19 12:00", "2026-01-19 16:00"),
    ]


def test_an_unavailable_date_drops_the_night_slot_starting_on_it_but_not_the_previous_nights_tail() -> None:
    nights = Availability(
        BELGRADE, (weekly(FRI, "22:00", "02:00"), weekly(Weekday.SATURDAY, "22:00", "02:00"))
    )
    saturday_off = with_override(nights, DateOverride(date(2026, 1, 10), OverrideKind.UNAVAILABLE))
    assert expand_days(saturday_off, "2026-01-09", "2026-01-12") == [("2026-01-09 21:00", "2026-01-10 01:00")]


def test_a_replacing_override_puts_its_hours_in_place_of_the_weekly_ones() -> None:
    short_day = with_override(
        OFFICE_HOURS, DateOverride(date(2026, 1, 12), OverrideKind.REPLACE, (hours("10:00", "11:30"),))
    )
    assert expand_days(short_day, "2026-01-12", "2026-01-13") == [("2026-01-12 09:00", "2026-01-12 10:30")]


def test_extra_hours_add_to_the_weekly_ones_and_merge_with_them() -> None:
    longer_day = with_override(
        OFFICE_HOURS,
        DateOverride(
            date(2026, 1, 12), OverrideKind.EXTRA, (hours("12:00", "13:00"), hours("19:00", "21:00"))
        ),
    )
    assert expand_days(longer_day, "2026-01-12", "2026-01-13") == [
        ("2026-01-12 07:00", "2026-01-12 16:00"),
        ("2026-01-12 18:00", "2026-01-12 20:00"),
    ]


def test_extra_hours_on_a_day_without_weekly_hours() -> None:
    saturday = with_override(
        OFFICE_HOURS, DateOverride(date(2026, 1, 10), OverrideKind.EXTRA, (hours("23:00", "01:00"),))
    )
    assert expand_days(saturday, "2026-01-10", "2026-01-12") == [("2026-01-10 22:00", "2026-01-11 00:00")]


def test_override_dates_are_the_interpreters_dates_not_utcs() -> None:
    # In Kabul (UTC+4:30) Tuesday 02:00-06:00 is Monday 21:30 to Tuesday 01:30 in UTC.
    kabul = Availability("Asia/Kabul", (weekly(TUE, "02:00", "06:00"),))
    assert expand_days(kabul, "2026-01-05", "2026-01-07") == [("2026-01-05 21:30", "2026-01-06 01:30")]
    off_on_tuesday = with_override(kabul, DateOverride(date(2026, 1, 6), OverrideKind.UNAVAILABLE))
    assert expand_days(off_on_tuesday, "2026-01-05", "2026-01-07") == []
    off_on_monday = with_override(kabul, DateOverride(date(2026, 1, 5), OverrideKind.UNAVAILABLE))
    assert expand_days(off_on_monday, "2026-01-05", "2026-01-07") == [
        ("2026-01-05 21:30", "2026-01-06 01:30")
    ]


# Daylight-saving changes: 29 March and 25 October 2026 in Europe/Belgrade


@pytest.mark.parametrize(
    ("sunday", "start", "end", "utc_span", "real_hours"),
    [
        ("2026-03-29", "01:00", "05:00", ("2026-03-29 00:00", "2026-03-29 03:00"), 3),
        ("2026-10-25", "01:00", "05:00", ("2026-10-24 23:00", "2026-10-25 04:00"), 5),
        # a start in the gap is the first instant after it, 03:00 CEST
        ("2026-03-29", "02:30", "05:00", ("2026-03-29 01:00", "2026-03-29 03:00"), 2),
        # so is an end in the gap
        ("2026-03-29", "00:00", "02:30", ("2026-03-28 23:00", "2026-03-29 01:00"), 2),
        # a time that occurs twice is its first occurrence, 02:30 CEST, as a start...
        ("2026-10-25", "02:30", "05:00", ("2026-10-25 00:30", "2026-10-25 04:00"), 3.5),
        # ... and as an end
        ("2026-10-25", "00:00", "02:30", ("2026-10-24 22:00", "2026-10-25 00:30"), 2.5),
    ],
)
def test_a_slot_on_a_change_night_lasts_the_real_time_the_clock_takes(
    sunday: str, start: str, end: str, utc_span: tuple[str, str], real_hours: float
) -> None:
    availability = Availability(BELGRADE, (weekly(SUN, start, end),))
    [interval] = expand(availability, utc(sunday) - timedelta(days=1), utc(sunday) + timedelta(days=1))
    assert spans([interval]) == [utc_span]
    assert interval.duration == timedelta(hours=real_hours)


def test_a_night_shift_over_the_change_is_an_hour_shorter_in_spring_and_longer_in_autumn() -> None:
    night = Availability(BELGRADE, (weekly(Weekday.SATURDAY, "22:00", "06:00"),))
    [spring] = expand(night, utc("2026-03-28"), utc("2026-03-30"))
    [autumn] = expand(night, utc("2026-10-24"), utc("2026-10-26"))
    assert spans([spring, autumn]) == [
        ("2026-03-28 21:00", "2026-03-29 04:00"),
        ("2026-10-24 20:00", "2026-10-25 05:00"),
    ]
    assert (spring.duration, autumn.duration) == (timedelta(hours=7), timedelta(hours=9))


def test_a_slot_wholly_inside_the_gap_never_happens() -> None:
    availability = Availability(BELGRADE, (weekly(SUN, "02:10", "02:50"),))
    assert expand_days(availability, "2026-03-28", "2026-03-30") == []
    assert expand_days(availability, "2026-04-04", "2026-04-06") == [("2026-04-05 00:10", "2026-04-05 00:50")]


@pytest.mark.parametrize(
    ("sunday", "utc_span"),
    [
        ("2026-03-29", ("2026-03-28 23:00", "2026-03-29 04:00")),
        ("2026-10-25", ("2026-10-24 22:00", "2026-10-25 05:00")),
    ],
)
def test_back_to_back_slots_stay_back_to_back_over_a_change(sunday: str, utc_span: tuple[str, str]) -> None:
    availability = Availability(BELGRADE, (weekly(SUN, "00:00", "02:30"), weekly(SUN, "02:30", "06:00")))
    assert spans(expand(availability, utc(sunday) - timedelta(days=1), utc(sunday) + timedelta(days=1))) == [
        utc_span
    ]


def test_the_same_local_hours_sit_an_hour_earlier_in_utc_after_the_spring_change() -> None:
    weekdays = Availability(BELGRADE, (weekly(FRI, "08:00", "16:00"), weekly(MON, "08:00", "16:00")))
    assert expand_days(weekdays, "2026-03-27", "2026-03-31") == [
        ("2026-03-27 07:00", "2026-03-27 15:00"),
        ("2026-03-30 06:00", "2026-03-30 14:00"),
    ]


@pytest.mark.parametrize(
    ("zone", "local", "expected"),
    [
        (BELGRADE, "2026-03-29 02:00", "2026-03-29 01:00"),
        (BELGRADE, "2026-03-29 02:30", "2026-03-29 01:00"),
        (BELGRADE, "2026-03-29 03:00", "2026-03-29 01:00"),
        (BELGRADE, "2026-03-29 01:59", "2026-03-29 00:59"),
        (BELGRADE, "2026-10-25 02:30", "2026-10-25 00:30"),
        (BELGRADE, "2026-10-25 03:00", "2026-10-25 02:00"),
        ("America/Toronto", "2026-03-08 02:30", "2026-03-08 07:00"),
        ("America/Toronto", "2026-11-01 01:30", "2026-11-01 05:30"),
        ("Australia/Lord_Howe", "2026-10-04 02:15", "2026-10-03 15:30"),  # a half-hour change
        ("Asia/Kabul", "2026-03-29 02:30", "2026-03-28 22:00"),
    ],
)
def test_local_to_utc_applies_the_gap_and_fold_rule(zone: str, local: str, expected: str) -> None:
    assert local_to_utc(datetime.fromisoformat(local), zone) == utc(expected)


# A caseworker in Skopje books a 09:00 interview with interpreters elsewhere


def skopje_interview(day: str, at: str = "09:00", minutes: int = 60) -> tuple[datetime, datetime]:
    """The caseworker's local start converted to UTC, as the booking layer will store it."""
    start = datetime.combine(date.fromisoformat(day), hm(at), tzinfo=SKOPJE).astimezone(UTC)
    return start, start + timedelta(minutes=minutes)


def weekdays(zone: str, start: str, end: str) -> Availability:
    return Availability(zone, tuple(weekly(day, start, end) for day in list(Weekday)[:5]))


@pytest.mark.parametrize(
    ("day", "utc_start"),
    [
        ("2026-03-27", "2026-03-27 08:00"),
        ("2026-03-30", "2026-03-30 07:00"),
        ("2026-10-23", "2026-10-23 07:00"),
        ("2026-10-26", "2026-10-26 08:00"),
    ],
)
def test_an_interpreter_in_belgrade_moves_with_the_caseworker_in_skopje(day: str, utc_start: str) -> None:
    start, end = skopje_interview(day)
    assert start == utc(utc_start)
    assert is_available(weekdays(BELGRADE, "08:00", "16:00"), start, end)


@pytest.mark.parametrize(
    ("day", "at", "utc_start", "available"),
    [
        # both on standard time: Skopje is 6 hours ahead, 09:00 there is 03:00 in Toronto
        ("2026-03-02", "09:00", "2026-03-02 08:00", True),
        ("2026-03-02", "10:00", "2026-03-02 09:00", True),
        # Toronto changed on 8 March, Skopje not yet: 5 hours apart, 10:00 there is 05:00 in Toronto
        ("2026-03-09", "09:00", "2026-03-09 08:00", True),
        ("2026-03-09", "10:00", "2026-03-09 09:00", False),
        # both on summer time from 29 March
        ("2026-03-30", "09:00", "2026-03-30 07:00", True),
        ("2026-03-30", "10:00", "2026-03-30 08:00", True),
        # Skopje back on 25 October, Toronto not until 1 November
        ("2026-10-26", "09:00", "2026-10-26 08:00", True),
        ("2026-10-26", "10:00", "2026-10-26 09:00", False),
        ("2026-11-02", "10:00", "2026-11-02 09:00", True),
    ],
)
def test_an_interpreter_in_toronto_seen_from_skopje_across_both_calendars_of_changes(
    day: str, at: str, utc_start: str, available: bool
) -> None:
    early_mornings = weekdays("America/Toronto", "03:00", "05:00")
    start, end = skopje_interview(day, at)
    assert start == utc(utc_start)
    assert is_available(early_mornings, start, end) is available


@pytest.mark.parametrize(
    ("day", "available"),
    [("2026-03-27", True), ("2026-03-30", False), ("2026-10-23", False), ("2026-10-26", True)],
)
def test_an_interpreter_in_kabul_without_dst_shifts_against_skopje(day: str, available: bool) -> None:
    # 09:00 in Skopje is 12:30 in Kabul in winter and 11:30 in summer.
    start, end = skopje_interview(day)
    assert is_available(weekdays("Asia/Kabul", "12:00", "16:00"), start, end) is available


def test_an_interpreter_in_istanbul_without_dst_is_an_hour_closer_to_skopje_in_summer() -> None:
    istanbul = weekdays("Europe/Istanbul", "10:00", "18:00")
    assert is_available(istanbul, *skopje_interview("2026-03-27", "08:30"))  # 10:30 in Istanbul
    assert not is_available(istanbul, *skopje_interview("2026-03-30", "08:30"))  # 09:30 in Istanbul


# Invalid input is refused


def test_back_to_back_weekly_slots_are_accepted() -> None:
    Availability(
        BELGRADE,
        (weekly(MON, "08:00", "12:00"), weekly(MON, "12:00", "00:00"), weekly(TUE, "00:00", "01:00")),
    )


REFUSED: dict[str, Callable[[], object]] = {
    "unknown zone": lambda: Availability("Mars/Olympus"),
    "empty zone": lambda: Availability(""),
    "zone in the wrong case": lambda: Availability("europe/belgrade"),
    "zone as a path": lambda: Availability("../../../etc/passwd"),
    "zone as an absolute path": lambda: Availability("/usr/share/zoneinfo/UTC"),
    "end equal to start": lambda: weekly(MON, "08:00", "08:00"),
    "time with seconds": lambda: WeeklySlot(MON, time(8, 0, 30), hm("09:00")),
    "time with a zone": lambda: WeeklySlot(MON, time(8, tzinfo=UTC), hm("09:00")),
    "time as text": lambda: WeeklySlot(MON, "08:00", hm("09:00")),  # type: ignore[arg-type]
    "weekday 7": lambda: WeeklySlot(7, hm("08:00"), hm("09:00")),  # type: ignore[arg-type]
    "weekday -1": lambda: WeeklySlot(-1, hm("08:00"), hm("09:00")),  # type: ignore[arg-type]
    "overlap on one day": lambda: Availability(
        BELGRADE, (weekly(MON, "08:00", "12:00"), weekly(MON, "11:00", "13:00"))
    ),
    "one slot inside another": lambda: Availability(
        BELGRADE,
        (weekly(MON, "08:00", "18:00"), weekly(MON, "09:00", "10:00"), weekly(MON, "12:00", "13:00")),
    ),
    "overlap past midnight": lambda: Availability(
        BELGRADE, (weekly(MON, "22:00", "02:00"), weekly(TUE, "01:00", "03:00"))
    ),
    "overlap past the end of the week": lambda: Availability(
        BELGRADE, (weekly(SUN, "22:00", "02:00"), weekly(MON, "01:00", "03:00"))
    ),
    "the same slot twice": lambda: Availability(BELGRADE, (weekly(MON, "08:00", "09:00"),) * 2),
    "too many weekly slots": lambda: Availability(
        BELGRADE,
        tuple(
            WeeklySlot(Weekday(i % 7), time(i // 7), time(i // 7, 30)) for i in range(MAX_WEEKLY_SLOTS + 1)
        ),
    ),
    "weekly hours of the wrong type": lambda: Availability(BELGRADE, ((MON, hm("08:00"), hm("09:00")),)),  # type: ignore[arg-type]
    "override hours of the wrong type": lambda: DateOverride(
        date(2026, 1, 1),
        OverrideKind.EXTRA,
        ((hm("08:00"), hm("09:00")),),  # type: ignore[arg-type]
    ),
    "unknown override kind": lambda: DateOverride(date(2026, 1, 1), "holiday"),  # type: ignore[arg-type]
    "unavailable with hours": lambda: DateOverride(
        date(2026, 1, 1), OverrideKind.UNAVAILABLE, (hours("08:00", "09:00"),)
    ),
    "replace without hours": lambda: DateOverride(date(2026, 1, 1), OverrideKind.REPLACE),
    "extra without hours": lambda: DateOverride(date(2026, 1, 1), OverrideKind.EXTRA),
    "overlapping override hours": lambda: DateOverride(
        date(2026, 1, 1), OverrideKind.EXTRA, (hours("08:00", "10:00"), hours("09:00", "11:00"))
    ),
    "too many override hours": lambda: DateOverride(
        date(2026, 1, 1), OverrideKind.EXTRA, tuple(hours(f"{h:02}:00", f"{h:02}:30") for h in range(11))
    ),
    "override for a datetime": lambda: DateOverride(datetime(2026, 1, 1, 8), OverrideKind.UNAVAILABLE),
    "override in the far future": lambda: DateOverride(date(2500, 1, 1), OverrideKind.UNAVAILABLE),
    "two overrides for one date": lambda: Availability(
        BELGRADE,
        (),
        (
            DateOverride(date(2026, 1, 1), OverrideKind.UNAVAILABLE),
            DateOverride(date(2026, 1, 1), OverrideKind.EXTRA, (hours("08:00", "09:00"),)),
        ),
    ),
    "naive window": lambda: expand(OFFICE_HOURS, datetime(2026, 1, 5), datetime(2026, 1, 6)),
    "window ending before it starts": lambda: expand(OFFICE_HOURS, utc("2026-01-06"), utc("2026-01-05")),
    "empty window": lambda: expand(OFFICE_HOURS, utc("2026-01-05"), utc("2026-01-05")),
    "window over 400 days": lambda: expand(OFFICE_HOURS, utc("2026-01-01"), utc("2027-02-06")),
    "window in the 23rd century": lambda: expand(OFFICE_HOURS, utc("2250-01-01"), utc("2250-01-02")),
    "naive interval asked": lambda: is_available(
        OFFICE_HOURS, datetime(2026, 1, 5, 8), utc("2026-01-05 09:00")
    ),
    "aware local time": lambda: local_to_utc(utc("2026-01-05 08:00"), BELGRADE),
    "local time in an unknown zone": lambda: local_to_utc(datetime(2026, 1, 5, 8), "Europe/Atlantis"),
}


@pytest.mark.parametrize("build", REFUSED.values(), ids=REFUSED.keys())
def test_invalid_input_is_refused(build: Callable[[], object]) -> None:
    with pytest.raises(InvalidInput):
        build()


def test_equal_availabilities_compare_equal_whatever_the_order_given() -> None:
    a = Availability(BELGRADE, (weekly(TUE, "08:00", "09:00"), weekly(MON, "08:00", "09:00")))
    b = Availability(BELGRADE, (weekly(MON, "08:00", "09:00"), weekly(TUE, "08:00", "09:00")))
    assert a == b
    assert hash(a) == hash(b)


# Properties, over zones with differing changes and windows close to them

ZONES = [
    BELGRADE,
    "Europe/Skopje",
    "America/Toronto",
    "Asia/Kabul",
    "Europe/Istanbul",
    "Australia/Lord_Howe",
    "UTC",
]
CHANGES = [
    utc("2026-03-08 07:00"),  # Toronto
    utc("2026-03-29 01:00"),  # Europe
    utc("2026-04-04 15:00"),  # Lord Howe
    utc("2026-10-03 15:30"),  # Lord Howe
    utc("2026-10-25 01:00"),  # Europe
    utc("2026-11-01 06:00"),  # Toronto
]
quarter_hours = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))
instants = st.builds(
    lambda change, minutes: change + timedelta(minutes=minutes),
    st.sampled_from(CHANGES),
    st.integers(-4 * 24 * 60, 4 * 24 * 60),
)
lengths = st.integers(1, 10 * 24 * 60).map(lambda minutes: timedelta(minutes=minutes))


@st.composite
def availabilities(draw: st.DrawFn, with_overrides: bool = True) -> Availability:
    zone = draw(st.sampled_from(ZONES))
    slots: list[WeeklySlot] = []
    for day, start, end in draw(st.lists(st.tuples(st.sampled_from(Weekday), quarter_hours, quarter_hours))):
        try:
            candidate = WeeklySlot(day, start, end)
            Availability(zone, (*slots, candidate))
        except InvalidInput:
            continue
        slots.append(candidate)
    overrides: dict[date, DateOverride] = {}
    if with_overrides:
        days = st.dates(date(2026, 2, 25), date(2026, 11, 10)) | st.sampled_from([c.date() for c in CHANGES])
        for day, kind, pairs in draw(
            st.lists(
                st.tuples(
                    days, st.sampled_from(OverrideKind), st.lists(st.tuples(quarter_hours, quarter_hours))
                )
            )
        ):
            try:
                daily = () if kind is OverrideKind.UNAVAILABLE else tuple(DailySlot(s, e) for s, e in pairs)
                overrides[day] = DateOverride(day, kind, daily)
            except InvalidInput:
                continue
    return Availability(zone, tuple(slots), tuple(overrides.values()))


PROPERTY = settings(max_examples=150, deadline=None, database=None)


@PROPERTY
@given(availabilities(), instants, lengths)
def test_expansion_lies_in_the_window_sorted_and_apart(
    availability: Availability, start: datetime, length: timedelta
) -> None:
    window = Interval(start, start + length)
    intervals = expand(availability, window.start_utc, window.end_utc)
    assert all(window.covers(interval) for interval in intervals)
    assert all(interval.start_utc.tzinfo is UTC for interval in intervals)
    assert all(earlier.end_utc < later.start_utc for earlier, later in itertools.pairwise(intervals))


@PROPERTY
@given(availabilities(), instants, lengths, st.integers(0, 600), st.integers(0, 600))
def test_is_available_agrees_with_expand(
    availability: Availability, start: datetime, length: timedelta, before: int, after: int
) -> None:
    wanted = Interval(start, start + min(length, timedelta(hours=12)))
    around = wanted.padded(timedelta(minutes=before), timedelta(minutes=after))
    expected = covers(expand(availability, around.start_utc, around.end_utc), wanted)
    assert is_available(availability, wanted.start_utc, wanted.end_utc) is expected


@PROPERTY
@given(availabilities(), instants, lengths, st.floats(0.01, 0.99))
def test_splitting_the_window_changes_nothing(
    availability: Availability, start: datetime, length: timedelta, cut: float
) -> None:
    middle = start + timedelta(minutes=max(1, round(length / timedelta(minutes=1) * cut)))
    if middle >= start + length:
        middle = start + length / 2
    whole = expand(availability, start, start + length)
    halves = expand(availability, start, middle) + expand(availability, middle, start + length)
    assert merge(halves) == whole


@PROPERTY
@given(availabilities(with_overrides=False))
def test_a_week_without_changes_holds_the_wall_clock_minutes_of_its_slots(availability: Availability) -> None:
    monday = datetime(2026, 1, 12, tzinfo=availability.tz)  # no zone in ZONES changes in January
    intervals = expand(availability, monday, monday + timedelta(days=7))
    worked = sum((interval.duration for interval in intervals), timedelta(0))
    assert worked == timedelta(minutes=sum(slot.daily.minutes for slot in availability.weekly))


@PROPERTY
@given(st.lists(availabilities(), min_size=1, max_size=5), instants, lengths)
def test_a_field_at_once_is_whoever_is_available_alone(
    field: list[Availability], start: datetime, length: timedelta
) -> None:
    """The matcher's check of many interpreters, sharing the work per zone, answers as one at a time."""
    end = start + min(length, timedelta(hours=12))
    hours = dict(enumerate(field))

    found = available_throughout(hours, start, end)

    assert found == {n for n, availability in hours.items() if is_available(availability, start, end)}


def test_nobody_to_check_is_nobody_available_even_for_a_window_refused() -> None:
    assert available_throughout({}, utc("2026-03-02 08:00"), utc("2028-03-02 08:00")) == set()
    with pytest.raises(InvalidInput):
        available_throughout({1: Availability(BELGRADE)}, utc("2026-03-02 08:00"), utc("2028-03-02 08:00"))
