"""Interpreters' hours in storage, and the one JSON form they take in the database and over HTTP.

The form, in the interpreter's own IANA zone (see :mod:`scheduler.availability` for what it means)::

    {"zone": "Europe/Belgrade",
     "weekly": [{"weekday": 0, "start": "08:00", "end": "12:00"}],
     "overrides": [{"date": "2026-12-24", "kind": "replace", "slots": [{"start": "09:00", "end": "11:00"}]}]}

Matching reads the hours of a few hundred candidates per query, so parsed patterns are kept per node,
keyed by the row's ``version``: a change made on any node bumps it, and the next read parses it afresh.
"""

from __future__ import annotations

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


def _clock_time(value: object, where: str) -> time:
    if not isinstance(value, str) or not _CLOCK_TIME.fullmatch(value):
        raise InvalidInput(f"{where} must be a wall-clock time HH:MM, 00:00 to 23:59")
    return time(int(value[:2]), int(value[3:]))


def _daily(value: object, where: str) -> DailySlot:
    slot = _object(value, where, frozenset({"start", "end"}), frozenset({"start", "end"}))
    start, end = _clock_time(slot["start"], f"{where}.start"), _clock_time(slot["end"], f"{where}.end")
    try:
        return DailySlot(start, end)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None


def _weekly(value: object, where: str) -> WeeklySlot:
    keys = frozenset({"weekday", "start", "end"})
    slot = _object(value, where, keys, keys)
    weekday = slot["weekday"]
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise InvalidInput(f"{where}.weekday must be 0 (Monday) to 6 (Sunday)")
    hours = _daily({"start": slot["start"], "end": slot["end"]}, where)
    return WeeklySlot(Weekday(weekday), hours.start, hours.end)


def _override(value: object, where: str) -> DateOverride:
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
        # user id -> (version, parsed); one entry per interpreter, replaced when the version moves on.
        self._parsed: dict[str, tuple[int, Availability]] = {}

    def cached(self, user_id: str, version: int) -> Availability | None:
        """The parsed hours of ``user_id`` at ``version``, if this node has parsed them already."""
        cached = self._parsed.get(user_id)
        return cached[1] if cached is not None and cached[0] == version else None

    def parse(self, user_id: str, zone: str, pattern: str, version: int) -> Availability:
        """``pattern`` as hours, parsed once per version (callers that read rows themselves use this)."""
        cached = self._parsed.get(user_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        parsed = pattern_from_json(zone, pattern)
        self._parsed[user_id] = (version, parsed)
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
