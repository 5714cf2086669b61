"""Group-committed booking writes: concurrent creations and holds share transactions, and each caller still
gets the answer it would have had alone (on SQLite and on the real PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from core.clock import FakeClock
from core.db import Database
from core.errors import Conflict, InvalidInput, NotFound
from core.migrate import upgrade
from scheduler.booking_states import BookingState
from scheduler.booking_types import Pick
from scheduler.bookings import Booking, BookingService, IdempotencyKeyReused, SlotTaken, WorkloadExceeded
from scheduler.workload import WorkloadLimits
from tests.support.booking_rows import (
    CASEWORKER,
    ELSEWHERE_CASEWORKER,
    INT1,
    INT2,
    NOW,
    active_rows,
    at,
    request,
    seed,
    snapshot,
)
from tests.support.external import fresh_postgres_database


@contextmanager
def counting_commits(db: Database) -> Iterator[list[int]]:
    """How many transactions commit meanwhile: the proof that writes were batched."""
    commits: list[int] = []

    def count(_conn: Any) -> None:
        commits.append(1)

    event.listen(db.engine.sync_engine, "commit", count)
    try:
        yield commits
    finally:
        event.remove(db.engine.sync_engine, "commit", count)


async def test_concurrent_creations_share_transactions_and_each_gets_its_own_answer(
    bookings: BookingService, db: Database, clock: FakeClock
) -> None:
    replayed = await bookings.create(request(at(8)), "kept")
    calls = [
        bookings.place(request(at(9 + i % 8)), f"key-{i}") for i in range(20)
    ]  # twenty new ones, then the refusals and replays among them
    calls += [
        bookings.place(request(at(8)), "kept"),  # a replay of an earlier booking
        bookings.place(request(at(10)), "kept"),  # that key for another request
        bookings.place(request(NOW - timedelta(hours=1)), "past"),
        bookings.place(request(caseworker=ELSEWHERE_CASEWORKER), "foreign"),
        bookings.place(request(at(17)), "twice"),
        bookings.place(request(at(17)), "twice"),  # the same key again, in the same batch
    ]
    with counting_commits(db) as commits:
        outcomes = await asyncio.gather(*calls, return_exceptions=True)

    assert len(commits) == 2  # a lone first writer, then one batch for the other 25
    fresh = outcomes[:20]
    assert all(isinstance(o, tuple) and o[1] is True for o in fresh), fresh
    assert outcomes[20] == (replayed, False)
    assert isinstance(outcomes[21], IdempotencyKeyReused)
    assert isinstance(outcomes[22], InvalidInput)
    assert isinstance(outcomes[23], InvalidInput)
    first, again = outcomes[24], outcomes[25]
    assert isinstance(first, tuple)
    assert again == (first[0], False)
    stored = [await bookings.get(o[0].id) for o in outcomes if isinstance(o, tuple)]
    assert len({b.id for b in stored}) == 1 + 20 + 1  # the replayed one, twenty new, "twice" once
    assert all(b.state is BookingState.REQUESTED and b.caseworker_id == CASEWORKER for b in stored)


async def test_concurrent_holds_share_transactions_and_a_later_one_sees_what_an_earlier_took(
    bookings: BookingService, db: Database
) -> None:
    opener = await bookings.create(request(at(7), at(8)))
    made = [await bookings.create(request(at(9 + i), at(10 + i))) for i in range(6)]
    clash = await bookings.create(request(at(9, 30), at(10, 30)))  # overlaps made[0]
    offered = await bookings.assign((await bookings.create(request(at(20), at(21)))).id, INT2)
    calls = [bookings.assign(opener.id, INT2)]  # written alone; everything after it shares a batch
    calls += [bookings.assign(b.id, INT1) for b in made]  # back to back: all fit
    calls += [
        bookings.assign(clash.id, INT1),  # INT1 is taken at 09:30 by a hold earlier in this very batch
        bookings.assign(offered.id, INT1),  # not requested any more
        bookings.assign("no-such-booking", INT1),
        bookings.assign(clash.id, INT2),  # another interpreter: fine
    ]
    with counting_commits(db) as commits:
        outcomes = await asyncio.gather(*calls, return_exceptions=True)

    assert len(commits) == 2
    assert [type(o) for o in outcomes] == [Booking] * 7 + [SlotTaken, Conflict, NotFound, Booking]
    assert all(isinstance(o, Booking) and o.state is BookingState.OFFERED for o in outcomes[:7])
    held = {(interpreter, booking) for interpreter, booking, _, _ in await active_rows(db)}
    assert held == {(INT1, b.id) for b in made} | {(INT2, b.id) for b in (opener, clash, offered)}
    assert await bookings.get(offered.id) == offered  # the refused hold changed nothing


async def test_a_workload_limit_counts_the_time_held_earlier_in_the_same_batch(
    db: Database, clock: FakeClock
) -> None:
    limits = WorkloadLimits(
        buffer=timedelta(0),
        daily_cap=timedelta(hours=3),
        max_continuous=timedelta(hours=8),
        rest=timedelta(0),
    )
    bookings = BookingService(db, clock, limits=limits)
    opener = await bookings.create(request(at(7), at(8)))
    first, second, third = [await bookings.create(request(at(h), at(h + 2))) for h in (8, 11, 14)]
    before = await bookings.get(third.id)
    outcomes = await asyncio.gather(
        bookings.assign(opener.id, INT2),  # written alone: the three below share the next batch
        *(bookings.assign(b.id, INT1) for b in (first, second, third)),
        return_exceptions=True,
    )
    # 2 h, then 2 h more would be 4 h in one day: over the 3 h cap, although nothing overlaps.
    assert isinstance(outcomes[1], Booking)
    assert isinstance(outcomes[2], WorkloadExceeded)
    assert isinstance(outcomes[3], WorkloadExceeded)
    assert {(i, b) for i, b, _, _ in await active_rows(db)} == {(INT2, opener.id), (INT1, first.id)}
    assert await bookings.get(third.id) == before


@pytest.mark.postgres
async def test_a_batch_postgresql_refuses_as_a_whole_is_retried_hold_by_hold(clock: FakeClock) -> None:
    async with fresh_postgres_database() as url:
        db = Database(url)
        try:
            await upgrade(db)
            await seed(db)
            await _race_a_writer_outside_the_package(db, BookingService(db, clock))
        finally:
            await db.close()


async def _race_a_writer_outside_the_package(db: Database, bookings: BookingService) -> None:
    lone, raced, other, outside = [await bookings.create(request(at(h), at(h + 1))) for h in (7, 9, 9, 12)]
    insert = text(
        "INSERT INTO interpreter_assignments (booking_id, interpreter_id, start_at, end_at, active) "
        "VALUES (:b, :i, :s, :e, true)"
    )
    async with db.engine.connect() as conn:
        transaction = await conn.begin()
        # A writer taking no advisory lock holds INT1 at 09:00, not yet committed: the batch cannot see it.
        await conn.execute(insert, {"b": outside.id, "i": INT1, "s": at(9), "e": at(10)})
        burst = asyncio.gather(
            bookings.assign(lone.id, INT2),  # written alone, first
            bookings.assign(raced.id, INT1),  # batched with the next; its insert waits for the outsider
            bookings.assign(other.id, INT2),
            return_exceptions=True,
        )
        await asyncio.sleep(0.5)
        await transaction.commit()  # the batch's insert now breaks the exclusion constraint
        outcomes = await burst
    assert isinstance(outcomes[0], Booking)
    assert isinstance(outcomes[1], SlotTaken)
    assert isinstance(outcomes[2], Booking)
    assert outcomes[2].interpreter_id == INT2
    held = {(i, b) for i, b, _, _ in await active_rows(db)}
    assert held == {(INT2, lone.id), (INT1, outside.id), (INT2, other.id)}
    assert (await bookings.get(raced.id)).state is BookingState.REQUESTED


async def test_a_refused_reassignment_keeps_the_round_it_would_have_replaced(
    bookings: BookingService, db: Database
) -> None:
    await bookings.assign((await bookings.create(request(at(9), at(10)))).id, INT2)
    offered = await bookings.assign((await bookings.create(request(at(9, 30), at(10, 30)))).id, INT1)
    before = await snapshot(db)
    with pytest.raises(SlotTaken):  # INT2 holds 09:00-10:00; closing INT1's round first must be undone
        await bookings.hold(offered.id, [Pick(INT2)], replacing=True)
    assert await snapshot(db) == before
