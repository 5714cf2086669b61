"""How much one interpreter may work: a buffer between bookings, a daily cap and the longest stretch.

Interpreting is tiring work and quality drops in long sessions; the limits protect both the interpreter and
the applicant. Stated once:

* **Buffer.** No two held bookings of one interpreter come closer than ``buffer`` (zero: back to back).
* **Daily cap.** On any local day of the interpreter (their availability zone, UTC when they have none), the
  booked minutes falling on that day, the new booking included, stay at or under ``daily_cap``.
* **Longest continuous stretch.** Bookings separated by less than ``rest`` form one stretch; the stretch the
  new booking joins lasts at most ``max_continuous`` from its first start to its last end.

These are hard rules for automatic offers and for coordinators assigning by hand alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import StrEnum

from core.errors import InvalidInput
from scheduler.intervals import Interval


class WorkloadRule(StrEnum):
    BUFFER = "buffer"  # overlaps a held booking, or comes closer to one than the buffer
    DAILY_CAP = "daily_cap"
    CONTINUOUS = "continuous"


@dataclass(frozen=True)
class WorkloadLimits:
    buffer: timedelta = timedelta(0)
    daily_cap: timedelta = timedelta(hours=6)
    max_continuous: timedelta = timedelta(hours=3)
    rest: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        if min(self.buffer, self.rest) < timedelta(0):
            raise InvalidInput("buffer and rest cannot be negative")
        if self.daily_cap <= timedelta(0) or self.max_continuous <= timedelta(0):
            raise InvalidInput("the daily cap and the longest stretch must be positive")

    @property
    def horizon(self) -> timedelta:
        """How far around a new booking the held ones can matter: a local day plus a stretch, either side."""
        return timedelta(days=1, hours=14) + self.max_continuous + self.rest + self.buffer


def _day_bounds(instant: datetime, zone: tzinfo) -> Interval:
    local_day = instant.astimezone(zone).date()
    start = datetime.combine(local_day, time(0), tzinfo=zone)
    end = datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=zone)
    return Interval(start, end)


def _minutes_within(intervals: Iterable[Interval], day: Interval) -> timedelta:
    total = timedelta(0)
    for interval in intervals:
        part = interval.intersection(day)
        if part is not None:
            total += part.duration
    return total


def breaches(
    limits: WorkloadLimits, held: Iterable[Interval], wanted: Interval, zone: tzinfo = UTC
) -> list[WorkloadRule]:
    """Every rule that holding ``wanted`` beside ``held`` would break, in :class:`WorkloadRule` order.

    ``held`` are the interpreter's bookings that keep their time (offered, confirmed or done); they need
    only include those within :attr:`WorkloadLimits.horizon` of ``wanted``.
    """
    booked = sorted(held, key=lambda i: i.start_utc)
    broken: list[WorkloadRule] = []
    padded = wanted.padded(limits.buffer, limits.buffer)
    if any(interval.overlaps(padded) for interval in booked):
        broken.append(WorkloadRule.BUFFER)
    together = [*booked, wanted]
    day = _day_bounds(wanted.start_utc, zone)
    days = [day]
    while days[-1].end_utc < wanted.end_utc:
        days.append(_day_bounds(days[-1].end_utc, zone))
    if any(_minutes_within(together, d) > limits.daily_cap for d in days):
        broken.append(WorkloadRule.DAILY_CAP)
    if _stretch_around(together, wanted, limits.rest).duration > limits.max_continuous:
        broken.append(WorkloadRule.CONTINUOUS)
    return broken


def _stretch_around(intervals: list[Interval], wanted: Interval, rest: timedelta) -> Interval:
    """The run of intervals containing ``wanted`` in which no gap reaches ``rest``."""
    ordered = sorted(intervals, key=lambda i: i.start_utc)
    stretches: list[Interval] = []
    for interval in ordered:
        if stretches and interval.start_utc - stretches[-1].end_utc < rest:
            last = stretches[-1]
            stretches[-1] = Interval(last.start_utc, max(last.end_utc, interval.end_utc))
        else:
            stretches.append(interval)
    return next(s for s in stretches if s.covers(wanted))
