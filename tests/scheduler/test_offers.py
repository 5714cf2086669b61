"""The booking engine: who a booking is offered to, and what happens when they decline, withdraw or wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.errors import Conflict
from core.ids import UserId
from core.interpreters import Accreditation, Attribute, Gender, Specialisation, WorkingLanguage
from core.languages import LanguageTag
from core.models import BookingOfferRow, BookingRow, InterpreterAssignmentRow
from scheduler.availability import Availability, DateOverride, OverrideKind, Weekday, WeeklySlot
from scheduler.booking_access import InterpreterUnsuitable
from scheduler.booking_states import BookingState
from scheduler.booking_types import Leg
from scheduler.intervals import Interval
from scheduler.offers import OFFER_EXPIRY
from scheduler.rosters import NoStandbySwitch, RosterService
from scheduler.timers import RecordingTimers
from tests.support.booking_world import COORDINATOR, OFFICE, BookingWorld, at, booking_world
from tests.support.external import fresh_postgres_database
from tests.support.rows import count_rows


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def either_world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BookingWorld]:
    """The engine on SQLite and on the real PostgreSQL: for what depends on the database's locking."""
    if request.param == "sqlite":
        async with booking_world(f"sqlite+aiosqlite:///{tmp_path / 'offers.sqlite3'}") as w:
            yield w
        return
    async with fresh_postgres_database() as url, booking_world(url) as w:
        yield w


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[BookingWorld]:
    async with booking_world(f"sqlite+aiosqlite:///{tmp_path / 'offers.sqlite3'}") as w:
        yield w


async def test_a_new_booking_is_offered_at_once_by_fair_rotation(world: BookingWorld) -> None:
    busy = await world.interpreter("busy")
    idle = await world.interpreter("idle")
    earlier = await world.book(at(8), 60)
    assert earlier.interpreter_id == "busy"  # equal loads: the id decides, always the same way
    await world.engine.accept(earlier.id, busy, None)

    booking = await world.book(at(14), 60)

    assert booking.state is BookingState.OFFERED
    assert booking.interpreter_id == idle  # fewest minutes booked this week
    assert booking.explanation is not None
    assert booking.explanation["mode"] == "direct"
    rotation = [p for p in booking.explanation["preferences"] if p["preference"] == "fair_rotation"]
    assert rotation[0]["resolution"] == "applied"
    assert world.timers.due[(OFFER_EXPIRY, booking.id)] == world.clock.now() + timedelta(hours=2)


async def test_hard_constraints_are_never_relaxed(world: BookingWorld) -> None:
    await world.interpreter("male", gender=Gender.MALE, specialisations=[Specialisation.MEDICAL])
    await world.interpreter("trained", accreditation=Accreditation.TRAINED)
    await world.interpreter("compatriot", conflicts=[Attribute("nationality", "af")])
    await world.interpreter("elsewhere", organisations=[])
    await world.interpreter("struck-off")
    await world.exclusions.replace(OFFICE, [UserId("struck-off")])

    booking = await world.book(
        at(9),
        gender="female",
        min_accreditation="certified",
        applicant_attributes=[{"key": "Nationality", "value": "AF"}],
    )

    assert booking.state is BookingState.REQUESTED
    assert booking.interpreter_id is None
    assert booking.explanation is not None
    assert booking.explanation["mode"] == "none"
    assert await count_rows(world.db, InterpreterAssignmentRow) == 0


async def test_the_preferred_interpreter_is_offered_first_or_the_preference_is_relaxed(
    world: BookingWorld,
) -> None:
    await world.interpreter("a")
    favourite = await world.interpreter("z")
    await world.interpreter("male", gender=Gender.MALE)

    honoured = await world.book(at(9), preferred_interpreter="z")
    relaxed = await world.book(at(12), preferred_interpreter="male", gender="female")

    assert honoured.interpreter_id == favourite
    assert relaxed.interpreter_id == "a"
    assert relaxed.explanation is not None
    preferred = [p for p in relaxed.explanation["preferences"] if p["preference"] == "preferred_interpreter"]
    assert preferred[0]["resolution"] == "relaxed"
    assert "gender" in preferred[0]["reason"]


async def test_a_decline_offers_the_booking_to_the_next_and_never_back(either_world: BookingWorld) -> None:
    first = await either_world.interpreter("a")
    second = await either_world.interpreter("b")
    booking = await either_world.book(at(9))
    assert booking.interpreter_id == first

    after_first = await either_world.engine.decline(booking.id, first)
    assert after_first.interpreter_id == second
    after_second = await either_world.engine.decline(booking.id, second)

    assert after_second.state is BookingState.REQUESTED
    assert after_second.interpreter_id is None
    assert await either_world.held() == []
    assert await either_world.bookings.refused_by(booking.id) == {first, second}


