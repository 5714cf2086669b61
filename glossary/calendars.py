"""Gregorian, Islamic (Hijri) and Solar Hijri dates, both ways, so a person can give a date in the calendar
they know.

Hijri follows the Umm al-Qura calendar of Saudi Arabia, the one most users and official documents follow.
The arithmetical (tabular) Islamic calendar is often a day off it: it puts 1 Muharram 1446 on 8 July 2024,
where Umm al-Qura and the people who lived it say 7 July. Umm al-Qura is not computable by a simple rule, so
its month lengths are a table: 1343-1500 AH (1 August 1924 - 16 November 2077), taken from the tables of
the King Abdulaziz City for Science and Technology as published in the MIT-licensed ``hijridate`` package
(``ummalqura.MONTH_STARTS``), and stored here as 12 bits a year. The historical tables have eight months
of 28 or 31 days in 1343-1364 AH; they are kept as published. Local sighting of the crescent (Afghanistan,
Pakistan, Iran) can start a month a day later than Umm al-Qura: the picker shows Umm al-Qura, the common
written reference.

Solar Hijri (Persian in Iran, with Afghan month names in Afghanistan) starts each year on the day of the
March equinox. Its leap years follow Borkowski's 33-year cycles with break years (the algorithm of the
widely used ``jalaali`` libraries); for 1300-1500 AP it gives the same 1 Farvardin as an astronomical
computation of the equinox, which is the official rule. Years outside 1300-1500 are refused.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from glossary.errors import DateOutsideCalendar, NoSuchDate

# Umm al-Qura: one hex string per 30 years, three hex digits (12 bits) a year, bit m-1 set when month m has
# 30 days rather than 29.
_UMM_AL_QURA_FIRST_YEAR = 1343
_UMM_AL_QURA_LAST_YEAR = 1500
_UMM_AL_QURA_EPOCH = date(1924, 8, 1)  # 1 Muharram 1343
_UMM_AL_QURA_BITS = (
    "eed554b5566c36c4d5dd5b4ab155559ad56ab554d4d5564b497d55555555d55755d55555555d556d5555ea5d2a"  # 1343-
    "aaacd5655572da9555aaa55552da6d55a55574dd53d54556d552d5d55d54d4565552da5d55aad56aad4b52aa57"  # 1373-
    "4ae97656cb55aaaa554ad95d2da5d9db2ba4b4aa552b5575b6abd2bc4b89a9552d5adb6a6d4dc9d92aa69562ae"  # 1403-
    "56d36ab55aaa94d49d95d2ba5b55aad55a9a92e26e55dada6d46a554ba9754eaae5acba9d92b2564bcab55ab55"  # 1433-
    "6d2ea5e4aa9552daad36c7596d269552da5b4ba9ba3b4b69b52aa64b696d2ec6d9eb2d54d2aa564ae96dd6ab54"  # 1463-
    "b29a9352ba57536ab56aae93"  # 1493-1500
)
# The published months that are neither 29 nor 30 days long: (year, month) -> days.
_UMM_AL_QURA_IRREGULAR = {
    (1343, 9): 28,
    (1345, 5): 31,
    (1345, 8): 28,
    (1348, 11): 31,
    (1348, 12): 28,
    (1349, 10): 28,
    (1349, 11): 31,
    (1364, 8): 28,
}

_SOLAR_HIJRI_FIRST_YEAR = 1300
_SOLAR_HIJRI_LAST_YEAR = 1500
# Borkowski's break years: each starts a new run of 33-year cycles.
_BREAKS = (
    -61,
    9,
    38,
    199,
    426,
    686,
    756,
    818,
    1111,
    1181,
    1210,
    1635,
    2060,
    2097,
    2192,
    2262,
    2324,
    2394,
    2456,
    3178,
)

HIJRI_MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "Muharram",
        "Safar",
        "Rabi al-Awwal",
        "Rabi al-Thani",
        "Jumada al-Ula",
        "Jumada al-Akhirah",
        "Rajab",
        "Shaban",
        "Ramadan",
        "Shawwal",
        "Dhu al-Qadah",
        "Dhu al-Hijjah",
    ),
    "ar": (
        "محرم",
        "صفر",
        "ربيع الأول",
        "ربيع الآخر",
        "جمادى الأولى",
        "جمادى الآخرة",
        "رجب",
        "شعبان",
        "رمضان",
        "شوال",
        "ذو القعدة",
        "ذو الحجة",
    ),
}

# Iran names the Solar Hijri months after Zoroastrian angels; Afghanistan after the signs of the zodiac, in
# Dari (Arabic names) and in Pashto (its own names). A person from Afghanistan knows Hamal, not Farvardin.
SOLAR_HIJRI_MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "Farvardin",
        "Ordibehesht",
        "Khordad",
        "Tir",
        "Mordad",
        "Shahrivar",
        "Mehr",
        "Aban",
        "Azar",
        "Dey",
        "Bahman",
        "Esfand",
    ),
    "fa": (
        "فروردین",
        "اردیبهشت",
        "خرداد",
        "تیر",
        "مرداد",
        "شهریور",
        "مهر",
        "آبان",
        "آذر",
        "دی",
        "بهمن",
        "اسفند",
    ),
    "en-AF": (
        "Hamal",
        "Sawr",
        "Jawza",
        "Saratan",
        "Asad",
        "Sunbula",
        "Mizan",
        "Aqrab",
        "Qaws",
        "Jadi",
        "Dalw",
        "Hut",
    ),
    "prs": ("حمل", "ثور", "جوزا", "سرطان", "اسد", "سنبله", "میزان", "عقرب", "قوس", "جدی", "دلو", "حوت"),
    "ps": ("وری", "غویی", "غبرگولی", "چنګاښ", "زمری", "وږی", "تله", "لړم", "لیندۍ", "مرغومی", "سلواغه", "کب"),
}


@dataclass(frozen=True, order=True)
class HijriDate:
    """A day of the Umm al-Qura calendar; constructing one that does not exist raises ``NoSuchDate``."""

    year: int
    month: int
    day: int

    def __post_init__(self) -> None:
        if not _UMM_AL_QURA_FIRST_YEAR <= self.year <= _UMM_AL_QURA_LAST_YEAR:
            raise DateOutsideCalendar(
                f"Hijri years {_UMM_AL_QURA_FIRST_YEAR}-{_UMM_AL_QURA_LAST_YEAR} only, not {self.year}"
            )
        if not 1 <= self.month <= 12:
            raise NoSuchDate(f"a Hijri month is 1-12, not {self.month}")
        if not 1 <= self.day <= hijri_month_length(self.year, self.month):
            raise NoSuchDate(f"{self.year}-{self.month} has no day {self.day}")

    def month_name(self, language: str = "en") -> str:
        return HIJRI_MONTHS[language][self.month - 1]


@dataclass(frozen=True, order=True)
class SolarHijriDate:
    """A day of the Solar Hijri calendar; constructing one that does not exist raises ``NoSuchDate``."""

    year: int
    month: int
    day: int

    def __post_init__(self) -> None:
        if not _SOLAR_HIJRI_FIRST_YEAR <= self.year <= _SOLAR_HIJRI_LAST_YEAR:
            raise DateOutsideCalendar(
                f"Solar Hijri years {_SOLAR_HIJRI_FIRST_YEAR}-{_SOLAR_HIJRI_LAST_YEAR} only, not {self.year}"
            )
        if not 1 <= self.month <= 12:
            raise NoSuchDate(f"a Solar Hijri month is 1-12, not {self.month}")
        if not 1 <= self.day <= solar_hijri_month_length(self.year, self.month):
            raise NoSuchDate(f"{self.year}-{self.month} has no day {self.day}")

    def month_name(self, language: str = "en") -> str:
        """``en``/``fa`` give the Iranian names, ``en-AF``/``prs``/``ps`` the Afghan ones."""
        return SOLAR_HIJRI_MONTHS[language][self.month - 1]


# Hijri (Umm al-Qura)


def hijri_month_length(year: int, month: int) -> int:
    irregular = _UMM_AL_QURA_IRREGULAR.get((year, month))
    if irregular is not None:
        return irregular
    offset = (year - _UMM_AL_QURA_FIRST_YEAR) * 3
    bits = int(_UMM_AL_QURA_BITS[offset : offset + 3], 16)
    return 30 if bits >> (month - 1) & 1 else 29


@cache
def _hijri_month_starts() -> tuple[int, ...]:
    """Proleptic Gregorian ordinal of the first day of every month in the table, and one past the last."""
    starts = [_UMM_AL_QURA_EPOCH.toordinal()]
    for year in range(_UMM_AL_QURA_FIRST_YEAR, _UMM_AL_QURA_LAST_YEAR + 1):
        for month in range(1, 13):
            starts.append(starts[-1] + hijri_month_length(year, month))
    return tuple(starts)


def hijri_to_gregorian(hijri: HijriDate) -> date:
    index = (hijri.year - _UMM_AL_QURA_FIRST_YEAR) * 12 + hijri.month - 1
    return date.fromordinal(_hijri_month_starts()[index] + hijri.day - 1)


def hijri_from_gregorian(day: date) -> HijriDate:
    starts = _hijri_month_starts()
    ordinal = day.toordinal()
    if not starts[0] <= ordinal < starts[-1]:
        first, last = date.fromordinal(starts[0]), date.fromordinal(starts[-1] - 1)
        raise DateOutsideCalendar(f"Hijri conversion covers {first} to {last}, not {day}")
    index = bisect_right(starts, ordinal) - 1
    year, month_index = divmod(index, 12)
    return HijriDate(_UMM_AL_QURA_FIRST_YEAR + year, month_index + 1, ordinal - starts[index] + 1)


# Solar Hijri


def nowruz(year: int) -> date:
    """The Gregorian date of 1 Farvardin (1 Hamal) of a Solar Hijri year, by Borkowski's arithmetic."""
    if not _BREAKS[0] <= year < _BREAKS[-1]:
        raise DateOutsideCalendar(f"no Solar Hijri rule for year {year}")
    leap_days = -14  # leap days of the Solar Hijri calendar since the first break, less an anchor
    cycle_start = _BREAKS[0]
    for next_break in _BREAKS[1:]:
        run = next_break - cycle_start
        if year < next_break:
            break
        leap_days += run // 33 * 8 + run % 33 // 4
        cycle_start = next_break
    into_run = year - cycle_start
    leap_days += into_run // 33 * 8 + (into_run % 33 + 3) // 4
    if run % 33 == 4 and run - into_run == 4:
        leap_days += 1
    gregorian_year = year + 621
    gregorian_leap_days = gregorian_year // 4 - (gregorian_year // 100 + 1) * 3 // 4 - 150
    return date(gregorian_year, 3, 20 + leap_days - gregorian_leap_days)


