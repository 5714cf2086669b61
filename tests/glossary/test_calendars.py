"""Calendar conversions, checked against dates people lived and against the rules each calendar follows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from glossary.calendars import (
    HijriDate,
    SolarHijriDate,
    hijri_from_gregorian,
    hijri_month_length,
    hijri_to_gregorian,
    nowruz,
    solar_hijri_from_gregorian,
    solar_hijri_month_length,
    solar_hijri_to_gregorian,
    solar_hijri_year_length,
)
from glossary.errors import DateOutsideCalendar, NoSuchDate

HIJRI_SPAN = st.dates(min_value=date(1924, 8, 1), max_value=date(2077, 11, 16))
SOLAR_HIJRI_SPAN = st.dates(min_value=date(1921, 3, 21), max_value=date(2122, 3, 20))

# Each date below was checked against two independent sources: the Umm al-Qura table of the hijridate
# package and the day Saudi Arabia observed (Hijri); the jalaali arithmetic of jdatetime and an
# astronomical equinox computation (Solar Hijri).
UMM_AL_QURA_DAYS = [
    (HijriDate(1447, 9, 1), date(2026, 2, 18)),  # 1 Ramadan 1447, the example
    (HijriDate(1446, 1, 1), date(2024, 7, 7)),  # Islamic new year 1446; the tabular calendar says 8 July
    (HijriDate(1446, 10, 1), date(2025, 3, 30)),  # Eid al-Fitr 1446
    (HijriDate(1445, 9, 1), date(2024, 3, 11)),  # 1 Ramadan 1445
    (HijriDate(1445, 12, 10), date(2024, 6, 16)),  # Eid al-Adha 1445
    (HijriDate(1447, 1, 1), date(2025, 6, 26)),  # Islamic new year 1447
    (HijriDate(1343, 1, 1), date(1924, 8, 1)),  # the first day of the table
    (HijriDate(1500, 12, 30), date(2077, 11, 16)),  # its last day
]
SOLAR_HIJRI_DAYS = [
    (SolarHijriDate(1405, 1, 1), date(2026, 3, 21)),  # Nowruz 1405, the example
    (SolarHijriDate(1404, 1, 1), date(2025, 3, 21)),
    (SolarHijriDate(1403, 1, 1), date(2024, 3, 20)),
    (SolarHijriDate(1399, 1, 1), date(2020, 3, 20)),
    (SolarHijriDate(1395, 1, 1), date(2016, 3, 20)),
    (SolarHijriDate(1400, 1, 1), date(2021, 3, 21)),
    (SolarHijriDate(1357, 11, 22), date(1979, 2, 11)),  # 22 Bahman 1357, the revolution's day
    (SolarHijriDate(1404, 12, 29), date(2026, 3, 20)),  # the last day of a common year
    (SolarHijriDate(1403, 12, 30), date(2025, 3, 20)),  # the last day of a leap year
]


@pytest.mark.parametrize(("hijri", "gregorian"), UMM_AL_QURA_DAYS)
def test_umm_al_qura_dates_match_the_days_observed(hijri: HijriDate, gregorian: date) -> None:
    assert hijri_to_gregorian(hijri) == gregorian
    assert hijri_from_gregorian(gregorian) == hijri


@pytest.mark.parametrize(("solar", "gregorian"), SOLAR_HIJRI_DAYS)
def test_solar_hijri_dates_match_the_official_calendar(solar: SolarHijriDate, gregorian: date) -> None:
    assert solar_hijri_to_gregorian(solar) == gregorian
    assert solar_hijri_from_gregorian(gregorian) == solar


@given(HIJRI_SPAN)
def test_every_day_round_trips_through_hijri(day: date) -> None:
    assert hijri_to_gregorian(hijri_from_gregorian(day)) == day


@given(SOLAR_HIJRI_SPAN)
def test_every_day_round_trips_through_solar_hijri(day: date) -> None:
    assert solar_hijri_to_gregorian(solar_hijri_from_gregorian(day)) == day


@given(st.dates(min_value=date(1924, 8, 1), max_value=date(2077, 11, 15)))
def test_the_next_gregorian_day_is_the_next_hijri_day(day: date) -> None:
    today, tomorrow = hijri_from_gregorian(day), hijri_from_gregorian(day + timedelta(days=1))
    if tomorrow.day == 1:
        assert today.day == hijri_month_length(today.year, today.month)
        assert (tomorrow.year * 12 + tomorrow.month) - (today.year * 12 + today.month) == 1
    else:
        assert (tomorrow.year, tomorrow.month, tomorrow.day) == (today.year, today.month, today.day + 1)


@given(st.dates(min_value=date(1921, 3, 21), max_value=date(2122, 3, 19)))
def test_the_next_gregorian_day_is_the_next_solar_hijri_day(day: date) -> None:
    today, tomorrow = solar_hijri_from_gregorian(day), solar_hijri_from_gregorian(day + timedelta(days=1))
    if tomorrow.day == 1:
        assert today.day == solar_hijri_month_length(today.year, today.month)
        assert (tomorrow.year * 12 + tomorrow.month) - (today.year * 12 + today.month) == 1
    else:
        assert (tomorrow.year, tomorrow.month, tomorrow.day) == (today.year, today.month, today.day + 1)


def test_umm_al_qura_months_have_29_or_30_days_apart_from_the_published_irregular_ones() -> None:
    lengths = [hijri_month_length(year, month) for year in range(1343, 1501) for month in range(1, 13)]
    assert {29, 30} <= set(lengths) <= {28, 29, 30, 31}
    assert sum(1 for length in lengths if length not in (29, 30)) == 8
    assert all(
        hijri_month_length(year, month) in (29, 30) for year in range(1365, 1501) for month in range(1, 13)
    )


def test_nowruz_falls_on_the_march_equinox_and_years_have_365_or_366_days() -> None:
    for year in range(1300, 1501):
        assert date(year + 621, 3, 19) <= nowruz(year) <= date(year + 621, 3, 22)
        assert solar_hijri_year_length(year) in (365, 366)
    leap_years = [year for year in range(1395, 1412) if solar_hijri_year_length(year) == 366]
    assert leap_years == [1395, 1399, 1403, 1408]  # 1407 is not: the 33-year cycle's five-year gap


def test_months_are_named_in_the_calendar_a_person_knows() -> None:
    assert HijriDate(1447, 9, 1).month_name() == "Ramadan"
    assert HijriDate(1447, 9, 1).month_name("ar") == "رمضان"
    farvardin = SolarHijriDate(1405, 1, 1)
    assert farvardin.month_name() == "Farvardin"
    assert farvardin.month_name("fa") == "فروردین"
    assert farvardin.month_name("en-AF") == "Hamal"
    assert farvardin.month_name("prs") == "حمل"
    assert farvardin.month_name("ps") == "وری"


@pytest.mark.parametrize(
    "build",
    [
        lambda: HijriDate(1446, 13, 1),
        lambda: HijriDate(1446, 1, 0),
        lambda: HijriDate(1446, 1, 30),  # Muharram 1446 had 29 days
        lambda: SolarHijriDate(1404, 7, 31),  # Mehr has 30 days
        lambda: SolarHijriDate(1404, 12, 30),  # 1404 is a common year
    ],
)
def test_days_that_do_not_exist_are_refused(build: Callable[[], object]) -> None:
    with pytest.raises(NoSuchDate):
        build()


def test_dates_outside_the_reliable_range_are_refused_rather_than_guessed() -> None:
    with pytest.raises(DateOutsideCalendar):
        hijri_from_gregorian(date(1924, 7, 31))
    with pytest.raises(DateOutsideCalendar):
        hijri_from_gregorian(date(2077, 11, 17))
    with pytest.raises(DateOutsideCalendar):
        HijriDate(1342, 1, 1)
    with pytest.raises(DateOutsideCalendar):
        solar_hijri_from_gregorian(date(1921, 3, 20))
    with pytest.raises(DateOutsideCalendar):
        SolarHijriDate(1501, 1, 1)
