"""Standby rosters on SQLite and PostgreSQL: valid shifts only, never two at once, timed idempotent edges."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.clock import FakeClock
from core.db import Database
from core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from core.ids import UserId
from core.languages import LanguageTag
from core.models import StandbyShiftRow, UserRow
from rris.services import Services
from scheduler.booking_access import InterpreterUnsuitable
from scheduler.booking_types import IdempotencyKeyReused
from scheduler.intervals import Interval
from scheduler.rosters import (
    SHIFT_END,
    SHIFT_START,
    RosterService,
    ShiftOverlap,
    StandbyShift,
    parse_instant,
    roster_scope,
)
from scheduler.timers import RecordingTimers
from tests.support.migrated import BOTH_DATABASES, backend_of, migrated_services
from tests.support.rows import count_rows
from tests.support.world import World, build_world

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PS, PS_AF, FA_AF = LanguageTag.parse("ps"), LanguageTag.parse("ps-AF"), LanguageTag.parse("fa-AF")


def hours(start: float, end: float) -> Interval:
    """Hours from NOW, so a test reads as a timetable."""
    return Interval(NOW + timedelta(hours=start), NOW + timedelta(hours=end))


@dataclass
class RecordingSwitch:
    """Rostered standby as the presence side would hold it, plus every call made."""

    calls: list[tuple[UserId, bool, str]] = field(default_factory=list)

    async def set_rostered_standby(self, user_id: UserId, on: bool, language: str) -> None:
        self.calls.append((user_id, on, language))

    def on(self, user_id: UserId) -> bool:
        """Whether the last word for ``user_id`` was "on"."""
        states = [on for uid, on, _ in self.calls if uid == user_id]
        return bool(states) and states[-1]


@dataclass
class CountingTimers(RecordingTimers):
    """Also keeps every schedule call, so a timer set twice to the same time still shows."""

    scheduled: list[tuple[str, str]] = field(default_factory=list)

    async def schedule(self, kind: str, subject_id: str, run_at: datetime) -> None:
        self.scheduled.append((kind, subject_id))
        await super().schedule(kind, subject_id, run_at)


@dataclass
class Roster:
    service: RosterService
    timers: CountingTimers
    switch: RecordingSwitch
    clock: FakeClock
    db: Database
    world: World

    async def add(
        self,
        name: str = "ps.male",
        interval: Interval | None = None,
        language: LanguageTag = PS,
        *,
        key: str | None = None,
        by: str = "coord",
    ) -> StandbyShift:
        return await self.service.add_shift(
            self.world.id(name), language, interval or hours(2, 6), self.world.id(by), idempotency_key=key
        )

    async def rows(self) -> list[tuple[object, ...]]:
        async with self.db.sessions() as session:
            found = await session.execute(select(StandbyShiftRow.__table__).order_by(StandbyShiftRow.id))
            return [tuple(row) for row in found.all()]

    def advance_to(self, instant: datetime) -> None:
        self.clock.advance((instant - self.clock.now()).total_seconds())


@pytest.fixture
async def services(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Services]:
    async with migrated_services(backend_of(request), tmp_path, FakeClock(NOW)) as made:
        yield made


@pytest.fixture
async def roster(services: Services) -> Roster:
    world = await build_world(services.accounts, services.directory)
    clock = services.clock
    assert isinstance(clock, FakeClock)
    timers, switch = CountingTimers(), RecordingSwitch()
    return Roster(
        RosterService(services.db, clock, timers, switch), timers, switch, clock, services.db, world
    )


# Adding a shift


@BOTH_DATABASES
async def test_a_shift_is_stored_and_its_start_and_end_are_timed(roster: Roster) -> None:
    shift = await roster.add(interval=hours(2, 6), language=PS_AF)
    assert (shift.interpreter_id, shift.language, shift.interval) == (
        roster.world.id("ps.male"),
        PS_AF,
        hours(2, 6),
    )
    assert (shift.created_by, shift.created_at, shift.cancelled) == (roster.world.id("coord"), NOW, False)
    assert roster.timers.due == {
        (SHIFT_START, shift.id): hours(2, 6).start_utc,
        (SHIFT_END, shift.id): hours(2, 6).end_utc,
    }
    assert roster.switch.calls == []
    assert len(await roster.rows()) == 1


async def test_a_shift_already_under_way_puts_the_interpreter_on_standby_at_once(roster: Roster) -> None:
    shift = await roster.add(interval=hours(-1, 3))
    assert roster.switch.calls == [(roster.world.id("ps.male"), True, "ps")]
    assert roster.timers.of_kind(SHIFT_START) == {}
    assert roster.timers.of_kind(SHIFT_END) == {shift.id: hours(-1, 3).end_utc}


async def test_an_interpreter_working_in_the_language_qualifies(roster: Roster) -> None:
    # ps-AF covers a request for plain ps, and plain ps covers ps-AF.
    await roster.add("ps.female", hours(1, 2), PS)
    await roster.add("ps.male", hours(1, 2), PS_AF)
    assert len(await roster.rows()) == 2


async def test_back_to_back_shifts_and_other_interpreters_at_the_same_time_are_fine(roster: Roster) -> None:
    await roster.add("ps.male", hours(2, 6))
    await roster.add("ps.male", hours(6, 8))
    await roster.add("ps.male", hours(0, 2))
    await roster.add("ps.female", hours(2, 6))
    assert len(await roster.rows()) == 4


@BOTH_DATABASES
@pytest.mark.parametrize(
    "overlapping",
    [hours(1, 3), hours(5, 7), hours(3, 4), hours(1, 7), hours(2, 6)],
    ids=["start", "end", "inside", "around", "same"],
)
async def test_an_overlapping_shift_of_the_same_interpreter_is_refused(
    roster: Roster, overlapping: Interval
) -> None:
    await roster.add("ps.male", hours(2, 6))
    before, due = await roster.rows(), dict(roster.timers.due)
    with pytest.raises(ShiftOverlap) as refused:
        await roster.add("ps.male", overlapping, PS_AF)  # whatever the language
    assert isinstance(refused.value, Conflict)
    assert await roster.rows() == before
    assert roster.timers.due == due


async def test_a_cancelled_shift_no_longer_holds_the_time(roster: Roster) -> None:
    first = await roster.add("ps.male", hours(2, 6))
    await roster.service.cancel_shift(first.id)
    await roster.add("ps.male", hours(3, 5))
    assert len(await roster.rows()) == 2


@BOTH_DATABASES
async def test_concurrent_overlapping_adds_give_one_shift(roster: Roster) -> None:
    results = await asyncio.gather(
        *(roster.add("ps.male", hours(2 + n * 0.25, 6)) for n in range(4)), return_exceptions=True
    )
    made = [r for r in results if isinstance(r, StandbyShift)]
    assert len(made) == 1
    assert all(isinstance(r, ShiftOverlap) for r in results if r not in made)
    assert len(await roster.rows()) == 1
    assert set(roster.timers.due) == {(SHIFT_START, made[0].id), (SHIFT_END, made[0].id)}


# Adding again with the same Idempotency-Key


@BOTH_DATABASES
async def test_the_same_key_and_shift_give_the_same_shift_timed_once(roster: Roster) -> None:
    first, created = await roster.service.place_shift(
        roster.world.id("ps.male"), PS, hours(2, 6), roster.world.id("coord"), idempotency_key="key-1"
    )
    assert created
    before, due = await roster.rows(), dict(roster.timers.due)
    again, created = await roster.service.place_shift(
        roster.world.id("ps.male"), PS, hours(2, 6), roster.world.id("coord"), idempotency_key="key-1"
    )
    assert (again, created) == (first, False)
    assert await roster.rows() == before
    assert roster.timers.due == due
    assert roster.timers.scheduled == [(SHIFT_START, first.id), (SHIFT_END, first.id)]


async def test_a_replayed_shift_under_way_switches_standby_on_only_once(roster: Roster) -> None:
    first = await roster.add(interval=hours(-1, 3), key="key-1")
    assert await roster.add(interval=hours(-1, 3), key="key-1") == first
    assert roster.switch.calls == [(roster.world.id("ps.male"), True, "ps")]
    assert roster.timers.scheduled == [(SHIFT_END, first.id)]


async def test_a_replay_returns_the_shift_as_it_is_now_even_once_over(roster: Roster) -> None:
    first = await roster.add(interval=hours(1, 2), key="key-1")
    cancelled = await roster.service.cancel_shift(first.id)
    assert await roster.add(interval=hours(1, 2), key="key-1") == cancelled
    roster.advance_to(hours(3, 4).start_utc)  # a new shift at that time would now be refused as past
    assert await roster.add(interval=hours(1, 2), key="key-1") == cancelled
    assert await count_rows(roster.db, StandbyShiftRow) == 1


@BOTH_DATABASES
@pytest.mark.parametrize(
    ("name", "interval", "language"),
    [
        pytest.param("ps.male", hours(3, 6), PS, id="other-time"),
        pytest.param("ps.male", hours(2, 6), PS_AF, id="other-language"),
        pytest.param("ps.female", hours(2, 6), PS, id="other-interpreter"),
    ],
)
async def test_the_same_key_for_another_shift_is_a_conflict_and_changes_nothing(
    roster: Roster, name: str, interval: Interval, language: LanguageTag
) -> None:
    await roster.add("ps.male", hours(2, 6), PS, key="key-1")
    before, scheduled = await roster.rows(), list(roster.timers.scheduled)
    with pytest.raises(IdempotencyKeyReused) as refused:
        await roster.add(name, interval, language, key="key-1")
    assert isinstance(refused.value, Conflict)
    assert refused.value.code == "idempotency_key_reused"
    assert await roster.rows() == before
    assert roster.timers.scheduled == scheduled


async def test_keys_belong_to_one_coordinator(roster: Roster) -> None:
    mine = await roster.add("ps.male", hours(2, 6), key="key-1", by="coord")
    # Another coordinator's same key and shift is no replay of mine: it overlaps it.
    with pytest.raises(ShiftOverlap):
        await roster.add("ps.male", hours(2, 6), key="key-1", by="coord.a")
    theirs = await roster.add("ps.female", hours(2, 6), key="key-1", by="coord.a")
    assert theirs.id != mine.id
    assert await count_rows(roster.db, StandbyShiftRow) == 2


@BOTH_DATABASES
async def test_concurrent_adds_with_one_key_give_one_shift(roster: Roster) -> None:
    made = await asyncio.gather(*(roster.add("ps.male", hours(2, 6), key="burst") for _ in range(8)))
    assert {shift.id for shift in made} == {made[0].id}
    assert len(await roster.rows()) == 1
    assert roster.timers.scheduled == [(SHIFT_START, made[0].id), (SHIFT_END, made[0].id)]


@BOTH_DATABASES
async def test_concurrent_adds_of_different_shifts_with_one_key_give_one_shift(roster: Roster) -> None:
    # Different interpreters: the adds hold different locks, so the unique key alone decides.
    names = ["ps.male", "ps.female"] * 4
    results = await asyncio.gather(
        *(roster.add(name, hours(2, 6), key="burst") for name in names), return_exceptions=True
    )
    made = [r for r in results if isinstance(r, StandbyShift)]
    assert len({shift.id for shift in made}) == 1
    assert all(isinstance(r, IdempotencyKeyReused) for r in results if not isinstance(r, StandbyShift))
    assert len(await roster.rows()) == 1
    assert roster.timers.scheduled == [(SHIFT_START, made[0].id), (SHIFT_END, made[0].id)]


async def test_a_malformed_key_is_refused_and_changes_nothing(roster: Roster) -> None:
    for key in ("", "x" * 256, "tab\there"):
        with pytest.raises(InvalidInput):
            await roster.add(key=key)
    assert await roster.rows() == []
    assert roster.timers.scheduled == []


@pytest.mark.parametrize(
    ("name", "interval", "language", "error"),
    [
        pytest.param("ps.male", hours(-3, -1), PS, InvalidInput, id="ended"),
        pytest.param("ps.male", hours(-3, 0), PS, InvalidInput, id="ends-now"),
        pytest.param("ps.male", hours(1, 25.5), PS, InvalidInput, id="over-24-hours"),
        pytest.param("ps.male", hours(24 * 400, 24 * 400 + 1), PS, InvalidInput, id="too-far-ahead"),
        pytest.param("fa.iran", hours(1, 2), FA_AF, InterpreterUnsuitable, id="fa-IR-for-dari"),
        pytest.param(
            "ps.female", hours(1, 2), LanguageTag.parse("ps-PK"), InterpreterUnsuitable, id="other-region"
        ),
        pytest.param("ar.male", hours(1, 2), PS, InterpreterUnsuitable, id="other-language"),
        pytest.param("cw.a", hours(1, 2), PS, NotFound, id="a-caseworker"),
        pytest.param("nobody", hours(1, 2), PS, NotFound, id="unknown"),
    ],
)
async def test_invalid_shifts_are_refused_and_change_nothing(
    roster: Roster, name: str, interval: Interval, language: LanguageTag, error: type[DomainError]
) -> None:
    await roster.add("ps.female", hours(1, 2))
    before = await roster.rows()
    with pytest.raises(error):
        await roster.service.add_shift(
            roster.world.users.get(name, UserId(name)), language, interval, roster.world.id("coord")
        )
    assert await roster.rows() == before
    assert len(roster.timers.due) == 2
    assert await count_rows(roster.db, StandbyShiftRow) == 1


async def test_an_inactive_interpreter_is_not_rostered(roster: Roster) -> None:
    async with roster.db.transaction() as session:
        await session.execute(
            update(UserRow).where(UserRow.id == roster.world.id("ps.male")).values(active=False)
        )
    with pytest.raises(NotFound):
        await roster.add("ps.male")
    assert await count_rows(roster.db, StandbyShiftRow) == 0


async def test_an_authoritys_coordinator_rosters_only_the_interpreters_serving_it(roster: Roster) -> None:
    office_a = roster.world.office_a
    with pytest.raises(NotFound):
        await roster.service.add_shift(
            roster.world.id("ps.only.b"), PS, hours(1, 2), UserId("x"), serving=office_a
        )
    assert await count_rows(roster.db, StandbyShiftRow) == 0
    await roster.service.add_shift(
        roster.world.id("ps.male"), PS, hours(1, 2), roster.world.id("coord.a"), serving=office_a
    )
    assert await count_rows(roster.db, StandbyShiftRow) == 1


# Cancelling


async def test_cancelling_before_the_start_forgets_both_timers_and_leaves_standby_alone(
    roster: Roster,
) -> None:
    shift = await roster.add()
    cancelled = await roster.service.cancel_shift(shift.id)
    assert cancelled.cancelled
    assert (await roster.service.get(shift.id)).cancelled
    assert roster.timers.due == {}
    assert roster.switch.calls == []


async def test_cancelling_a_shift_under_way_turns_standby_off_now(roster: Roster) -> None:
    shift = await roster.add(interval=hours(1, 5))
    roster.advance_to(hours(2, 3).start_utc)
    await roster.service.shift_started(shift.id)
    await roster.service.cancel_shift(shift.id)
    uid = roster.world.id("ps.male")
    assert roster.switch.calls == [(uid, True, "ps"), (uid, False, "ps")]
    assert roster.timers.due == {}


async def test_cancelling_twice_is_harmless(roster: Roster) -> None:
    shift = await roster.add(interval=hours(-1, 5))
    await roster.service.cancel_shift(shift.id)
    calls = list(roster.switch.calls)
    again = await roster.service.cancel_shift(shift.id)
    assert again.cancelled
    assert roster.switch.calls == calls


async def test_a_finished_shift_cannot_be_cancelled(roster: Roster) -> None:
    shift = await roster.add(interval=hours(1, 2))
    roster.advance_to(hours(3, 4).start_utc)
    before = await roster.rows()
    with pytest.raises(Conflict):
        await roster.service.cancel_shift(shift.id)
    assert await roster.rows() == before


async def test_cancelling_an_unknown_or_unseen_shift_is_not_found(roster: Roster) -> None:
    shift = await roster.add("ps.only.b")
    with pytest.raises(NotFound):
        await roster.service.cancel_shift("no-such-shift")
    with pytest.raises(NotFound):
        await roster.service.cancel_shift(shift.id, serving=roster.world.office_a)
    assert not (await roster.service.get(shift.id)).cancelled


# The timed effects


async def test_start_and_end_switch_standby_on_and_off_and_repeat_harmlessly(roster: Roster) -> None:
    shift = await roster.add(interval=hours(1, 3))
    uid = roster.world.id("ps.male")
    roster.advance_to(shift.interval.start_utc)
    await roster.service.shift_started(shift.id)
    await roster.service.shift_started(shift.id)
    assert roster.switch.calls == [(uid, True, "ps")] * 2
    roster.advance_to(shift.interval.end_utc)
    await roster.service.shift_ended(shift.id)
    await roster.service.shift_ended(shift.id)
    assert roster.switch.calls[2:] == [(uid, False, "ps")] * 2
    assert not roster.switch.on(uid)


async def test_a_cancelled_shift_starts_nothing(roster: Roster) -> None:
    shift = await roster.add(interval=hours(1, 3))
    await roster.service.cancel_shift(shift.id)
    roster.advance_to(shift.interval.start_utc)
    await roster.service.shift_started(shift.id)
    await roster.service.shift_ended(shift.id)
    await roster.service.shift_started("no-such-shift")
    assert roster.switch.calls == []


async def test_a_start_that_fires_after_the_end_does_nothing(roster: Roster) -> None:
    shift = await roster.add(interval=hours(1, 3))
    roster.advance_to(hours(4, 5).start_utc)
    await roster.service.shift_started(shift.id)
    assert roster.switch.calls == []


async def test_the_end_of_one_shift_does_not_cut_short_the_next_in_the_same_language(roster: Roster) -> None:
    first = await roster.add(interval=hours(1, 3))
    second = await roster.add(interval=hours(3, 5))
    uid = roster.world.id("ps.male")
    roster.advance_to(first.interval.end_utc)
    await roster.service.shift_started(first.id)  # late, after its end: nothing
    await roster.service.shift_started(second.id)
    await roster.service.shift_ended(first.id)  # the end timer lost the race to the next start
    assert roster.switch.calls == [(uid, True, "ps")]
    assert roster.switch.on(uid)


@BOTH_DATABASES
async def test_a_cancel_landing_while_standby_is_switched_on_leaves_it_off(roster: Roster) -> None:
    shift = await roster.add(interval=hours(1, 3))
    roster.advance_to(shift.interval.start_utc)
    real = roster.switch.set_rostered_standby

    async def cancelled_meanwhile(user_id: UserId, on: bool, language: str) -> None:
        # Another node cancels and switches off just as this one switches on.
        if on:
            async with roster.db.transaction() as session:
                await session.execute(
                    update(StandbyShiftRow).where(StandbyShiftRow.id == shift.id).values(cancelled=True)
                )
        await real(user_id, on, language)

    roster.switch.set_rostered_standby = cancelled_meanwhile  # type: ignore[method-assign]
    await roster.service.shift_started(shift.id)
    assert not roster.switch.on(roster.world.id("ps.male"))


# Reading the roster


def ids(found: list[StandbyShift]) -> list[str]:
    return [shift.id for shift in found]


@BOTH_DATABASES
async def test_shifts_are_listed_by_window_language_and_interpreter(roster: Roster) -> None:
    morning = await roster.add("ps.male", hours(1, 4), PS_AF)
    evening = await roster.add("ps.female", hours(10, 14), PS)
    arabic = await roster.add("ar.male", hours(2, 3), LanguageTag.parse("ar"))
    gone = await roster.add("fa.iran", hours(2, 3), LanguageTag.parse("fa"))
    await roster.service.cancel_shift(gone.id)
    assert ids(await roster.service.shifts(hours(0, 24))) == [morning.id, arabic.id, evening.id]
    assert ids(await roster.service.shifts(hours(4, 10))) == []  # both edges are open
    assert ids(await roster.service.shifts(hours(0, 24), PS)) == [morning.id, evening.id]
    assert ids(await roster.service.shifts(hours(0, 24), PS_AF)) == [morning.id, evening.id]
    assert ids(await roster.service.shifts(hours(0, 24), LanguageTag.parse("ps-PK"))) == [evening.id]
    assert ids(await roster.service.shifts(hours(0, 24), interpreter_id=roster.world.id("ps.female"))) == [
        evening.id
    ]


@BOTH_DATABASES
async def test_an_authoritys_listing_holds_only_its_interpreters(roster: Roster) -> None:
    ours = await roster.add("ar.male", hours(1, 2), LanguageTag.parse("ar"))
    await roster.add("ps.only.b", hours(1, 2))
    found = await roster.service.shifts(hours(0, 24), serving=roster.world.office_a)
    assert [s.id for s in found] == [ours.id]


async def test_a_listing_spans_at_most_92_days(roster: Roster) -> None:
    with pytest.raises(InvalidInput, match="92 days"):
        await roster.service.shifts(hours(0, 24 * 93))


async def test_on_shift_includes_the_start_and_excludes_the_end(roster: Roster) -> None:
    shift = await roster.add(interval=hours(2, 6))
    uid = roster.world.id("ps.male")
    assert not await roster.service.on_shift(uid, hours(1, 2).start_utc)
    assert await roster.service.on_shift(uid, shift.interval.start_utc)
    assert await roster.service.on_shift(uid, hours(5, 6).start_utc)
    assert not await roster.service.on_shift(uid, shift.interval.end_utc)
    await roster.service.cancel_shift(shift.id)
    assert not await roster.service.on_shift(uid, shift.interval.start_utc)


# Parsing and access


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-02", datetime(2026, 3, 2, tzinfo=UTC)),
        ("2026-03-02T10:00Z", datetime(2026, 3, 2, 10, tzinfo=UTC)),
        ("2026-03-02T10:00:30+01:00", datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)),
    ],
)
def test_instants_are_dates_or_date_times_with_an_offset(raw: str, expected: datetime) -> None:
    assert parse_instant(raw, "from") == expected


@pytest.mark.parametrize(
    "raw", [None, "", "2026-03-02T10:00", "2026-02-30", "yesterday", "2026-03-02 10:00Z", "1700000000"]
)
def test_other_instants_are_refused(raw: str | None) -> None:
    with pytest.raises(InvalidInput, match="from"):
        parse_instant(raw, "from")


async def test_only_coordinators_manage_rosters(roster: Roster, services: Services) -> None:
    async def scope(name: str) -> object:
        who = await services.accounts.principal(roster.world.id(name))
        assert who is not None
        return roster_scope(who)

    assert await scope("coord") is None
    assert await scope("coord.a") == roster.world.office_a
    for name in ("cw.a", "ps.male"):
        with pytest.raises(Forbidden):
            await scope(name)
