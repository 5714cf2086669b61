"""An interpreter's bookings as an iCalendar (RFC 5545) feed their calendar application can subscribe to.

:func:`render_feed` is a pure function from booking facts to the feed's text; fetching the bookings and
serving the text belong to the caller. The feed carries only what an interpreter needs to plan their day:
when, which language, for which organisation and by which modality. :class:`FeedBooking` has no field for a
caseworker's or an applicant's name, so none can leak into a calendar that may sync to a third-party cloud.

Times are written in UTC with the ``Z`` suffix: such a time means one instant whatever the reader's zone and
whichever side of a daylight-saving change it falls, and needs no time-zone definition the reader might get
wrong. When a ``zone`` is given, times are written as wall-clock times in that zone (``DTSTART;TZID=...``)
with a ``VTIMEZONE`` listing that zone's actual transitions over the bookings' years, taken from the system's
IANA database; the one wall-clock time a ``TZID`` cannot state (the second occurrence of an hour repeated
when clocks go back, which RFC 5545 reads as the first) is written in UTC instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.errors import InvalidInput
from core.languages import LanguageTag
from scheduler.availability import EARLIEST, LATEST, zone_info
from scheduler.intervals import as_utc

PRODID = "-//RRIS//Interpreter bookings feed//EN"
UID_DOMAIN = "rris"
MAX_TEXT_LENGTH = 200
MAX_BOOKING_ID_LENGTH = 64
MAX_LINE_OCTETS = 75  # RFC 5545 §3.1, not counting the CRLF
CRLF = "\r\n"

# Control characters are not allowed in iCalendar values (RFC 5545 §3.3.11); a newline is, escaped as "\n".
_CONTROL = frozenset(chr(c) for c in (*range(0x20), 0x7F)) - {"\n", "\t"}


class Modality(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"  # audio only


class FeedStatus(StrEnum):
    """What the feed says of a booking; a cancelled one stays in the feed so subscribed calendars drop it."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


def _checked_text(value: object, name: str, max_length: int = MAX_TEXT_LENGTH) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{name} must be a non-empty text")
    if len(value) > max_length:
        raise InvalidInput(f"{name} must be at most {max_length} characters")
    if any(char in _CONTROL for char in value):
        raise InvalidInput(f"{name} must not contain control characters")
    return value


@dataclass(frozen=True)
class FeedBooking:
    """What the feed shows of one booking. Instants must be aware and are kept in UTC.

    ``sequence`` counts the booking's significant revisions (new time, cancellation), so a calendar that
    already holds the event knows this version supersedes it; ``last_modified_utc`` is when it last changed.
    """

    booking_id: str
    start_utc: datetime
    end_utc: datetime
    language: LanguageTag
    language_name: str  # as the interpreter reads it, e.g. "Pashto"
    dialect: str | None
    organisation_name: str
    modality: Modality
    status: FeedStatus
    last_modified_utc: datetime
    sequence: int = 0

    def __post_init__(self) -> None:
        _checked_text(self.booking_id, "booking id", MAX_BOOKING_ID_LENGTH)
        start = as_utc(self.start_utc, "start")
        end = as_utc(self.end_utc, "end")
        if end <= start:
            raise InvalidInput("a booking must end after it starts")
        if start < EARLIEST or end > LATEST:
            raise InvalidInput(f"bookings must lie between {EARLIEST.year} and {LATEST.year - 1}")
        if not isinstance(self.language, LanguageTag):
            raise InvalidInput("language must be a LanguageTag")
        _checked_text(self.language_name, "language name")
        if self.dialect is not None:
            _checked_text(self.dialect, "dialect")
        _checked_text(self.organisation_name, "organisation name")
        try:
            object.__setattr__(self, "modality", Modality(self.modality))
            object.__setattr__(self, "status", FeedStatus(self.status))
        except ValueError:
            raise InvalidInput(
                f"modality must be one of {', '.join(Modality)}; status one of {', '.join(FeedStatus)}"
            ) from None
        if not isinstance(self.sequence, int) or isinstance(self.sequence, bool) or self.sequence < 0:
            raise InvalidInput("sequence must be a non-negative integer")
        object.__setattr__(self, "start_utc", start)
        object.__setattr__(self, "end_utc", end)
        object.__setattr__(self, "last_modified_utc", as_utc(self.last_modified_utc, "last modified"))

    @property
    def uid(self) -> str:
        """Stable for the booking's whole life, so every revision updates the same calendar event."""
        return f"{self.booking_id}@{UID_DOMAIN}"

    @property
    def summary(self) -> str:
        """E.g. ``Interpretation: Pashto (ps-AF), Demo Office — video``."""
        language = f"{self.language}, {self.dialect}" if self.dialect else str(self.language)
        return (
            f"Interpretation: {self.language_name} ({language}), {self.organisation_name} — {self.modality}"
        )


