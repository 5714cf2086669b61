"""Interpreters' hours in storage, and the one JSON form they take in the database and over HTTP.

The form, in the interpreter's own IANA zone (see :mod:`scheduler.availability` for what it means)::

    {"zone": "Europe/Belgrade",
     "weekly": [{"weekday": 0, "start": "08:00", "end": "12:00"}],
     "overrides": [{"date": "2026-12-24", "kind": "replace", "slots": [{"start": "09:00", "end": "11:00"}]}]}

Matching reads the hours of a few hundred candidates per query, so parsed patterns are kept per node,
keyed by the row's ``version``: a change made on any node bumps it, and the next read parses it afresh.
The weekly slots and dated exceptions patterns are made of repeat across interpreters ("Mondays
08:00-16:00"), so each distinct one is checked once per node and shared by every pattern stating it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from core import matching_version
from core.clock import Clock
from core.db import Database
from core.errors import InvalidInput, NotFound
from core.ids import UserId
from core.models import InterpreterAvailabilityRow, InterpreterProfileRow
from scheduler.availability import (
    MAX_OVERRIDES,
    MAX_SLOTS_PER_OVERRIDE,
    MAX_WEEKLY_SLOTS,
    Availability,
    DailySlot,
    DateOverride,
    OverrideKind,
    Weekday,
    WeeklySlot,
)

MAX_IDS_PER_QUERY = 5000  # well under every driver's limit on bound parameters
_CLOCK_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TOP_KEYS = frozenset({"zone", "weekly", "overrides"})
_OVERRIDE_KEYS = frozenset({"date", "kind", "slots"})


def _time_text(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def availability_document(availability: Availability) -> dict[str, object]:
    """The JSON-ready form of ``availability``; an unavailable day carries an empty ``slots`` list."""
    return {
        "zone": availability.zone,
        "weekly": [
            {"weekday": int(s.weekday), "start": _time_text(s.start), "end": _time_text(s.end)}
            for s in availability.weekly
        ],
        "overrides": [
            {
                "date": o.date.isoformat(),
                "kind": o.kind.value,
                "slots": [{"start": _time_text(s.start), "end": _time_text(s.end)} for s in o.slots],
            }
            for o in availability.overrides
        ],
    }


def _object(
    value: object, where: str, keys: frozenset[str], required: frozenset[str]
) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{where} must be an object")
    if value.keys() <= keys and value.keys() >= required:
        return value  # the usual case, told without building sets
    if unknown := sorted(set(value) - keys):
        raise InvalidInput(f"{where}: unknown field {unknown[0]!r}")
    if missing := sorted(required - set(value)):
        raise InvalidInput(f"{where}: {missing[0]} is required")
    return value


def _list(value: object, where: str, limit: int) -> list[object]:
    if not isinstance(value, list):
        raise InvalidInput(f"{where} must be a list")
    if len(value) > limit:
        raise InvalidInput(f"{where}: at most {limit} entries")
    return value


@functools.lru_cache(maxsize=2048)
def _parsed_clock_time(value: str) -> time | None:
    # There are 1,440 valid texts, and a node parses thousands of patterns made of the same few.
    return time(int(value[:2]), int(value[3:])) if _CLOCK_TIME.fullmatch(value) else None


def _clock_time(value: object, where: str) -> time:
    parsed = _parsed_clock_time(value) if isinstance(value, str) else None
    if parsed is None:
        raise InvalidInput(f"{where} must be a wall-clock time HH:MM, 00:00 to 23:59")
    return parsed


def _daily(value: object, where: str) -> DailySlot:
    slot = _object(value, where, frozenset({"start", "end"}), frozenset({"start", "end"}))
    start, end = _clock_time(slot["start"], f"{where}.start"), _clock_time(slot["end"], f"{where}.end")
    try:
        return DailySlot(start, end)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None


def _weekly(value: object, where: str) -> WeeklySlot:
    if type(value) is dict and len(value) == 3:
        # The usual entry, exactly these three plain values: one slot shared by all who state it.
        weekday, start, end = value.get("weekday"), value.get("start"), value.get("end")
        if type(weekday) is int and type(start) is str and type(end) is str:
            known = _known_weekly(weekday, start, end)
            if known is not None:
                return known
    return _checked_weekly(value, where)


@functools.lru_cache(maxsize=4096)
def _known_weekly(weekday: int, start: str, end: str) -> WeeklySlot | None:
    """The slot these values state; None when they are not one (the caller says why, naming the field)."""
    try:
        return _checked_weekly({"weekday": weekday, "start": start, "end": end}, "weekly")
    except InvalidInput:
        return None


def _checked_weekly(value: object, where: str) -> WeeklySlot:
    keys = frozenset({"weekday", "start", "end"})
    slot = _object(value, where, keys, keys)
    weekday = slot["weekday"]
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise InvalidInput(f"{where}.weekday must be 0 (Monday) to 6 (Sunday)")
    start, end = _clock_time(slot["start"], f"{where}.start"), _clock_time(slot["end"], f"{where}.end")
    try:
        return WeeklySlot(Weekday(weekday), start, end)  # checks the hours as a DailySlot does
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None


def _override(value: object, where: str) -> DateOverride:
    # As for weekly slots: the usual entry, plain values, one override shared by all who state it.
    plain = _plain_override(value)
    known = _known_override(*plain) if plain is not None else None
    return known if known is not None else _checked_override(value, where)


def _plain_override(value: object) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    """Date, kind and hours of an entry with exactly the usual fields, all text; None for anything else."""
    if type(value) is not dict or value.keys() != _OVERRIDE_KEYS:
        return None
    day, kind, slots = value["date"], value["kind"], value["slots"]
    if type(day) is not str or type(kind) is not str or type(slots) is not list:
        return None
    hours: list[tuple[str, str]] = []
    for slot in slots:
        if type(slot) is not dict or len(slot) != 2:
            return None
        start, end = slot.get("start"), slot.get("end")
        if type(start) is not str or type(end) is not str:
            return None
        hours.append((start, end))
    return day, kind, tuple(hours)


@functools.lru_cache(maxsize=4096)
def _known_override(day: str, kind: str, hours: tuple[tuple[str, str], ...]) -> DateOverride | None:
    """The override these values state; None when they are not one (the caller says why)."""
    document = {"date": day, "kind": kind, "slots": [{"start": s, "end": e} for s, e in hours]}
    try:
        return _checked_override(document, "overrides")
    except InvalidInput:
        return None


def _checked_override(value: object, where: str) -> DateOverride:
    entry = _object(value, where, frozenset({"date", "kind", "slots"}), frozenset({"date", "kind"}))
    raw_date = entry["date"]
    if not isinstance(raw_date, str) or not _DATE.fullmatch(raw_date):
        raise InvalidInput(f"{where}.date must be a date YYYY-MM-DD")
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        raise InvalidInput(f"{where}.date is not a calendar date: {raw_date}") from None
    kind = entry["kind"]
    if kind not in set(OverrideKind):
        raise InvalidInput(f"{where}.kind must be one of {', '.join(OverrideKind)}")
    raw_slots = _list(entry.get("slots", []), f"{where}.slots", MAX_SLOTS_PER_OVERRIDE)
    slots = tuple(_daily(s, f"{where}.slots[{i}]") for i, s in enumerate(raw_slots))
    try:
        return DateOverride(day, OverrideKind(str(kind)), slots)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None


def availability_from_document(document: object) -> Availability:
    """Parse the JSON form (already decoded); anything malformed is :class:`InvalidInput` naming the field."""
    top = _object(document, "availability", _TOP_KEYS, frozenset({"zone"}))
    weekly = _list(top.get("weekly", []), "weekly", MAX_WEEKLY_SLOTS)
    overrides = _list(top.get("overrides", []), "overrides", MAX_OVERRIDES)
    zone = top["zone"]
    if not isinstance(zone, str):
        raise InvalidInput("zone must be an IANA time zone name, e.g. Europe/Belgrade")
    return Availability(
        zone,
        tuple(_weekly(s, f"weekly[{i}]") for i, s in enumerate(weekly)),
        tuple(_override(o, f"overrides[{i}]") for i, o in enumerate(overrides)),
    )


def pattern_to_json(availability: Availability) -> str:
    return json.dumps(availability_document(availability), separators=(",", ":"))


def pattern_from_json(zone: str, text: str) -> Availability:
    """The availability stored as ``text``; ``zone`` (the row's column) wins over any zone in the text."""
    try:
        document = json.loads(text)
    except ValueError:
        raise InvalidInput("availability is not valid JSON") from None
    if isinstance(document, dict):
        document = {**document, "zone": zone}
    return availability_from_document(document)


class AvailabilityStore:
    """Reads and writes interpreters' hours, parsing each stored version at most once per node."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # user id -> (version, zone, pattern, parsed); one entry per interpreter, replaced when the row
        # changes. The text is compared too: a row deleted with its profile and stated again starts
        # over at version 1, and must not be mistaken for the old one.
        self._parsed: dict[str, tuple[int, str, str, Availability]] = {}

    def cached(self, user_id: str, version: int) -> Availability | None:
        """The parsed hours of ``user_id`` at ``version``, if this node has parsed them already."""
        cached = self._parsed.get(user_id)
        return cached[3] if cached is not None and cached[0] == version else None

    def parse(self, user_id: str, zone: str, pattern: str, version: int) -> Availability:
        """``pattern`` as hours, parsed once per version (callers that read rows themselves use this)."""
        cached = self._parsed.get(user_id)
        if cached is not None and cached[0] == version and cached[2] == pattern and cached[1] == zone:
            return cached[3]
        parsed = pattern_from_json(zone, pattern)
        self._parsed[user_id] = (version, zone, pattern, parsed)
        return parsed

    async def get(self, user_id: UserId) -> Availability | None:
        """The interpreter's hours, or ``None`` when they never stated any."""
        return (await self.load_many([user_id])).get(user_id)

    async def load_many(self, user_ids: Iterable[UserId]) -> dict[UserId, Availability]:
        """The hours of each of ``user_ids`` who stated some; the others are left out."""
        wanted = sorted(set(user_ids))
        found: dict[UserId, Availability] = {}
        async with self._db.sessions() as session:
            for first in range(0, len(wanted), MAX_IDS_PER_QUERY):
                chunk = wanted[first : first + MAX_IDS_PER_QUERY]
                rows = await session.execute(
                    select(
                        InterpreterAvailabilityRow.user_id,
                        InterpreterAvailabilityRow.zone,
                        InterpreterAvailabilityRow.pattern,
                        InterpreterAvailabilityRow.version,
                    ).where(InterpreterAvailabilityRow.user_id.in_(chunk))
                )
                for user_id, zone, pattern, version in rows:
                    found[UserId(user_id)] = self.parse(user_id, zone, pattern, version)
        return found

    async def put(self, user_id: UserId, availability: Availability) -> Availability:
        """Replace the interpreter's hours; the version moves on, so every node re-reads them."""
        if not isinstance(availability, Availability):
            raise InvalidInput("availability must be an Availability value")
        values = {
            "user_id": user_id,
            "zone": availability.zone,
            "pattern": pattern_to_json(availability),
            "version": 1,
            "updated_at": self._clock.now(),
        }
        row = InterpreterAvailabilityRow
        insert = sqlite.insert(row) if self._db.is_sqlite else postgresql.insert(row)
        upsert = insert.values(**values)
        # One statement, so two concurrent writers both land and the version counts both changes.
        upsert = upsert.on_conflict_do_update(
            index_elements=[row.user_id],
            set_={
                "zone": upsert.excluded.zone,
                "pattern": upsert.excluded.pattern,
                "version": row.version + 1,
                "updated_at": upsert.excluded.updated_at,
            },
        )
        async with self._db.transaction() as session:
            if await session.get(InterpreterProfileRow, user_id) is None:
                raise NotFound("no such interpreter")
            await session.execute(upsert)
            await matching_version.bump(session)
        return availability
