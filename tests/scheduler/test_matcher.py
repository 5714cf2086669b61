"""The matcher's per-node memory: a warm query reads the database once, and every change is seen at once.

Each node keeps interpreters' facts, hours and shifts per matching version (``scheduler.fact_index``) and
learns whether they are still current from the same statement that reads held time; these tests change
a fact through another node's services and check that the very next query on the warm node sees it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, insert, select

from core.ids import UserId
from core.interpreters import Gender, WorkingLanguage
from core.languages import LanguageTag
from core.models import OrganisationRow
from scheduler.availability import Availability, Weekday, WeeklySlot
from scheduler.availability_store import AvailabilityStore
from scheduler.constraints import MatchRequest
from scheduler.intervals import Interval
from scheduler.matcher import Matcher
from scheduler.rosters import NoStandbySwitch, RosterService
from scheduler.timers import RecordingTimers
from tests.support.booking_world import (
    COORDINATOR,
    LIMITS,
    NOW,
    OFFICE,
    OTHER_OFFICE,
    PIVOTS,
    BookingWorld,
    at,
    booking_world,
)
from tests.support.external import fresh_postgres_database

PASHTO = LanguageTag.parse("ps-AF")
MORNING = Interval(at(9), at(10))  # a Tuesday
AFTERNOONS = Availability("UTC", tuple(WeeklySlot(Weekday(d), time(13), time(18)) for d in range(7)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BookingWorld]:
    if request.param == "sqlite":
        async with booking_world(f"sqlite+aiosqlite:///{tmp_path / 'matcher.sqlite3'}") as w:
            yield w
        return
    async with fresh_postgres_database() as url, booking_world(url) as w:
        yield w


@pytest.fixture
async def sqlite_world(tmp_path: Path) -> AsyncIterator[BookingWorld]:
    async with booking_world(f"sqlite+aiosqlite:///{tmp_path / 'matcher.sqlite3'}") as w:
        yield w


@pytest.fixture
def selects(sqlite_world: BookingWorld) -> Iterator[list[str]]:
    """Every SELECT the database runs while the test does."""
    seen: list[str] = []

    def record(*args: object) -> None:
        if str(args[2]).lstrip().upper().startswith("SELECT"):
            seen.append(str(args[2]))

    event.listen(sqlite_world.db.engine.sync_engine, "before_cursor_execute", record)
    yield seen
    event.remove(sqlite_world.db.engine.sync_engine, "before_cursor_execute", record)


def pashto(gender: Gender | None = None, preferred: UserId | None = None) -> MatchRequest:
    return MatchRequest(OFFICE, PASHTO, gender=gender, preferred_interpreter=preferred)


async def ranked(matcher: Matcher, request: MatchRequest | None = None) -> list[str]:
    return list((await matcher.rank_for(request or pashto(), MORNING)).user_ids)


def other_node(world: BookingWorld) -> Matcher:
    return Matcher(world.db, world.clock, AvailabilityStore(world.db, world.clock), LIMITS, PIVOTS)


async def test_a_warm_query_reads_the_database_once(sqlite_world: BookingWorld, selects: list[str]) -> None:
    world = sqlite_world
    await world.interpreter("amina")
    await world.interpreter("bashir")
    assert await ranked(world.matcher) == ["amina", "bashir"]
    selects.clear()

    assert await ranked(world.matcher) == ["amina", "bashir"]

    assert len(selects) == 1  # held time, past assignments and the matching version, together


async def test_a_profile_changed_on_another_node_is_seen_by_the_next_query(world: BookingWorld) -> None:
    amina = await world.interpreter("amina")
    await world.interpreter("bashir")
    warm = other_node(world)
    assert await ranked(warm) == ["amina", "bashir"]

    await world.directory.set_profile(
        amina, Gender.FEMALE, [WorkingLanguage(PASHTO)], organisations=[OTHER_OFFICE]
    )
    assert await ranked(warm) == ["bashir"]

    await world.directory.set_profile(amina, Gender.FEMALE, [WorkingLanguage(PASHTO)], organisations=[OFFICE])
    assert await ranked(warm) == ["amina", "bashir"]


async def test_a_language_taken_up_elsewhere_is_seen_by_the_next_query(world: BookingWorld) -> None:
    await world.interpreter("amina")
    dari = await world.interpreter("dari", "fa-AF")
    warm = other_node(world)
    assert await ranked(warm) == ["amina"]

    await world.directory.set_profile(
        dari, Gender.MALE, [WorkingLanguage(PASHTO), WorkingLanguage(LanguageTag.parse("fa-AF"))], [OFFICE]
    )

    assert await ranked(warm) == ["amina", "dari"]
    assert await ranked(warm, pashto(gender=Gender.MALE)) == ["dari"]


async def test_hours_changed_on_another_node_are_seen_by_the_next_query(world: BookingWorld) -> None:
    amina = await world.interpreter("amina")
    await world.interpreter("bashir")
    warm = other_node(world)
    elsewhere = AvailabilityStore(world.db, world.clock)
    assert await ranked(warm) == ["amina", "bashir"]

    await elsewhere.put(amina, AFTERNOONS)
    assert await ranked(warm) == ["bashir"]
    assert (await warm.rank_for(pashto(), Interval(at(14), at(15)))).user_ids == ("amina", "bashir")

    await elsewhere.put(amina, Availability("UTC", (WeeklySlot(Weekday.TUESDAY, time(8), time(12)),)))
    assert await ranked(warm) == ["amina", "bashir"]


async def test_an_exclusion_is_seen_by_the_next_query(world: BookingWorld) -> None:
    amina = await world.interpreter("amina")
    warm = other_node(world)
    assert await warm.organisation_excluded(OFFICE) == frozenset()

    await world.exclusions.replace(OFFICE, [amina])

    assert await warm.organisation_excluded(OFFICE) == {amina}


async def test_a_standby_shift_is_seen_by_the_next_query(world: BookingWorld) -> None:
    amina = await world.interpreter("amina", hours=AFTERNOONS)
    warm = other_node(world)
    assert await ranked(warm) == []
    rosters = RosterService(world.db, world.clock, RecordingTimers(), NoStandbySwitch())

    shift = await rosters.add_shift(amina, PASHTO, Interval(at(8), at(12)), COORDINATOR)
    assert await ranked(warm) == ["amina"]

    await rosters.cancel_shift(shift.id)
    assert await ranked(warm) == []


async def test_held_time_is_read_afresh_by_every_query(world: BookingWorld) -> None:
    await world.interpreter("amina")
    await world.interpreter("bashir")
    warm = other_node(world)
    assert await ranked(warm) == ["amina", "bashir"]

    booking = await world.book(at(9, 30), 60)  # offered to amina, whose time it now holds

    assert booking.interpreter_id == "amina"
    assert await ranked(warm) == ["bashir"]


async def test_a_speaker_of_two_tags_of_one_language_is_one_candidate(world: BookingWorld) -> None:
    both = await world.interpreter("both", "ps", "ps-AF", "en")
    facts = await world.matcher.eligible(pashto())

    assert [f.user_id for f in facts] == [both]
    assert sorted(skill.tag.tag for skill in facts[0].languages) == ["en", "ps", "ps-AF"]


async def test_a_preferred_interpreter_left_out_is_explained_from_the_same_facts(world: BookingWorld) -> None:
    await world.interpreter("amina")
    elsewhere = await world.interpreter("elsewhere", organisations=[OTHER_OFFICE])
    warm = other_node(world)
    await ranked(warm)

    ranking = await warm.rank_for(pashto(preferred=elsewhere), MORNING)

    assert ranking.user_ids == ("amina",)
    assert [r.user_id for r in ranking.explanation.rejected] == [elsewhere]
    assert "organisation" in str(ranking.explanation.preferences[0])


async def test_the_week_of_held_time_weighs_in_fair_rotation(world: BookingWorld) -> None:
    amina = await world.interpreter("amina")
    await world.interpreter("bashir")
    monday = at(14) - timedelta(days=1)  # the day before, in the same week
    booking = await world.book(monday, 90)
    await world.engine.accept(booking.id, UserId(amina), None)

    ranking = await world.matcher.rank_for(pashto(), MORNING)

    assert ranking.user_ids == ("bashir", "amina")
    assert [c.load.booked_minutes_week for c in ranking.candidates] == [0, 90]


async def test_the_matchers_reads_leave_pooled_connections_transactional(world: BookingWorld) -> None:
    """PostgreSQL reads run without a transaction; the connection must go back to the pool as it was."""
    await world.interpreter("amina")
    for _ in range(3):
        await ranked(world.matcher)
    idle = world.db.engine.pool.checkedin()
    assert idle >= 1
    pooled = [await world.db.engine.connect() for _ in range(idle)]  # the matcher's among them

    for number, conn in enumerate(pooled):
        undone = await conn.begin()
        await conn.execute(
            insert(OrganisationRow).values(id=f"gone-{number}", name="Gone", kind="authority", created_at=NOW)
        )
        await undone.rollback()
        await conn.close()

    async with world.db.sessions() as session:
        kept = await session.scalars(select(OrganisationRow.id).where(OrganisationRow.name == "Gone"))
        assert kept.all() == []