def render_feed(
    interpreter_label: str, bookings: Iterable[FeedBooking], now_utc: datetime, zone: str | None = None
) -> str:
    """The feed as iCalendar text with CRLF line endings, events ordered by start.

    ``now_utc`` stamps the feed (``DTSTAMP``). With ``zone`` (an IANA name) times are written in that zone,
    otherwise in UTC; see the module's docstring for why UTC is the default. Times are whole seconds: a start
    is rounded down and an end up, so an event never looks shorter than the booking.
    """
    label = _checked_text(interpreter_label, "interpreter label")
    stamp = _format_utc(as_utc(now_utc, "now"))
    tz = zone_info(zone) if zone is not None else None
    events = list(bookings)
    if not all(isinstance(booking, FeedBooking) for booking in events):
        raise InvalidInput("bookings must be FeedBooking values")
    events.sort(key=lambda b: (b.start_utc, b.booking_id))
    seen: set[str] = set()
    for booking in events:
        if booking.booking_id in seen:
            raise InvalidInput(f"booking {booking.booking_id!r} appears twice")
        seen.add(booking.booking_id)

    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{escape_text(PRODID)}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(label)}",
    ]
    if tz is not None and events:
        first_year = min(_floor_second(b.start_utc) for b in events).astimezone(tz).year
        last_year = max(_ceil_second(b.end_utc) for b in events).astimezone(tz).year
        lines += _vtimezone(tz, first_year, last_year)
    for booking in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{escape_text(booking.uid)}",
            f"DTSTAMP:{stamp}",
            _time_property("DTSTART", _floor_second(booking.start_utc), tz),
            _time_property("DTEND", _ceil_second(booking.end_utc), tz),
            f"SUMMARY:{escape_text(booking.summary)}",
            f"STATUS:{booking.status.upper()}",
            f"SEQUENCE:{booking.sequence}",
            f"LAST-MODIFIED:{_format_utc(booking.last_modified_utc)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


def escape_text(value: str) -> str:
    """``value`` as an RFC 5545 TEXT value (§3.3.11): backslash, semicolon, comma and newline escaped."""
    # The backslash first, or the escapes added for the others would be escaped again.
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """``line`` folded (RFC 5545 §3.1) into pieces of at most 75 octets of UTF-8, joined by CRLF and a space.

    A piece never ends inside a multi-byte character; each continuation's leading space counts in its 75.
    """
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > MAX_LINE_OCTETS:
            pieces.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return CRLF.join(pieces)


def _floor_second(instant: datetime) -> datetime:
    return instant.replace(microsecond=0)


def _ceil_second(instant: datetime) -> datetime:
    floored = instant.replace(microsecond=0)
    return floored if floored == instant else floored + timedelta(seconds=1)


def _format_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _format_local(local: datetime) -> str:
    return local.strftime("%Y%m%dT%H%M%S")


def _time_property(name: str, instant_utc: datetime, tz: ZoneInfo | None) -> str:
    if tz is None:
        return f"{name}:{_format_utc(instant_utc)}"
    local = instant_utc.astimezone(tz)
    if local.fold and local.replace(fold=0).utcoffset() != local.utcoffset():
        # The repeated hour's second pass: a TZID time there would be read as the first pass, an hour early.
        return f"{name}:{_format_utc(instant_utc)}"
    return f"{name};TZID={tz.key}:{_format_local(local)}"


def _format_offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{seconds:02d}" if seconds else "")


def _observance(tz: ZoneInfo, utc: datetime) -> tuple[timedelta, timedelta, str]:
    local = utc.astimezone(tz)
    return local.utcoffset() or timedelta(0), local.dst() or timedelta(0), local.tzname() or tz.key


def _transitions(tz: ZoneInfo, start: datetime, end: datetime) -> Iterator[datetime]:
    """The UTC instants in ``[start, end)`` at which ``tz`` changes offset, daylight flag or abbreviation.

    Sampled daily, then pinned to the second by bisection. A change undone within the same day would be
    missed; no zone has one since 1970, the earliest year a booking may fall in.
    """
    step = timedelta(days=1)
    here = start
    while here < end:
        there = min(here + step, end)
        before = _observance(tz, here)
        if _observance(tz, there) != before:
            low, high = math.floor(here.timestamp()), math.ceil(there.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if _observance(tz, datetime.fromtimestamp(middle, UTC)) == before:
                    low = middle
                else:
                    high = middle
            yield datetime.fromtimestamp(high, UTC)
        here = there


def _vtimezone(tz: ZoneInfo, first_year: int, last_year: int) -> list[str]:
    """A VTIMEZONE for ``tz`` valid from 1 January of ``first_year`` to the end of ``last_year``.

    One sub-component per actual transition, rather than recurrence rules, so it states exactly what the
    IANA database says, including years whose rules differ; the first sub-component sets the offset in force
    at the start of the range.
    """
    start = datetime(first_year, 1, 1, tzinfo=UTC) - timedelta(days=1)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC) + timedelta(days=1)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tz.key}"]
    offset, _, _ = _observance(tz, start)
    onsets = [
        (start, offset),
        *((t, _observance(tz, t - timedelta(seconds=1))[0]) for t in _transitions(tz, start, end)),
    ]
    for onset, offset_from in onsets:
        offset_to, dst, name = _observance(tz, onset)
        # Readers take DAYLIGHT for the advanced clock. The database's own flag is not that: Europe/Dublin
        # marks its winter time as a negative daylight saving. So the direction of the change decides.
        advanced = offset_to > offset_from if offset_to != offset_from else dst > timedelta(0)
        kind = "DAYLIGHT" if advanced else "STANDARD"
        lines += [
            f"BEGIN:{kind}",
            # The onset as the clock showed it just before: in the offset being left (RFC 5545 §3.6.5).
            f"DTSTART:{_format_local((onset + offset_from).replace(tzinfo=None))}",
            f"TZOFFSETFROM:{_format_offset(offset_from)}",
            f"TZOFFSETTO:{_format_offset(offset_to)}",
            f"TZNAME:{escape_text(name)}",
            f"END:{kind}",
        ]
    lines.append("END:VTIMEZONE")
    return lines
