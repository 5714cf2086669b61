"""Half-open spans of UTC time, and the few set operations the booking engine needs on them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.errors import InvalidInput


def as_utc(instant: datetime, name: str = "instant") -> datetime:
    """``instant`` in UTC; a naive datetime is refused, since its meaning depends on a zone nobody stated."""
    if not isinstance(instant, datetime):
        raise InvalidInput(f"{name} must be a datetime")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise InvalidInput(f"{name} must carry a time zone")
    return instant.astimezone(UTC)


@dataclass(frozen=True)
class Interval:
    """The instants ``start_utc <= t < end_utc``; never empty. Aware inputs are normalised to UTC."""

    start_utc: datetime
    end_utc: datetime

    def __post_init__(self) -> None:
        start = as_utc(self.start_utc, "start")
        end = as_utc(self.end_utc, "end")
        if end <= start:
            raise InvalidInput("an interval must end after it starts")
        object.__setattr__(self, "start_utc", start)
        object.__setattr__(self, "end_utc", end)

    @property
    def duration(self) -> timedelta:
        return self.end_utc - self.start_utc

    def contains(self, instant: datetime) -> bool:
        return self.start_utc <= as_utc(instant) < self.end_utc

    def covers(self, other: Interval) -> bool:
        return self.start_utc <= other.start_utc and other.end_utc <= self.end_utc

    def overlaps(self, other: Interval) -> bool:
        """True when the two share at least one instant; back-to-back intervals do not overlap."""
        return self.start_utc < other.end_utc and other.start_utc < self.end_utc

    def intersection(self, other: Interval) -> Interval | None:
        start = max(self.start_utc, other.start_utc)
        end = min(self.end_utc, other.end_utc)
        return Interval(start, end) if start < end else None

    def padded(self, before: timedelta = timedelta(0), after: timedelta = timedelta(0)) -> Interval:
        """This interval widened on each side, as when a buffer must separate two bookings."""
        if before < timedelta(0) or after < timedelta(0):
            raise InvalidInput("padding cannot be negative")
        return Interval(self.start_utc - before, self.end_utc + after)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union as sorted, disjoint intervals; overlapping or back-to-back ones become one."""
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: (i.start_utc, i.end_utc)):
        if merged and interval.start_utc <= merged[-1].end_utc:
            if interval.end_utc > merged[-1].end_utc:
                merged[-1] = Interval(merged[-1].start_utc, interval.end_utc)
        else:
            merged.append(interval)
    return merged


def subtract(base: Iterable[Interval], removed: Iterable[Interval]) -> list[Interval]:
    """What remains of ``base`` once every instant of ``removed`` is taken out, sorted and disjoint."""
    remaining: list[Interval] = []
    cuts = merge(removed)
    for piece in merge(base):
        start = piece.start_utc
        for cut in cuts:
            if cut.start_utc >= piece.end_utc:
                break  # cuts are sorted: none of the rest reaches this piece
            if cut.end_utc <= start:
                continue
            if cut.start_utc > start:
                remaining.append(Interval(start, cut.start_utc))
            start = max(start, cut.end_utc)
        if start < piece.end_utc:
            remaining.append(Interval(start, piece.end_utc))
    return remaining


def covers(intervals: Iterable[Interval], wanted: Interval) -> bool:
    """True when every instant of ``wanted`` lies in one of ``intervals``."""
    return any(piece.covers(wanted) for piece in merge(intervals))
