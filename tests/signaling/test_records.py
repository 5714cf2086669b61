"""Call records: concurrent first writes are grouped, and every waiter learns how its batch went."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlalchemy.exc import IntegrityError

from core.ids import CallId
from core.models import CallRecordRow
from signaling.records import CallRecord
from tests.support.domain import Domain
from tests.support.rows import count_rows


def opened_record(domain: Domain, n: int, organisation: str | None = None) -> CallRecord:
    return CallRecord(
        id=CallId(f"{n:032x}"),
        organisation_id=organisation or domain.world.office_a,  # type: ignore[arg-type]
        caseworker_id=domain.world.id("cw.a"),
        interpreter_id=None,
        language="ps",
        requested_gender=None,
        requested_at=domain.clock.now(),
        rung_at=None,
        answered_at=None,
        ended_at=None,
        outcome=None,
        ring_attempts=0,
    )


async def stored(domain: Domain) -> int:
    return await count_rows(domain.services.db, CallRecordRow)


async def test_a_burst_of_first_writes_all_land(domain: Domain) -> None:
    records = domain.services.records
    await asyncio.gather(*(records.opened(opened_record(domain, n)) for n in range(40)))
    assert await stored(domain) == 40
    await records.opened(opened_record(domain, 3))  # written again: nothing changes
    assert await stored(domain) == 40


async def test_a_failed_batch_fails_for_every_request_in_it_and_writes_nothing(domain: Domain) -> None:
    records = domain.services.records
    batch = [records.opened(opened_record(domain, n)) for n in range(5)]
    batch.append(records.opened(opened_record(domain, 99, organisation="f" * 32)))  # unknown organisation
    results = await asyncio.gather(*batch, return_exceptions=True)
    # The first write goes alone; the five that queued behind it form one batch with the bad record.
    assert results[0] is None
    assert all(isinstance(r, IntegrityError) for r in results[1:])
    assert await stored(domain) == 1
    with pytest.raises(IntegrityError):
        await records.opened(opened_record(domain, 100, organisation="f" * 32))


async def test_an_answer_and_an_end_written_together_keep_the_end(domain: Domain) -> None:
    records = domain.services.records
    opened = opened_record(domain, 7)
    await records.opened(opened)
    now = domain.clock.now()
    answered = dataclasses.replace(
        opened, interpreter_id=domain.world.id("ps.male"), rung_at=now, answered_at=now
    )
    ended = dataclasses.replace(answered, ended_at=now, outcome="completed")
    blocker = records.progressed(opened_record(domain, 8))  # holds the lock while the two queue up
    await asyncio.gather(blocker, records.progressed(ended), records.progressed(answered))
    rec = await records.get(opened.id, await domain.who("coord"))
    assert rec.outcome == "completed"
    assert rec.interpreter_id == domain.world.id("ps.male")