async def test_a_stranger_cannot_decline_and_nothing_changes(world: BookingWorld) -> None:
    await world.interpreter("a")
    other = await world.interpreter("b")
    booking = await world.book(at(9))
    before = await world.held()

    with pytest.raises(Conflict):
        await world.engine.decline(booking.id, other)

    assert await world.held() == before
    assert (await world.bookings.get(booking.id)).version == booking.version


async def test_an_unanswered_offer_expires_and_goes_to_the_next(world: BookingWorld) -> None:
    first = await world.interpreter("a")
    second = await world.interpreter("b")
    booking = await world.book(at(9))

    await world.engine.expire(booking.id)  # too early: nothing happens
    assert (await world.bookings.get(booking.id)).interpreter_id == first
    world.clock.advance(timedelta(hours=2).total_seconds())
    await world.engine.expire(booking.id)
    await world.engine.expire(booking.id)  # a second run of the same job changes nothing more

    now = await world.bookings.get(booking.id)
    assert now.interpreter_id == second
    assert await world.bookings.refused_by(booking.id) == {first}
    assert (OFFER_EXPIRY, booking.id) in world.timers.due


async def test_an_offer_expires_before_the_booking_starts(world: BookingWorld) -> None:
    await world.interpreter("a")
    soon = world.clock.now() + timedelta(minutes=30)
    booking = await world.book(soon)
    assert world.timers.due[(OFFER_EXPIRY, booking.id)] == soon


async def test_accepting_confirms_and_schedules_the_timed_work(world: BookingWorld) -> None:
    interpreter = await world.interpreter("a")
    booking = await world.book(at(9))

    confirmed = await world.engine.accept(booking.id, interpreter, booking.version)

    assert confirmed.state is BookingState.CONFIRMED
    assert (OFFER_EXPIRY, booking.id) not in world.timers.due
    assert world.timers.due[("reminder_86400", booking.id)] == at(9) - timedelta(hours=24)
    assert world.timers.due[("reminder_900", booking.id)] == at(9) - timedelta(minutes=15)
    assert world.timers.due[("room_open", booking.id)] == at(9)
    assert world.timers.due[("no_show_check", booking.id)] == at(9, 15)
    assert world.timers.due[("booking_end", booking.id)] == at(10)


async def test_two_simultaneous_accepts_give_one_winner(either_world: BookingWorld) -> None:
    interpreter = await either_world.interpreter("a")
    booking = await either_world.book(at(9))

    results = await asyncio.gather(
        either_world.engine.accept(booking.id, interpreter, booking.version),
        either_world.engine.accept(booking.id, interpreter, booking.version),
        return_exceptions=True,
    )

    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert (await either_world.bookings.get(booking.id)).state is BookingState.CONFIRMED


async def test_a_withdrawal_reassigns_and_cancels_the_timed_work(world: BookingWorld) -> None:
    first = await world.interpreter("a")
    second = await world.interpreter("b")
    booking = await world.book(at(9))
    await world.engine.accept(booking.id, first, None)

    reoffered = await world.engine.withdraw(booking.id, first)

    assert reoffered.state is BookingState.OFFERED
    assert reoffered.interpreter_id == second
    assert ("room_open", booking.id) not in world.timers.due
    assert [h[0] for h in await world.held()] == [second]


async def test_cancelling_frees_the_time_and_the_timers(world: BookingWorld) -> None:
    interpreter = await world.interpreter("a")
    booking = await world.book(at(9))
    await world.engine.accept(booking.id, interpreter, None)

    cancelled = await world.engine.cancel(booking.id)

    assert cancelled.state is BookingState.CANCELLED
    assert await world.held() == []
    assert [k for k in world.timers.due if k[1] == booking.id] == []


async def test_relay_through_a_pivot_when_nobody_covers_the_pair(world: BookingWorld) -> None:
    to_pivot = await world.interpreter("pashto-english", "ps-AF", "en")
    from_pivot = await world.interpreter("english-macedonian", "en", "mk")

    booking = await world.book(at(9), counterpart_language="mk")

    assert booking.state is BookingState.OFFERED
    assert booking.pivot_language is not None
    assert booking.pivot_language.tag == "en"
    assert (booking.interpreter_id, booking.relay_interpreter_id) == (to_pivot, from_pivot)
    assert booking.explanation is not None
    assert booking.explanation["mode"] == "relay"
    legs = [(o.interpreter_id, o.leg) for o in await world.bookings.open_offers(booking.id)]
    assert legs == [(to_pivot, Leg.TO_PIVOT), (from_pivot, Leg.FROM_PIVOT)]

    half = await world.engine.accept(booking.id, to_pivot, None)
    assert half.state is BookingState.OFFERED  # the other leg has not answered
    whole = await world.engine.accept(booking.id, from_pivot, None)
    assert whole.state is BookingState.CONFIRMED


