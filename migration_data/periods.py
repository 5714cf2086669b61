"""Reference periods (YYYY-MM, YYYY-Qn, YYYY) and transmission deadlines counted from a period's end."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from migration_data.errors import InvalidPeriod


class Frequency(StrEnum):
    """SDMX code list CL_FREQ: the three frequencies the template uses."""

    MONTHLY = "M"
    QUARTERLY = "Q"
    ANNUAL = "A"


_PATTERNS = {
    Frequency.MONTHLY: re.compile(r"(\d{4})-(0[1-9]|1[0-2])"),
    Frequency.QUARTERLY: re.compile(r"(\d{4})-Q([1-4])"),
    Frequency.ANNUAL: re.compile(r"(\d{4})"),
}
_SHAPES = {Frequency.MONTHLY: "YYYY-MM", Frequency.QUARTERLY: "YYYY-Qn", Frequency.ANNUAL: "YYYY"}
_MONTHS_IN = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.ANNUAL: 12}


@dataclass(frozen=True, order=True)
class Period:
    """A reference period: ``number`` is the month (1-12), the quarter (1-4) or 1 for a year."""

    frequency: Frequency
    year: int
    number: int = 1

    @classmethod
    def parse(cls, text: str, frequency: Frequency) -> Period:
        match = _PATTERNS[frequency].fullmatch(text)
        if match is None or not 1900 <= int(match.group(1)) <= 2999:
            raise InvalidPeriod(f"{text!r} is not a {_SHAPES[frequency]} period")
        number = int(match.group(2)) if frequency is not Frequency.ANNUAL else 1
        return cls(frequency, int(match.group(1)), number)

    def __str__(self) -> str:
        if self.frequency is Frequency.MONTHLY:
            return f"{self.year:04d}-{self.number:02d}"
        if self.frequency is Frequency.QUARTERLY:
            return f"{self.year:04d}-Q{self.number}"
        return f"{self.year:04d}"

    @property
    def first_month(self) -> int:
        return (self.number - 1) * _MONTHS_IN[self.frequency] + 1

    @property
    def last_month(self) -> int:
        return self.first_month + _MONTHS_IN[self.frequency] - 1

    def quarter(self) -> Period:
        """The quarter a month falls in."""
        if self.frequency is not Frequency.MONTHLY:
            raise InvalidPeriod(f"{self} is not a month")
        return Period(Frequency.QUARTERLY, self.year, (self.number - 1) // 3 + 1)

    def months(self) -> tuple[Period, ...]:
        return tuple(
            Period(Frequency.MONTHLY, self.year, m) for m in range(self.first_month, self.last_month + 1)
        )

    def end(self) -> datetime:
        """The first instant after the period (UTC)."""
        return _month_start(self.year, self.last_month + 1)


def _month_start(year: int, month: int) -> datetime:
    """1 January etc. of ``month`` counted on from January of ``year`` (month 13 is next January)."""
    years, month_index = divmod(month - 1, 12)
    return datetime(year + years, month_index + 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DeadlineRule:
    """Data are due within ``months`` after the end of the reference period (configurable per dataflow)."""

    months: int

    def due(self, period: Period) -> datetime:
        """The first instant at which a submission for ``period`` is late."""
        end = period.end()
        return _month_start(end.year, end.month + self.months)

    def is_late(self, period: Period, submitted_at: datetime) -> bool:
        return submitted_at >= self.due(period)
