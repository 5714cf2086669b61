"""An interpreter's working hours: a weekly pattern and dated exceptions in their own zone, expanded to UTC.

The pattern is kept as wall-clock hours in the interpreter's IANA zone, because that is how people state it
("Mondays 08:00-12:00") and it must keep meaning the same local hours across daylight-saving changes. Every
question about real time is answered in UTC by :func:`expand` and :func:`is_available`.

Rules, stated once:

* **A slot belongs to the local date it starts on.** ``WeeklySlot(FRIDAY, 22:00, 02:00)`` runs from
  Friday 22:00 to Saturday 02:00 local; an end at or before the start means the next day (``end == start``
  is refused; a whole day is two slots, e.g. 00:00-12:00 and 12:00-00:00, which merge).
* **Overrides act on that same local date.** ``UNAVAILABLE`` drops the slots starting on it (a night slot
  that runs past midnight too, but not the tail of the previous evening's slot); ``REPLACE`` puts its own
  slots in place of the weekly ones; ``EXTRA`` adds its slots to the weekly ones. One override per date.
* **A wall-clock time becomes the first instant at which the interpreter's clock shows that time or a later
  one.** Hence, at daylight-saving changes:

  - a time that does not exist (the spring-forward gap, e.g. 02:30 on 29 March 2026 in Europe/Belgrade)
    becomes the first instant after the gap (03:00 CEST, 01:00 UTC), whether it starts or ends a slot; a
    slot lying wholly inside the gap is empty and disappears;
  - a time that occurs twice (fall-back, e.g. 02:30 on 25 October 2026) is its first occurrence
    (``fold=0``, 02:30 CEST, 00:30 UTC), whether it starts or ends a slot;
  - so a slot lasts the real time the interpreter's clock takes to go from its start to its end:
    01:00-05:00 is 3 real hours on the spring-forward night and 5 on the fall-back night, as a rostering
    system pays them.

  The mapping never goes backwards in time, so back-to-back slots stay back to back. :func:`local_to_utc`
  applies the same rule, for callers converting someone else's local time.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum, StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo, available_timezones

from core.errors import InvalidInput
from scheduler.intervals import Interval, as_utc, merge

MAX_WEEKLY_SLOTS = 50
MAX_OVERRIDES = 1000  # about three years of dated exceptions, one a day
MAX_SLOTS_PER_OVERRIDE = 10
MAX_WINDOW = timedelta(days=400)  # enough for a year's report; bounds the work one request can ask for
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

_Key = TypeVar("_Key")

_MINUTES_PER_DAY = 24 * 60
_MINUTES_PER_WEEK = 7 * _MINUTES_PER_DAY


class Weekday(IntEnum):
    """Numbered as :meth:`datetime.date.weekday` numbers them."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class OverrideKind(StrEnum):
    UNAVAILABLE = "unavailable"  # no hours that day (a holiday, sick leave)
    REPLACE = "replace"  # these hours instead of the weekly ones
    EXTRA = "extra"  # these hours on top of the weekly ones


@functools.cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_info(key: str) -> ZoneInfo:
    """The IANA zone named ``key`` (e.g. ``Europe/Belgrade``); anything else is refused."""
    if not isinstance(key, str) or key not in _known_zones():
        raise InvalidInput(f"unknown time zone: {key!r}")
    return ZoneInfo(key)


def local_to_utc(local: datetime, zone: str) -> datetime:
    """The UTC instant of a wall-clock time in ``zone``, by the gap and fold rule of this module."""
    if not isinstance(local, datetime) or local.tzinfo is not None:
        raise InvalidInput("a local time is a naive datetime")
    return _resolve(local, zone_info(zone))


def _resolve(local: datetime, tz: ZoneInfo) -> datetime:
    local = local.replace(fold=0)
    first = local.replace(tzinfo=tz).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == local:
        return first  # exists; when ambiguous, fold=0 is the first occurrence
    # In a gap: fold=0 reads it with the offset before the change, fold=1 with the one after, so the change
    # itself lies between the two readings. Find it: the first whole second whose wall time is past ``local``.
    low = int(local.replace(tzinfo=tz, fold=1).timestamp())
    high = int(first.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, tz).replace(tzinfo=None) > local:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _check_time(value: time, name: str) -> None:
    if not isinstance(value, time):
        raise InvalidInput(f"{name} must be a time of day")
    if value.tzinfo is not None:
        raise InvalidInput(f"{name} is a wall-clock time in the interpreter's zone; give it without a zone")
    if value.second or value.microsecond:
        raise InvalidInput(f"{name} must be a whole minute")


def _minute_of_day(value: time) -> int:
    return value.hour * 60 + value.minute


