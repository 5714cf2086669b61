"""Freed media memory goes back to the system after peers close: one trim per burst of closing peers, the
last of a burst never left out, off the event loop, and nothing at all where the C library cannot."""

from __future__ import annotations

import asyncio
import threading

from media.memory import FreedMemory


class Trims:
    def __init__(self) -> None:
        self.threads: list[str] = []

    def __call__(self) -> None:
        self.threads.append(threading.current_thread().name)


async def test_a_closed_peer_is_trimmed_at_once_in_a_worker_thread() -> None:
    trims = Trims()
    freed = FreedMemory(min_interval_s=0.3, trim=trims)
    freed.peer_closed()
    await asyncio.sleep(0.05)
    assert len(trims.threads) == 1
    assert trims.threads[0] != threading.current_thread().name
    await freed.close()


async def test_a_burst_of_closing_peers_shares_one_trim_and_the_last_still_gets_one() -> None:
    trims = Trims()
    freed = FreedMemory(min_interval_s=0.3, trim=trims)
    freed.peer_closed()
    await asyncio.sleep(0.05)
    for _ in range(5):  # within the interval: one more trim, once it has passed
        freed.peer_closed()
    await asyncio.sleep(0.1)
    assert len(trims.threads) == 1
    await asyncio.sleep(0.3)
    assert len(trims.threads) == 2
    await freed.close()


async def test_a_failing_trim_is_logged_not_raised_and_close_cancels_a_pending_one() -> None:
    def broken() -> None:
        raise OSError("no trim here")

    freed = FreedMemory(min_interval_s=10, trim=broken)
    freed.peer_closed()
    await asyncio.sleep(0.05)
    freed.peer_closed()  # pending for 10 s
    await freed.close()
    assert freed.trims == 0


async def test_where_glibc_has_malloc_trim_it_is_found() -> None:
    freed = FreedMemory(min_interval_s=0)
    if freed.available:  # glibc (this machine, Debian); musl or macOS: no-op by design
        freed.peer_closed()
        await asyncio.sleep(0.2)
        assert freed.trims == 1
    await freed.close()
