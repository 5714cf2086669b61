"""Group commit: writes submitted while a batch is being written share the next transaction.

A burst of N concurrent writers then costs a few transactions instead of N (SQLite has one writer at a
time, and every transaction is a round of thread hops), while each writer still returns only once its
own item is durable, or raises the batch's error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class GroupCommit(Generic[T]):
    def __init__(self, write: Callable[[list[T]], Awaitable[None]]) -> None:
        self._write = write
        self._queued: list[tuple[T, asyncio.Future[None]]] = []
        self._lock = asyncio.Lock()

    async def submit(self, item: T) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.append((item, done))
        async with self._lock:
            batch, self._queued = self._queued, []
            if batch:  # else: written by the batch before
                try:
                    await self._write([i for i, _ in batch])
                except Exception as exc:
                    for _, waiter in batch:
                        waiter.set_exception(exc)
                else:
                    for _, waiter in batch:
                        waiter.set_result(None)
        await done