async def test_a_direct_interpreter_is_preferred_to_a_relay(world: BookingWorld) -> None:
    await world.interpreter("pashto-english", "ps-AF", "en")
    await world.interpreter("english-macedonian", "en", "mk")
    direct = await world.interpreter("pashto-macedonian", "ps-AF", "mk")

    booking = await world.book(at(9), counterpart_language="mk")

    assert booking.interpreter_id == direct
    assert booking.pivot_language is None


async def test_a_relay_is_all_or_nothing(either_world: BookingWorld) -> None:
    to_pivot = await either_world.interpreter("pashto-english", "ps-AF", "en")
    from_pivot = await either_world.interpreter("english-macedonian", "en", "mk")
    relay = await either_world.book(at(9), counterpart_language="mk")

    after = await either_world.engine.decline(relay.id, from_pivot)

    # One leg declined: the whole round closed, the other leg's time freed, and nobody else can relay.
    assert after.state is BookingState.REQUESTED
    assert await either_world.held() == []
    assert to_pivot not in await either_world.bookings.refused_by(relay.id)


async def test_a_relay_leg_that_cannot_be_held_holds_nothing(world: BookingWorld) -> None:
    await world.interpreter("pashto-english", "ps-AF", "en")
    from_pivot = await world.interpreter("english-macedonian", "en", "mk")
    blocker = await world.book(at(9), language="mk")  # takes the only en-mk interpreter's time
    assert blocker.interpreter_id == from_pivot

    relay = await world.book(at(9), counterpart_language="mk")

    assert relay.state is BookingState.REQUESTED
    assert [h[1] for h in await world.held()] == [blocker.id]


async def test_only_available_or_rostered_interpreters_are_offered(world: BookingWorld) -> None:
    mornings = Availability("Europe/Belgrade", (WeeklySlot(Weekday.TUESDAY, time(8), time(12)),))
    holiday = Availability(
        "Europe/Belgrade",
        (WeeklySlot(Weekday.TUESDAY, time(0), time(23)),),
        (DateOverride(at(0).date(), OverrideKind.UNAVAILABLE),),
    )
    await world.interpreter("on-holiday", hours=holiday)
    morning = await world.interpreter("mornings", hours=mornings)

    in_hours = await world.book(at(8), 60)  # 09:00 Belgrade (CET), inside 08-12
    out_of_hours = await world.book(at(12), 60)  # 13:00 Belgrade

    assert in_hours.interpreter_id == morning
    assert out_of_hours.state is BookingState.REQUESTED


async def test_the_daily_cap_and_the_longest_stretch_are_enforced(world: BookingWorld) -> None:
    tired = await world.interpreter("tired")
    for start in (6, 9, 12):  # three 2 h bookings, each separated by a rest of an hour: 6 h that day
        booking = await world.book(at(start), 120)
        assert booking.interpreter_id == tired
    over_cap = await world.book(at(16), 30)
    assert over_cap.state is BookingState.REQUESTED

    fresh = await world.interpreter("fresh")
    long = await world.book(at(9, 0, day=at(24)), 180)  # the next day: 3 h, the longest stretch allowed
    assert long.interpreter_id in (tired, fresh)
    holder = long.interpreter_id
    too_long = await world.book(at(12, 15, day=at(24)), 60)  # 15 min later: would make a 4 h stretch
    assert too_long.interpreter_id != holder


async def test_a_coordinator_assigns_by_hand_under_the_same_hard_rules(world: BookingWorld) -> None:
    female = await world.interpreter("f")
    male = await world.interpreter("m", gender=Gender.MALE)
    booking = await world.book(at(9), gender="female")
    assert booking.interpreter_id == female
    before = await world.held()

    with pytest.raises(InterpreterUnsuitable, match="gender"):
        await world.engine.assign_by_hand(booking.id, male)
    assert await world.held() == before

    other_female = await world.interpreter("g")
    reassigned = await world.engine.assign_by_hand(booking.id, other_female)
    assert reassigned.interpreter_id == other_female
    assert [h[0] for h in await world.held()] == [other_female]
    assert reassigned.explanation == {"mode": "manual", "matched_at": world.clock.now().isoformat()}


