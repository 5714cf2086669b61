"""Group commit: concurrent writers share transactions, and each learns the fate of its own batch."""

from __future__ import annotations

import asyncio

from core.group_commit import Batches, GroupCommit


async def test_writers_queued_behind_a_batch_share_the_next_one() -> None:
    batches: list[list[int]] = []

    async def write(batch: list[int]) -> None:
        await asyncio.sleep(0.01)
        batches.append(batch)

    group = GroupCommit(write)
    await asyncio.gather(*(group.submit(i) for i in range(10)))
    assert batches == [[0], list(range(1, 10))]


async def test_every_writer_of_a_failed_batch_gets_the_error_and_later_batches_go_on() -> None:
    written: list[int] = []

    async def write(batch: list[int]) -> None:
        await asyncio.sleep(0.01)
        if 3 in batch:
            raise ValueError("bad item")
        written.extend(batch)

    group = GroupCommit(write)
    first = await asyncio.gather(*(group.submit(i) for i in range(5)), return_exceptions=True)
    assert first[0] is None
    assert all(isinstance(r, ValueError) for r in first[1:])
    await group.submit(9)
    assert written == [0, 9]


async def test_a_lone_writer_is_not_delayed() -> None:
    calls: list[list[str]] = []

    async def write(batch: list[str]) -> None:
        calls.append(batch)

    await GroupCommit(write).submit("only")
    assert calls == [["only"]]


async def test_each_item_of_a_batch_gets_its_own_result_or_error() -> None:
    batches: list[list[int]] = []

    async def write(batch: list[int]) -> list[int | BaseException]:
        await asyncio.sleep(0.01)
        batches.append(batch)
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in batch]

    group: Batches[int, int] = Batches(write)
    outcomes = await asyncio.gather(*(group.submit(i) for i in range(4)), return_exceptions=True)
    assert batches == [[0], [1, 2, 3]]
    assert (outcomes[0], outcomes[2]) == (0, 20)
    assert [str(outcomes[1]), str(outcomes[3])] == ["odd 1", "odd 3"]


async def test_a_writer_that_miscounts_its_outcomes_fails_the_whole_batch() -> None:
    async def write(batch: list[int]) -> list[int | BaseException]:
        await asyncio.sleep(0.01)
        return [1]

    group: Batches[int, int] = Batches(write)
    lone, first, second = await asyncio.gather(*(group.submit(i) for i in range(3)), return_exceptions=True)
    assert lone == 1
    assert isinstance(first, RuntimeError)
    assert isinstance(second, RuntimeError)
