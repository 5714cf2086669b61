"""The timed effects around a confirmed booking, fired by hand as the scheduler would fire them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.models import NotificationRow
from scheduler.booking_jobs import BOOKING_END, NO_SHOW_CHECK, ROOM_GRACE, ROOM_OPEN
from scheduler.booking_states import BookingState
from scheduler.booking_types import Booking
from tests.support.booking_world import CASEWORKER, BookingWorld, at, booking_world
from tests.support.rows import count_rows


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[BookingWorld]:
    async with booking_world(f"sqlite+aiosqlite:///{tmp_path / 'jobs.sqlite3'}") as w:
        yield w


async def confirmed(world: BookingWorld) -> Booking:
    interpreter = await world.interpreter("a")
    booking = await world.book(at(9))
    return await world.engine.accept(booking.id, interpreter, None)


async def test_every_kind_states_its_misfire_policy(world: BookingWorld) -> None:
    policies = world.jobs.policies()
    assert policies["reminder_900"].grace == timedelta(minutes=15)  # useless after the start
    assert policies["reminder_86400"].grace == timedelta(hours=24)
    assert policies[ROOM_OPEN].grace == ROOM_GRACE
    assert policies[NO_SHOW_CHECK].grace is None  # the record is made however late
    assert policies[BOOKING_END].grace is None
    assert set(policies) == set(world.jobs.effects())


async def test_a_reminder_reaches_both_sides_once(world: BookingWorld) -> None:
    booking = await confirmed(world)
    sent_on_confirming = await count_rows(world.db, NotificationRow)
    world.clock.advance((at(9) - timedelta(minutes=15) - world.clock.now()).total_seconds())

    await world.jobs.remind(booking.id, timedelta(minutes=15))
    await world.jobs.remind(booking.id, timedelta(minutes=15))  # a second run (another node, a retry)

    assert await count_rows(world.db, NotificationRow) == sent_on_confirming + 2
    kinds = [n.kind for n in await world.notifications.for_user(CASEWORKER)]
    assert kinds.count("reminder_900") == 1
    body = (await world.notifications.for_user(CASEWORKER))[0].body
    assert body == {
        "booking_id": booking.id,
        "start": at(9).isoformat(),
        "end": at(10).isoformat(),
        "language": "ps-AF",
        "modality": "video",
    }


async def test_no_reminder_for_a_cancelled_booking_or_after_the_start(world: BookingWorld) -> None:
    booking = await confirmed(world)
    before = await count_rows(world.db, NotificationRow)
    await world.engine.cancel(booking.id)
    await world.jobs.remind(booking.id, timedelta(minutes=15))

    late = await confirmed_at(world, 12)
    world.clock.advance((at(12, 1) - world.clock.now()).total_seconds())
    await world.jobs.remind(late.id, timedelta(minutes=15))

    assert await count_rows(world.db, NotificationRow) == before + 2  # only the second confirmation's


async def confirmed_at(world: BookingWorld, hour: int) -> Booking:
    booking = await world.book(at(hour))
    assert booking.interpreter_id is not None
    return await world.engine.accept(booking.id, booking.interpreter_id, None)


async def test_the_room_opens_at_the_start_for_a_confirmed_booking_only(world: BookingWorld) -> None:
    booking = await confirmed(world)
    world.clock.advance((at(9) - world.clock.now()).total_seconds())

    await world.jobs.open_room(booking.id)

    assert world.rooms.opened == [booking.id]
    await world.engine.cancel(booking.id)
    await world.jobs.open_room(booking.id)
    assert world.rooms.opened == [booking.id]


async def test_someone_absent_after_the_grace_period_makes_a_no_show(world: BookingWorld) -> None:
    booking = await confirmed(world)
    world.rooms.present[booking.id] = frozenset({CASEWORKER})  # the interpreter never came
    world.clock.advance((at(9, 15) - world.clock.now()).total_seconds())

    await world.jobs.check_attendance(booking.id)
    await world.jobs.check_attendance(booking.id)

    assert (await world.bookings.get(booking.id)).state is BookingState.NO_SHOW
    no_shows = [n for n in await world.notifications.for_user(CASEWORKER) if n.kind == "no_show"]
    assert [n.body["absent"] for n in no_shows] == ["interpreter"]


async def test_both_present_then_the_end_completes_the_booking(world: BookingWorld) -> None:
    booking = await confirmed(world)
    assert booking.interpreter_id is not None
    world.rooms.present[booking.id] = frozenset({CASEWORKER, booking.interpreter_id})

    await world.jobs.check_attendance(booking.id)
    assert (await world.bookings.get(booking.id)).state is BookingState.CONFIRMED
    await world.jobs.end(booking.id)
    await world.jobs.end(booking.id)

    assert (await world.bookings.get(booking.id)).state is BookingState.COMPLETED


async def confirmed_relay(world: BookingWorld) -> Booking:
    """A relay through English, both legs accepted: Pashto-English, then English-Macedonian."""
    to_pivot = await world.interpreter("pashto-english", "ps-AF", "en")
    from_pivot = await world.interpreter("english-macedonian", "en", "mk")
    booking = await world.book(at(9), counterpart_language="mk")
    assert (booking.interpreter_id, booking.relay_interpreter_id) == (to_pivot, from_pivot)
    await world.engine.accept(booking.id, to_pivot, None)
    relay = await world.engine.accept(booking.id, from_pivot, None)
    assert relay.state is BookingState.CONFIRMED
    return relay


async def test_a_relay_bookings_room_opens_and_all_three_are_told(world: BookingWorld) -> None:
    booking = await confirmed_relay(world)
    world.clock.advance((at(9) - world.clock.now()).total_seconds())

    await world.jobs.open_room(booking.id)

    assert world.rooms.opened == [booking.id]
    for person in (CASEWORKER, *booking.interpreters):
        kinds = [n.kind for n in await world.notifications.for_user(person)]
        assert kinds.count(ROOM_OPEN) == 1, person


@pytest.mark.parametrize(
    ("came", "absent"),
    [
        pytest.param(("caseworker", "interpreter"), "relay_interpreter", id="from-pivot-leg-missing"),
        pytest.param(("caseworker", "relay_interpreter"), "interpreter", id="to-pivot-leg-missing"),
        pytest.param(("caseworker",), "interpreter,relay_interpreter", id="both-legs-missing"),
        pytest.param(("interpreter", "relay_interpreter"), "caseworker", id="caseworker-missing"),
    ],
)
async def test_a_relay_is_a_no_show_when_anyone_of_the_three_never_came(
    world: BookingWorld, came: tuple[str, ...], absent: str
) -> None:
    booking = await confirmed_relay(world)
    seats = {
        "caseworker": CASEWORKER,
        "interpreter": booking.interpreter_id,
        "relay_interpreter": booking.relay_interpreter_id,
    }
    world.rooms.present[booking.id] = frozenset(seats[s] for s in came if seats[s] is not None)
    world.clock.advance((at(9, 15) - world.clock.now()).total_seconds())

    await world.jobs.check_attendance(booking.id)
    await world.jobs.check_attendance(booking.id)  # a second run changes nothing

    assert (await world.bookings.get(booking.id)).state is BookingState.NO_SHOW
    no_shows = [n for n in await world.notifications.for_user(CASEWORKER) if n.kind == "no_show"]
    assert [n.body["absent"] for n in no_shows] == [absent]
    for interpreter in booking.interpreters:  # the caseworker is told, as for a two-party booking
        assert "no_show" not in [n.kind for n in await world.notifications.for_user(interpreter)]


async def test_a_relay_attended_by_all_three_is_no_no_show_and_completes(world: BookingWorld) -> None:
    booking = await confirmed_relay(world)
    world.rooms.present[booking.id] = frozenset({CASEWORKER, *booking.interpreters})
    before = await count_rows(world.db, NotificationRow)

    await world.jobs.check_attendance(booking.id)
    assert (await world.bookings.get(booking.id)).state is BookingState.CONFIRMED
    assert await count_rows(world.db, NotificationRow) == before
    await world.jobs.end(booking.id)

    assert (await world.bookings.get(booking.id)).state is BookingState.COMPLETED
