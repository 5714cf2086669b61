"""Bookings on SQLite and on the real PostgreSQL: idempotent, compare-and-set, and never a double booking."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError

from core.clock import FakeClock
from core.db import Database
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.ids import UserId
from core.migrate import upgrade
from core.models import BookingRow, InterpreterAssignmentRow
from scheduler.booking_states import HOLDS_SLOT, BookingState
from scheduler.bookings import (
    Booking,
    BookingService,
    IdempotencyKeyReused,
    SlotTaken,
)
from tests.support.booking_rows import (
    CASEWORKER,
    ELSEWHERE_CASEWORKER,
    INT1,
    INT2,
    INTERPRETERS,
    NOW,
    OFFICE,
    OTHER_CASEWORKER,
    active_rows,
    at,
    request,
    seed,
    snapshot,
)
from tests.support.external import fresh_postgres_database

# -- creating ------------------------------------------------------------------------------------


async def test_a_new_booking_is_requested_and_kept_in_utc(bookings: BookingService) -> None:
    cest = timezone(timedelta(hours=2))
    made = await bookings.create(request(datetime(2026, 3, 3, 11, 0, tzinfo=cest)))
    assert made.state is BookingState.REQUESTED
    assert (made.version, made.interpreter_id, made.created_at) == (1, None, NOW)
    assert made.interval.start_utc == at(9)
    assert made.language.tag == "ps-AF"
    assert await bookings.get(made.id) == made


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda: request(at(10), at(9)), id="end-before-start"),
        pytest.param(lambda: request(at(9), at(9)), id="empty"),
        pytest.param(lambda: request(datetime(2026, 3, 3, 9), datetime(2026, 3, 3, 10)), id="naive"),
        pytest.param(lambda: request(language="xx-notalanguage"), id="unknown-language"),
        pytest.param(lambda: request(language="qaa-zz-123456789"), id="malformed-language"),
        pytest.param(lambda: request(modality="telepathy"), id="unknown-modality"),
    ],
)
async def test_a_malformed_request_is_refused(bad: Any, bookings: BookingService, db: Database) -> None:
    before = await snapshot(db)
    with pytest.raises(InvalidInput):
        await bookings.create(bad())
    assert await snapshot(db) == before


async def test_a_booking_in_the_past_is_refused_and_changes_nothing(
    bookings: BookingService, db: Database, clock: FakeClock
) -> None:
    before = await snapshot(db)
    with pytest.raises(InvalidInput, match="past"):
        await bookings.create(request(NOW - timedelta(minutes=1)))
    clock.advance(timedelta(days=1, hours=9, seconds=1).total_seconds())
    with pytest.raises(InvalidInput, match="past"):
        await bookings.create(request(at(9)), "late")
    assert await snapshot(db) == before


async def test_a_caseworker_cannot_book_for_another_organisation(
    bookings: BookingService, db: Database
) -> None:
    before = await snapshot(db)
    with pytest.raises(InvalidInput):
        await bookings.create(request(caseworker=ELSEWHERE_CASEWORKER, organisation=OFFICE))
    assert await snapshot(db) == before


# -- idempotency ---------------------------------------------------------------------------------


async def test_the_same_key_and_request_give_the_same_booking(bookings: BookingService, db: Database) -> None:
    first = await bookings.create(request(), "key-1")
    again = await bookings.create(request(), "key-1")
    assert again == first
    assert len((await snapshot(db))[0]) == 1


async def test_the_same_key_for_another_request_is_a_conflict_and_changes_nothing(
    bookings: BookingService, db: Database
) -> None:
    await bookings.create(request(), "key-1")
    before = await snapshot(db)
    with pytest.raises(IdempotencyKeyReused) as refused:
        await bookings.create(request(at(10)), "key-1")
    assert isinstance(refused.value, Conflict)
    assert await snapshot(db) == before


async def test_keys_belong_to_one_caseworker(bookings: BookingService) -> None:
    mine = await bookings.create(request(), "key-1")
    theirs = await bookings.create(request(caseworker=OTHER_CASEWORKER), "key-1")
    assert mine.id != theirs.id


async def test_concurrent_creates_with_one_key_make_one_booking(
    bookings: BookingService, db: Database
) -> None:
    made = await asyncio.gather(*(bookings.create(request(), "burst") for _ in range(20)))
    assert {b.id for b in made} == {made[0].id}
    assert len((await snapshot(db))[0]) == 1


async def test_a_malformed_key_is_refused(bookings: BookingService, db: Database) -> None:
    before = await snapshot(db)
    for key in ("", "x" * 256, "tab\there"):
        with pytest.raises(InvalidInput):
            await bookings.create(request(), key)
    assert await snapshot(db) == before


# -- no double booking ---------------------------------------------------------------------------


async def test_fifty_concurrent_assigns_of_overlapping_slots_leave_one_assignment(
    bookings: BookingService, db: Database
) -> None:
    # Each starts a minute after the one before and lasts an hour: every pair overlaps, none is identical.
    made = [await bookings.create(request(at(9, i))) for i in range(50)]
    results = await asyncio.gather(*(bookings.assign(b.id, INT1) for b in made), return_exceptions=True)

    won = [r for r in results if isinstance(r, Booking)]
    lost = [r for r in results if not isinstance(r, Booking)]
    assert len(won) == 1
    assert all(isinstance(r, SlotTaken) for r in lost), lost
    held = await active_rows(db)
    assert [(i, b) for i, b, _, _ in held] == [(INT1, won[0].id)]
    for b in made:
        stored = await bookings.get(b.id)
        if b.id == won[0].id:
            assert (stored.state, stored.interpreter_id, stored.version) == (BookingState.OFFERED, INT1, 2)
        else:
            assert stored == b  # untouched


async def test_a_taken_slot_is_refused_and_changes_nothing(bookings: BookingService, db: Database) -> None:
    first = await bookings.create(request(at(9), at(10)))
    second = await bookings.create(request(at(9, 30), at(10, 30)))
    await bookings.assign(first.id, INT1)
    before = await snapshot(db)
    with pytest.raises(SlotTaken):
        await bookings.assign(second.id, INT1)
    assert await snapshot(db) == before
    assert (await bookings.assign(second.id, INT2)).interpreter_id == INT2  # someone else is free


async def test_back_to_back_bookings_do_not_overlap(bookings: BookingService, db: Database) -> None:
    nine = await bookings.create(request(at(9), at(10)))
    ten = await bookings.create(request(at(10), at(11)))
    await bookings.assign(nine.id, INT1)
    await bookings.assign(ten.id, INT1)
    assert [b for _, b, _, _ in await active_rows(db)] == [nine.id, ten.id]


async def test_a_buffer_keeps_bookings_apart(db: Database, clock: FakeClock) -> None:
    buffered = BookingService(db, clock, buffer=timedelta(minutes=15))
    nine = await buffered.create(request(at(9), at(10)))
    ten = await buffered.create(request(at(10), at(11)))
    quarter_past = await buffered.create(request(at(10, 15), at(11)))
    early = await buffered.create(request(at(7, 45), at(8, 46)))
    await buffered.assign(nine.id, INT1)
    before = await snapshot(db)
    for too_close in (ten, early):
        with pytest.raises(SlotTaken):
            await buffered.assign(too_close.id, INT1)
    assert await snapshot(db) == before
    await buffered.assign(quarter_past.id, INT1)  # exactly the buffer apart is allowed


async def test_a_negative_buffer_is_refused(db: Database, clock: FakeClock) -> None:
    with pytest.raises(InvalidInput):
        BookingService(db, clock, buffer=timedelta(minutes=-1))


async def test_cancelling_frees_the_slot(bookings: BookingService, db: Database) -> None:
    first = await bookings.create(request(at(9), at(10)))
    second = await bookings.create(request(at(9, 30), at(10, 30)))
    await bookings.assign(first.id, INT1)
    with pytest.raises(SlotTaken):
        await bookings.assign(second.id, INT1)

    cancelled = await bookings.cancel(first.id)
    assert cancelled.state is BookingState.CANCELLED
    assert await active_rows(db) == []
    assert (await bookings.assign(second.id, INT1)).state is BookingState.OFFERED


async def test_a_declined_offer_goes_back_to_requested_and_can_be_reassigned(
    bookings: BookingService, db: Database
) -> None:
    made = await bookings.create(request())
    await bookings.assign(made.id, INT1)
    released = await bookings.release(made.id)
    assert (released.state, released.interpreter_id, released.version) == (BookingState.REQUESTED, None, 3)
    assert await active_rows(db) == []
    reassigned = await bookings.assign(made.id, INT2)
    assert [(i, b) for i, b, _, _ in await active_rows(db)] == [(INT2, made.id)]
    assert reassigned.interpreter_id == INT2


async def test_an_assigned_booking_cannot_be_assigned_again(bookings: BookingService, db: Database) -> None:
    made = await bookings.create(request())
    await bookings.assign(made.id, INT1)
    before = await snapshot(db)
    with pytest.raises(Conflict):
        await bookings.assign(made.id, INT2)
    with pytest.raises(NotFound):
        await bookings.assign("nope", INT2)
    assert await snapshot(db) == before


async def test_only_interpreters_can_be_assigned(bookings: BookingService, db: Database) -> None:
    made = await bookings.create(request())
    before = await snapshot(db)
    for who in (CASEWORKER, UserId("nobody")):
        with pytest.raises(NotFound):
            await bookings.assign(made.id, who)
    assert await snapshot(db) == before


# -- accepting -----------------------------------------------------------------------------------


async def test_two_simultaneous_accepts_give_one_winner(bookings: BookingService, db: Database) -> None:
    offered = await bookings.assign((await bookings.create(request())).id, INT1)
    results = await asyncio.gather(
        bookings.accept(offered.id, INT1, offered.version),
        bookings.accept(offered.id, INT1, offered.version),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, Booking)]
    assert len(won) == 1
    assert [type(r) for r in results if not isinstance(r, Booking)] == [Conflict]
    stored = await bookings.get(offered.id)
    assert (stored.state, stored.version) == (BookingState.CONFIRMED, offered.version + 1)


async def test_a_stale_or_foreign_accept_changes_nothing(bookings: BookingService, db: Database) -> None:
    offered = await bookings.assign((await bookings.create(request())).id, INT1)
    before = await snapshot(db)
    with pytest.raises(Conflict):
        await bookings.accept(offered.id, INT1, offered.version - 1)
    with pytest.raises(Conflict):
        await bookings.accept(offered.id, INT2, offered.version)
    assert await snapshot(db) == before


async def test_a_confirmed_booking_finishes_and_keeps_its_time(
    bookings: BookingService, db: Database
) -> None:
    offered = await bookings.assign((await bookings.create(request())).id, INT1)
    await bookings.accept(offered.id, INT1, offered.version)
    done = await bookings.finish(offered.id, BookingState.COMPLETED)
    assert done.state is BookingState.COMPLETED
    assert len(await active_rows(db)) == 1
    before = await snapshot(db)
    with pytest.raises(Conflict):
        await bookings.cancel(offered.id)
    with pytest.raises(InvalidInput):
        await bookings.finish(offered.id, BookingState.CANCELLED)
    assert await snapshot(db) == before


# -- the database's own guarantee ------------------------------------------------------------------


@pytest.mark.postgres
async def test_postgresql_itself_refuses_overlapping_active_assignments(clock: FakeClock) -> None:
    async with fresh_postgres_database() as url:
        db = Database(url)
        try:
            await upgrade(db)
            await seed(db)
            await _write_overlapping_rows_directly(db, BookingService(db, clock))
        finally:
            await db.close()


async def _write_overlapping_rows_directly(db: Database, bookings: BookingService) -> None:
    first = await bookings.create(request(at(9), at(10)))
    second = await bookings.create(request(at(9, 30), at(10, 30)))
    insert = text(
        "INSERT INTO interpreter_assignments (booking_id, interpreter_id, start_at, end_at, active) "
        "VALUES (:b, :i, :s, :e, :a)"
    )
    async with db.transaction() as session:
        await session.execute(insert, {"b": first.id, "i": INT1, "s": at(9), "e": at(10), "a": True})
        await session.execute(
            insert, {"b": second.id, "i": INT1, "s": at(9, 30), "e": at(10, 30), "a": False}
        )
        await session.execute(insert, {"b": second.id, "i": INT2, "s": at(9, 30), "e": at(10, 30), "a": True})
        await session.execute(insert, {"b": second.id, "i": INT1, "s": at(10), "e": at(11), "a": True})
    with pytest.raises(IntegrityError, match="ex_interpreter_assignments_no_overlap"):
        async with db.transaction() as session:
            await session.execute(insert, {"b": second.id, "i": INT1, "s": at(9, 59), "e": at(11), "a": True})


# -- the property --------------------------------------------------------------------------------

_booking = st.integers(min_value=0, max_value=7)
_operations = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(0, 24), st.integers(1, 8)),
        st.tuples(st.just("assign"), _booking, st.sampled_from(INTERPRETERS)),
        st.tuples(st.just("accept"), _booking),
        st.tuples(st.just("release"), _booking),
        st.tuples(st.just("cancel"), _booking),
    ),
    max_size=30,
)


async def _run_operations(url: str, buffer_minutes: int, operations: list[tuple[Any, ...]]) -> None:
    db = Database(url)
    try:
        await upgrade(db)
        await seed(db)
        async with db.transaction() as session:
            await session.execute(delete(InterpreterAssignmentRow))
            await session.execute(delete(BookingRow))
        service = BookingService(db, FakeClock(NOW), timedelta(minutes=buffer_minutes))
        made: list[Booking] = []
        for op, *args in operations:
            try:
                if op == "create":
                    start = at(9) + timedelta(minutes=15 * args[0])
                    made.append(await service.create(request(start, start + timedelta(minutes=15 * args[1]))))
                elif made:
                    booking = made[args[0] % len(made)]
                    if op == "assign":
                        await service.assign(booking.id, args[1])
                    elif op == "accept":
                        current = await service.get(booking.id)
                        assert current.interpreter_id is not None or current.state != BookingState.OFFERED
                        await service.accept(booking.id, current.interpreter_id or INT1, current.version)
                    elif op == "release":
                        await service.release(booking.id)
                    else:
                        await service.cancel(booking.id)
            except DomainError:
                pass  # refused moves are part of the sequence; the invariant must hold regardless
        await _check_invariant(db, timedelta(minutes=buffer_minutes))
    finally:
        await db.close()


async def _check_invariant(db: Database, buffer: timedelta) -> None:
    held = await active_rows(db)
    for (i1, _, _, end1), (i2, _, start2, _) in itertools.pairwise(held):
        if i1 == i2:
            assert end1 + buffer <= start2, held
    by_booking = {b: i for i, b, _, _ in held}
    assert len(by_booking) == len(held)  # at most one active assignment per booking
    async with db.sessions() as session:
        rows = (await session.scalars(select(BookingRow))).all()
    for row in rows:
        holds = BookingState(row.state) in HOLDS_SLOT
        assert (row.id in by_booking) == holds
        assert by_booking.get(row.id) == (row.interpreter_id if holds else None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(buffer_minutes=st.sampled_from([0, 15]), operations=_operations)
def test_no_two_active_assignments_of_one_interpreter_ever_overlap(
    database_url: str, buffer_minutes: int, operations: list[tuple[Any, ...]]
) -> None:
    asyncio.run(_run_operations(database_url, buffer_minutes, operations))
