"""Stored availability: one JSON form, versions that move on with every change, and cheap repeated reads."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import event, select

from core.clock import FakeClock
from core.db import Database
from core.errors import InvalidInput, NotFound
from core.ids import UserId
from core.models import InterpreterAvailabilityRow
from rris.services import Services
from scheduler import availability_store
from scheduler.availability import Availability, DailySlot, DateOverride, OverrideKind, Weekday, WeeklySlot
from scheduler.availability_store import (
    AvailabilityStore,
    availability_document,
    availability_from_document,
    pattern_from_json,
    pattern_to_json,
)
from tests.support.migrated import BOTH_DATABASES, backend_of, migrated_services
from tests.support.rows import count_rows
from tests.support.world import World, build_world

BELGRADE = "Europe/Belgrade"
DOCUMENT = {
    "zone": BELGRADE,
    "weekly": [
        {"weekday": 0, "start": "08:00", "end": "12:00"},
        {"weekday": 4, "start": "22:00", "end": "02:00"},
    ],
    "overrides": [
        {"date": "2026-12-24", "kind": "replace", "slots": [{"start": "09:00", "end": "11:00"}]},
        {"date": "2026-12-25", "kind": "unavailable", "slots": []},
        {"date": "2026-12-26", "kind": "extra", "slots": [{"start": "14:00", "end": "15:30"}]},
    ],
}
HOURS = Availability(
    BELGRADE,
    (
        WeeklySlot(Weekday.MONDAY, time(8), time(12)),
        WeeklySlot(Weekday.FRIDAY, time(22), time(2)),
    ),
    (
        DateOverride(date(2026, 12, 24), OverrideKind.REPLACE, (DailySlot(time(9), time(11)),)),
        DateOverride(date(2026, 12, 25), OverrideKind.UNAVAILABLE),
        DateOverride(date(2026, 12, 26), OverrideKind.EXTRA, (DailySlot(time(14), time(15, 30)),)),
    ),
)
MORNINGS = Availability("Europe/Skopje", (WeeklySlot(Weekday.TUESDAY, time(7), time(11)),))


@pytest.fixture
async def services(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Services]:
    async with migrated_services(backend_of(request), tmp_path, FakeClock()) as made:
        yield made


@pytest.fixture
async def world(services: Services) -> World:
    return await build_world(services.accounts, services.directory)


@pytest.fixture
def store(services: Services) -> AvailabilityStore:
    return AvailabilityStore(services.db, services.clock)


async def stored(db: Database) -> list[tuple[str, str, str, int]]:
    query = select(
        InterpreterAvailabilityRow.user_id,
        InterpreterAvailabilityRow.zone,
        InterpreterAvailabilityRow.pattern,
        InterpreterAvailabilityRow.version,
    ).order_by(InterpreterAvailabilityRow.user_id)
    async with db.sessions() as session:
        return [tuple(row) for row in (await session.execute(query)).all()]


@pytest.fixture
def statements(services: Services) -> Iterator[list[str]]:
    """Every SQL statement the database runs while the test does."""
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(services.db.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(services.db.engine.sync_engine, "before_cursor_execute", record)


# The JSON form


def test_the_json_form_is_the_documented_shape() -> None:
    assert json.loads(pattern_to_json(HOURS)) == DOCUMENT
    assert availability_document(HOURS) == DOCUMENT


def test_the_json_form_reads_back_as_the_same_hours() -> None:
    assert availability_from_document(DOCUMENT) == HOURS
    assert pattern_from_json(BELGRADE, pattern_to_json(HOURS)) == HOURS


def test_an_unavailable_day_may_leave_out_its_empty_slots() -> None:
    document = {"zone": BELGRADE, "overrides": [{"date": "2026-12-25", "kind": "unavailable"}]}
    assert availability_from_document(document).overrides == (
        DateOverride(date(2026, 12, 25), OverrideKind.UNAVAILABLE),
    )


def test_the_stored_zone_column_is_the_zone() -> None:
    assert pattern_from_json("Europe/Skopje", pattern_to_json(HOURS)).zone == "Europe/Skopje"


def _with(**changes: object) -> dict[str, object]:
    return {**DOCUMENT, **changes}


def _weekly(**changes: object) -> dict[str, object]:
    return _with(weekly=[{"weekday": 0, "start": "08:00", "end": "12:00", **changes}])


def _override(**changes: object) -> dict[str, object]:
    entry = {"date": "2026-12-24", "kind": "replace", "slots": [{"start": "09:00", "end": "11:00"}]}
    return _with(overrides=[{**entry, **changes}])


@pytest.mark.parametrize(
    ("document", "words"),
    [
        pytest.param([], "availability must be an object", id="not-an-object"),
        pytest.param({"weekly": []}, "zone is required", id="no-zone"),
        pytest.param(_with(zone="Mars/Olympus"), "unknown time zone", id="unknown-zone"),
        pytest.param(_with(zone=1), "zone must be", id="zone-not-text"),
        pytest.param(_with(colour="blue"), "unknown field 'colour'", id="unknown-field"),
        pytest.param(_with(weekly={}), "weekly must be a list", id="weekly-not-a-list"),
        pytest.param(_weekly(weekday=7), "weekly[0].weekday", id="weekday-7"),
        pytest.param(_weekly(weekday=True), "weekly[0].weekday", id="weekday-bool"),
        pytest.param(_weekly(weekday="0"), "weekly[0].weekday", id="weekday-text"),
        pytest.param(_weekly(start="8:00"), "weekly[0].start", id="one-digit-hour"),
        pytest.param(_weekly(start="24:00"), "weekly[0].start", id="hour-24"),
        pytest.param(_weekly(start="08:00:00"), "weekly[0].start", id="seconds"),
        pytest.param(_weekly(end="12:00Z"), "weekly[0].end", id="zoned-time"),
        pytest.param(_weekly(end="08:00"), "weekly[0]: a slot must end", id="empty-slot"),
        pytest.param(_weekly(note="x"), "weekly[0]: unknown field 'note'", id="unknown-slot-field"),
        pytest.param(
            _with(weekly=[{"weekday": 0, "start": "08:00"}]), "weekly[0]: end is required", id="no-end"
        ),
        pytest.param(
            _with(weekly=[DOCUMENT["weekly"][0]] * 2),
            "weekly slots overlap",
            id="overlapping-weekly",  # type: ignore[index]
        ),
        pytest.param(
            _with(weekly=[{"weekday": d % 7, "start": "08:00", "end": "09:00"} for d in range(51)]),
            "at most 50",
            id="too-many-weekly",
        ),
        pytest.param(_override(date="2026-02-30"), "overrides[0].date", id="no-such-day"),
        pytest.param(_override(date="24.12.2026"), "overrides[0].date", id="date-format"),
        pytest.param(_override(kind="holiday"), "overrides[0].kind", id="unknown-kind"),
        pytest.param(_override(kind="unavailable"), "overrides[0]: an unavailable day", id="busy-holiday"),
        pytest.param(_override(slots=[]), "overrides[0]: a replace override needs", id="replace-empty"),
        pytest.param(
            _override(slots=[{"start": "09:00", "end": "11:00"}, {"start": "10:00", "end": "12:00"}]),
            "overrides[0]: slots on 2026-12-24 overlap",
            id="overlapping-override-slots",
        ),
        pytest.param(
            _with(overrides=[DOCUMENT["overrides"][1]] * 2),  # type: ignore[index]
            "more than one override for 2026-12-25",
            id="two-overrides-one-day",
        ),
        pytest.param(_override(slots=[{"start": "09:00"}]), "overrides[0].slots[0]: end", id="slot-no-end"),
    ],
)
def test_malformed_hours_are_refused_with_a_message_naming_the_field(document: object, words: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        availability_from_document(document)
    assert words in refused.value.message


def test_text_that_is_not_json_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not valid JSON"):
        pattern_from_json(BELGRADE, "{weekly:")


# Storage


@BOTH_DATABASES
async def test_hours_are_stored_and_read_back(store: AvailabilityStore, world: World) -> None:
    interpreter = world.id("ps.male")
    assert await store.get(interpreter) is None
    assert await store.put(interpreter, HOURS) == HOURS
    assert await store.get(interpreter) == HOURS


@BOTH_DATABASES
async def test_every_change_moves_the_version_on(
    services: Services, store: AvailabilityStore, world: World
) -> None:
    interpreter = world.id("ps.male")
    await store.put(interpreter, HOURS)
    await store.put(interpreter, MORNINGS)
    [(user_id, zone, pattern, version)] = await stored(services.db)
    assert (user_id, zone, version) == (interpreter, "Europe/Skopje", 2)
    assert pattern_from_json(zone, pattern) == MORNINGS


@BOTH_DATABASES
async def test_concurrent_changes_both_count(
    services: Services, store: AvailabilityStore, world: World
) -> None:
    interpreter = world.id("ps.male")
    await asyncio.gather(store.put(interpreter, HOURS), store.put(interpreter, MORNINGS))
    [(_, _, pattern, version)] = await stored(services.db)
    assert version == 2
    assert pattern_from_json(BELGRADE, pattern).weekly in (HOURS.weekly, MORNINGS.weekly)


@BOTH_DATABASES
@pytest.mark.parametrize("who", ["cw.a", "coord", "nobody"])
async def test_only_interpreters_with_a_profile_have_hours(
    services: Services, store: AvailabilityStore, world: World, who: str
) -> None:
    await store.put(world.id("ps.male"), HOURS)
    before = await stored(services.db)
    with pytest.raises(NotFound):
        await store.put(world.users.get(who, UserId("nobody")), MORNINGS)
    assert await stored(services.db) == before
    assert await count_rows(services.db, InterpreterAvailabilityRow) == 1


async def test_load_many_returns_those_who_stated_hours_in_one_query(
    store: AvailabilityStore, world: World, statements: list[str]
) -> None:
    await store.put(world.id("ps.male"), HOURS)
    await store.put(world.id("ar.male"), MORNINGS)
    statements.clear()
    found = await store.load_many([world.id("ps.male"), world.id("ar.male"), world.id("fa.iran")])
    assert found == {world.id("ps.male"): HOURS, world.id("ar.male"): MORNINGS}
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    assert await store.load_many([]) == {}


async def test_repeated_reads_parse_each_version_once(
    store: AvailabilityStore, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    interpreters = [world.id(name) for name in ("ps.male", "ar.male", "fa.iran")]
    for uid in interpreters:
        await store.put(uid, HOURS)
    parsed: list[str] = []
    real = availability_store.pattern_from_json

    def counting(zone: str, text: str) -> Availability:
        parsed.append(text)
        return real(zone, text)

    monkeypatch.setattr(availability_store, "pattern_from_json", counting)
    first = await store.load_many(interpreters)
    again = await store.load_many(interpreters)
    assert len(parsed) == 3
    assert all(again[uid] is first[uid] for uid in interpreters)
    await store.put(interpreters[0], MORNINGS)
    assert (await store.load_many(interpreters))[interpreters[0]] == MORNINGS
    assert len(parsed) == 4


async def test_a_change_made_on_another_node_is_seen_at_the_next_read(
    services: Services, store: AvailabilityStore, world: World
) -> None:
    other_node = AvailabilityStore(services.db, services.clock)
    interpreter = world.id("ps.male")
    await store.put(interpreter, HOURS)
    assert await store.get(interpreter) == HOURS
    await other_node.put(interpreter, MORNINGS)
    assert await store.get(interpreter) == MORNINGS


async def test_a_few_hundred_candidates_load_in_one_query(
    services: Services, store: AvailabilityStore, world: World, statements: list[str]
) -> None:
    interpreter = world.id("ps.male")
    await store.put(interpreter, HOURS)
    strangers = [UserId(f"stranger-{n}") for n in range(400)]
    statements.clear()
    assert await store.load_many([*strangers, interpreter]) == {interpreter: HOURS}
    assert len(statements) == 1


async def test_hours_stated_anew_at_a_version_seen_before_are_parsed_anew(store: AvailabilityStore) -> None:
    """A row deleted with its profile and stated again starts over at version 1: its text tells it apart."""
    first = store.parse("someone", BELGRADE, pattern_to_json(HOURS), 1)
    assert store.parse("someone", BELGRADE, pattern_to_json(HOURS), 1) is first

    assert store.parse("someone", "Europe/Skopje", pattern_to_json(MORNINGS), 1) == MORNINGS