def solar_hijri_year_length(year: int) -> int:
    return (nowruz(year + 1) - nowruz(year)).days


def solar_hijri_month_length(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return solar_hijri_year_length(year) - 336


def solar_hijri_to_gregorian(solar: SolarHijriDate) -> date:
    month = solar.month - 1
    day_of_year = month * 31 if month <= 6 else 186 + (month - 6) * 30
    return nowruz(solar.year) + timedelta(days=day_of_year + solar.day - 1)


def solar_hijri_from_gregorian(day: date) -> SolarHijriDate:
    year = day.year - 621
    if day < nowruz(year):
        year -= 1
    if not _SOLAR_HIJRI_FIRST_YEAR <= year <= _SOLAR_HIJRI_LAST_YEAR:
        raise DateOutsideCalendar(
            f"Solar Hijri conversion covers {nowruz(_SOLAR_HIJRI_FIRST_YEAR)} to "
            f"{nowruz(_SOLAR_HIJRI_LAST_YEAR + 1) - timedelta(days=1)}, not {day}"
        )
    day_of_year = (day - nowruz(year)).days
    if day_of_year < 186:
        month, day_of_month = divmod(day_of_year, 31)
    else:
        month, day_of_month = divmod(day_of_year - 186, 30)
        month += 6
    return SolarHijriDate(year, month + 1, day_of_month + 1)