@dataclass(frozen=True)
class DailySlot:
    """Wall-clock hours starting on some local day; an end at or before the start falls on the next day."""

    start: time
    end: time

    def __post_init__(self) -> None:
        _check_time(self.start, "start")
        _check_time(self.end, "end")
        if self.start == self.end:
            raise InvalidInput("a slot must end at another time than it starts")

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def minutes(self) -> int:
        """Length on the wall clock; the real length differs on a daylight-saving night."""
        return (_minute_of_day(self.end) - _minute_of_day(self.start)) % _MINUTES_PER_DAY

    def on(self, day: date) -> tuple[datetime, datetime]:
        """The naive local start and end of this slot when it starts on ``day``."""
        end_day = day + timedelta(days=1) if self.crosses_midnight else day
        return datetime.combine(day, self.start), datetime.combine(end_day, self.end)


@dataclass(frozen=True)
class WeeklySlot:
    """Hours that recur every week on ``weekday``, in the interpreter's zone."""

    weekday: Weekday
    start: time
    end: time

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "weekday", Weekday(self.weekday))
        except ValueError:
            raise InvalidInput("weekday must be 0 (Monday) to 6 (Sunday)") from None
        DailySlot(self.start, self.end)  # the same checks on the hours

    # Kept once worked out (cached_property writes past the frozen __setattr__): parsing stored hours
    # shares one slot among every interpreter stating it, and sorts and checks by these.
    @functools.cached_property
    def daily(self) -> DailySlot:
        return DailySlot(self.start, self.end)

    @functools.cached_property
    def _span(self) -> tuple[int, int]:
        start = self.weekday * _MINUTES_PER_DAY + _minute_of_day(self.start)
        return start, start + self.daily.minutes

    def minutes_of_week(self) -> tuple[int, int]:
        """Start and end counted in minutes from Monday 00:00; the end may pass the week's end."""
        return self._span


@dataclass(frozen=True)
class DateOverride:
    """An exception to the weekly pattern on one local date."""

    date: date
    kind: OverrideKind
    slots: tuple[DailySlot, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.date, date) or isinstance(self.date, datetime):
            raise InvalidInput("an override is for a calendar date")
        if not EARLIEST.date() <= self.date < LATEST.date():
            raise InvalidInput(f"override dates must lie between {EARLIEST.year} and {LATEST.year - 1}")
        try:
            object.__setattr__(self, "kind", OverrideKind(self.kind))
        except ValueError:
            raise InvalidInput(f"override kind must be one of {', '.join(OverrideKind)}") from None
        if not all(isinstance(slot, DailySlot) for slot in self.slots):
            raise InvalidInput("override hours are DailySlot values")
        slots = tuple(sorted(self.slots, key=lambda s: s.start))
        object.__setattr__(self, "slots", slots)
        if self.kind is OverrideKind.UNAVAILABLE and slots:
            raise InvalidInput("an unavailable day has no hours")
        if self.kind is not OverrideKind.UNAVAILABLE and not slots:
            raise InvalidInput(f"a {self.kind} override needs at least one slot")
        if len(slots) > MAX_SLOTS_PER_OVERRIDE:
            raise InvalidInput(f"at most {MAX_SLOTS_PER_OVERRIDE} slots per date")
        for earlier, later in itertools.pairwise(slots):
            if _minute_of_day(earlier.start) + earlier.minutes > _minute_of_day(later.start):
                raise InvalidInput(f"slots on {self.date} overlap")


@dataclass(frozen=True)
class Availability:
    """One interpreter's hours: the weekly pattern and dated overrides, in the IANA zone ``zone``."""

    zone: str
    weekly: tuple[WeeklySlot, ...] = ()
    overrides: tuple[DateOverride, ...] = ()

    def __post_init__(self) -> None:
        zone_info(self.zone)
        if not all(isinstance(slot, WeeklySlot) for slot in self.weekly):
            raise InvalidInput("weekly hours are WeeklySlot values")
        if not all(isinstance(override, DateOverride) for override in self.overrides):
            raise InvalidInput("overrides are DateOverride values")
        weekly = tuple(sorted(self.weekly, key=WeeklySlot.minutes_of_week))
        overrides = tuple(sorted(self.overrides, key=lambda o: o.date))
        if len(weekly) > MAX_WEEKLY_SLOTS:
            raise InvalidInput(f"at most {MAX_WEEKLY_SLOTS} weekly slots")
        if len(overrides) > MAX_OVERRIDES:
            raise InvalidInput(f"at most {MAX_OVERRIDES} date overrides")
        _refuse_weekly_overlaps(weekly)
        for earlier, later in itertools.pairwise(overrides):
            if earlier.date == later.date:
                raise InvalidInput(f"more than one override for {later.date}")
        object.__setattr__(self, "weekly", weekly)
        object.__setattr__(self, "overrides", overrides)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    # Indexes for expansion, built on first use (cached_property writes past the frozen __setattr__).
    @functools.cached_property
    def _by_weekday(self) -> dict[int, tuple[DailySlot, ...]]:
        return {day: tuple(s.daily for s in self.weekly if s.weekday == day) for day in Weekday}

    @functools.cached_property
    def _by_date(self) -> dict[date, DateOverride]:
        return {override.date: override for override in self.overrides}

    def override_on(self, day: date) -> DateOverride | None:
        return self._by_date.get(day)

    def slots_on(self, day: date) -> tuple[DailySlot, ...]:
        """The wall-clock slots that start on local date ``day``, once its override is applied."""
        weekly = self._by_weekday[day.weekday()]
        override = self._by_date.get(day)
        if override is None:
            return weekly
        if override.kind is OverrideKind.UNAVAILABLE:
            return ()
        if override.kind is OverrideKind.REPLACE:
            return override.slots
        return weekly + override.slots


