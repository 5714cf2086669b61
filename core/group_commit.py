"""Group commit: writes submitted while a batch is being written share the next transaction.

A burst of N concurrent writers then costs a few transactions instead of N (SQLite has one writer at a
time, and every transaction is a round of thread hops), while each writer still returns only once its
own item is durable. :class:`Batches` answers every item on its own (a result, or the error that item
alone met); :class:`GroupCommit` is the all-or-nothing case, where the batch's error reaches every writer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def settled(work: Awaitable[R]) -> R | BaseException:
    """``work``'s result, or the exception it raised: one outcome of a batch written item by item."""
    try:
        return await work
    except Exception as exc:
        return exc


class Batches(Generic[T, R]):
    """Queues items and hands them to ``write`` in batches, one batch at a time.

    ``write`` returns one outcome per item, in order: its result, or the exception that item is to raise.
    An exception raised by ``write`` itself reaches every item of the batch. The first writer of an idle
    queue is written at once, alone; whoever arrives meanwhile waits for the next batch.
    """

    def __init__(self, write: Callable[[list[T]], Awaitable[Sequence[R | BaseException]]]) -> None:
        self._write = write
        self._queued: list[tuple[T, asyncio.Future[R]]] = []
        self._lock = asyncio.Lock()

    async def submit(self, item: T) -> R:
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queued.append((item, done))
        async with self._lock:
            batch, self._queued = self._queued, []
            if batch:  # else: written by the batch before
                await self._settle(batch)
        return await done

    async def _settle(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            outcomes = await self._write([item for item, _ in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} got {len(outcomes)} outcomes")
        except Exception as exc:
            outcomes = [exc] * len(batch)
        for (_, waiter), outcome in zip(batch, outcomes, strict=True):
            if waiter.done():
                continue  # its writer was cancelled
            if isinstance(outcome, BaseException):
                waiter.set_exception(outcome)
            else:
                waiter.set_result(outcome)


class GroupCommit(Batches[T, None]):
    """Every writer of a batch shares its fate: done together, or the batch's error for all."""

    def __init__(self, write: Callable[[list[T]], Awaitable[None]]) -> None:
        async def write_all(batch: list[T]) -> list[None]:
            await write(batch)
            return [None] * len(batch)

        super().__init__(write_all)