async def test_fifty_concurrent_bookings_of_overlapping_slots_hold_one_interpreter_once(
    either_world: BookingWorld,
) -> None:
    only = await either_world.interpreter("only")
    starts = [at(9, 0) + timedelta(minutes=m) for m in range(0, 50)]

    made = await asyncio.gather(*(either_world.book(s, 45) for s in starts))

    held = await either_world.held()
    assert len(held) == 1
    assert held[0][0] == only
    assert sum(b.state is BookingState.OFFERED for b in made) == 1
    assert await count_rows(either_world.db, BookingRow) == 50
    assert await count_rows(either_world.db, BookingOfferRow) == 1


async def test_an_interpreter_in_belgrade_is_matched_across_the_spring_change_for_istanbul(
    world: BookingWorld,
) -> None:
    # Weekdays 09:00-12:00 in Belgrade; the caseworker books 10:00 Istanbul time (UTC+3 all year).
    # Friday 27 March 2026, 10:00 Istanbul = 07:00 UTC = 08:00 in Belgrade (CET): outside the hours.
    # Monday 30 March 2026, 10:00 Istanbul = 07:00 UTC = 09:00 in Belgrade (CEST since the 29th): inside.
    weekdays = Availability(
        "Europe/Belgrade", tuple(WeeklySlot(Weekday(d), time(9), time(12)) for d in range(5))
    )
    interpreter = await world.interpreter("belgrade", hours=weekdays)
    istanbul = ZoneInfo("Europe/Istanbul")

    before = await world.book(datetime(2026, 3, 27, 10, 0, tzinfo=istanbul), 60)
    after = await world.book(datetime(2026, 3, 30, 10, 0, tzinfo=istanbul), 60)

    assert before.state is BookingState.REQUESTED
    assert after.interpreter_id == interpreter
    assert after.interval.start_utc == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


async def test_and_across_the_autumn_change(world: BookingWorld) -> None:
    # Friday 23 October 2026, 12:30 Istanbul = 09:30 UTC = 11:30 in Belgrade (CEST): inside 09-12.
    # Monday 26 October 2026, 12:30 Istanbul = 09:30 UTC = 10:30 in Belgrade (CET since the 25th): inside,
    # but 14:30 Istanbul = 11:30 UTC = 12:30 Belgrade: outside.
    weekdays = Availability(
        "Europe/Belgrade", tuple(WeeklySlot(Weekday(d), time(9), time(12)) for d in range(5))
    )
    interpreter = await world.interpreter("belgrade", hours=weekdays)
    istanbul = ZoneInfo("Europe/Istanbul")

    friday = await world.book(datetime(2026, 10, 23, 12, 30, tzinfo=istanbul), 30)
    monday = await world.book(datetime(2026, 10, 26, 12, 30, tzinfo=istanbul), 30)
    too_late = await world.book(datetime(2026, 10, 26, 14, 30, tzinfo=istanbul), 30)

    assert friday.interpreter_id == interpreter
    assert monday.interpreter_id == interpreter
    assert too_late.state is BookingState.REQUESTED


async def test_every_change_to_matching_facts_is_seen_by_the_very_next_match(world: BookingWorld) -> None:
    # The matcher keeps facts in memory per node; changes made through other services (as on other
    # nodes) move the matching version on, so none is ever matched on stale facts.
    interpreter = await world.interpreter("a")
    assert (await world.book(at(8), 30)).interpreter_id == interpreter  # the facts are now cached

    await world.directory.set_profile(
        interpreter, Gender.MALE, [WorkingLanguage(LanguageTag.parse("ps-AF"))], [OFFICE]
    )
    assert (await world.book(at(10), 30, gender="female")).state is BookingState.REQUESTED

    await world.exclusions.replace(OFFICE, [interpreter])
    assert (await world.book(at(12), 30)).state is BookingState.REQUESTED

    await world.exclusions.replace(OFFICE, [])
    await world.availability.put(
        interpreter, Availability("UTC", (WeeklySlot(Weekday.MONDAY, time(8), time(9)),))
    )
    assert (await world.book(at(14), 30)).state is BookingState.REQUESTED  # a Tuesday: no hours now


async def test_a_standby_shift_makes_an_interpreter_bookable_outside_their_hours(world: BookingWorld) -> None:
    mornings = Availability("UTC", (WeeklySlot(Weekday.TUESDAY, time(8), time(9)),))
    interpreter = await world.interpreter("rostered", hours=mornings)
    assert (await world.book(at(8), 30)).interpreter_id == interpreter  # facts cached from here on
    rosters = RosterService(world.db, world.clock, RecordingTimers(), NoStandbySwitch())

    await rosters.add_shift(interpreter, LanguageTag.parse("ps"), Interval(at(13), at(17)), COORDINATOR)

    assert (await world.book(at(14), 60)).interpreter_id == interpreter
    assert (await world.book(at(17), 60)).state is BookingState.REQUESTED  # after the shift