def _refuse_weekly_overlaps(weekly: tuple[WeeklySlot, ...]) -> None:
    """No minute of the week may be claimed twice, counting slots that run past midnight or past Sunday."""
    spans = [slot.minutes_of_week() for slot in weekly]
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        if end > next_start:
            raise InvalidInput("weekly slots overlap")
    if spans and spans[-1][1] > spans[0][0] + _MINUTES_PER_WEEK:
        raise InvalidInput("weekly slots overlap across the end of the week")


def _window(start_utc: datetime, end_utc: datetime) -> Interval:
    window = Interval(as_utc(start_utc, "window start"), as_utc(end_utc, "window end"))
    if window.start_utc < EARLIEST or window.end_utc > LATEST:
        raise InvalidInput(f"times must lie between {EARLIEST.year} and {LATEST.year - 1}")
    if window.duration > MAX_WINDOW:
        raise InvalidInput(f"a window may span at most {MAX_WINDOW.days} days")
    return window


@functools.lru_cache(maxsize=1 << 16)
def _slot_instants(zone: str, day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """The UTC start and end of the slot ``start``-``end`` starting on local date ``day`` in ``zone``.

    A pure function of its arguments, and people share zones and round hours, so the few thousand keys a
    node meets are kept instead of resolved again for every candidate of every query.
    """
    slot = DailySlot(start, end)
    local_start, local_end = slot.on(day)
    tz = ZoneInfo(zone)
    return _resolve(local_start, tz), _resolve(local_end, tz)


def expand(
    availability: Availability, window_start_utc: datetime, window_end_utc: datetime
) -> list[Interval]:
    """The interpreter's available time within the window, as sorted, disjoint UTC intervals.

    Intervals are clipped to the window, and back-to-back slots (say 08:00-12:00 and 12:00-16:00, or Sunday
    20:00-00:00 and Monday 00:00-04:00) come out as one interval.
    """
    window = _window(window_start_utc, window_end_utc)
    tz = availability.tz
    # A slot lasts under a day, so only one started the local day before the window can reach into it.
    day = window.start_utc.astimezone(tz).date() - timedelta(days=1)
    last_day = window.end_utc.astimezone(tz).date()
    pieces: list[Interval] = []
    while day <= last_day:
        for slot in availability.slots_on(day):
            start, end = _slot_instants(availability.zone, day, slot.start, slot.end)
            if start < end:  # a slot wholly inside a spring-forward gap is empty
                piece = window.intersection(Interval(start, end))
                if piece is not None:
                    pieces.append(piece)
        day += timedelta(days=1)
    return merge(pieces)


def is_available(availability: Availability, start_utc: datetime, end_utc: datetime) -> bool:
    """True when the interpreter's hours cover every instant from ``start_utc`` to ``end_utc``.

    The matcher asks this of hundreds of interpreters per query, so the usual answers come without
    expanding: no slot holds the start (False), or the slot holding it reaches the end (True). Only a
    request running on into an adjoining slot is settled by :func:`expand`.
    """
    wanted = _window(start_utc, end_utc)
    return _covers(availability, wanted, _start_days(wanted, availability.zone))


def available_throughout(
    hours: Mapping[_Key, Availability], start_utc: datetime, end_utc: datetime
) -> set[_Key]:
    """Those of ``hours`` who are :func:`is_available` for the whole span, for a matcher's field at once:
    the span is checked once and its local dates worked out once per zone, not per interpreter."""
    if not hours:
        return set()
    wanted = _window(start_utc, end_utc)
    days: dict[str, tuple[date, date]] = {}
    found: set[_Key] = set()
    for key, availability in hours.items():
        zone = availability.zone
        if (local := days.get(zone)) is None:
            local = days[zone] = _start_days(wanted, zone)
        if _covers(availability, wanted, local):
            found.add(key)
    return found


def _start_days(wanted: Interval, zone: str) -> tuple[date, date]:
    """The local date the span starts on in ``zone``, and the day before (whose night slots may reach it)."""
    start_day = wanted.start_utc.astimezone(ZoneInfo(zone)).date()
    return start_day - timedelta(days=1), start_day


def _covers(availability: Availability, wanted: Interval, days: tuple[date, date]) -> bool:
    zone = availability.zone
    for day in days:
        for slot in availability.slots_on(day):
            slot_start, slot_end = _slot_instants(zone, day, slot.start, slot.end)
            if slot_start > wanted.start_utc:
                continue
            if wanted.start_utc < slot_end:
                return slot_end >= wanted.end_utc or (
                    expand(availability, wanted.start_utc, wanted.end_utc) == [wanted]
                )
    return False
