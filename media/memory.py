"""Giving freed media memory back to the operating system once a peer is gone.

Each pre-call test or recording leg decodes and re-encodes media: some 30 MB of codec buffers and frames
while it runs, freed when it ends. glibc's malloc keeps freed pages for reuse, so without help the node's
resident memory settles at the highest peak it ever had, fragmented across arenas; the soak in
``bench/media.py`` showed bytes in use back at their idle level after 152 tests while RSS had grown by
about 100 MB. ``malloc_trim(0)`` hands the free pages back. It takes a few milliseconds, so it runs in a
worker thread, and at most once per ``min_interval_s``, after a peer closed.

Other C libraries (musl, macOS) have no ``malloc_trim``: there this does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
from collections.abc import Callable

log = logging.getLogger("rris.memory")

MIN_INTERVAL_S = 10.0


def _glibc_trim() -> Callable[[], None] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


class FreedMemory:
    """Trims the allocator after peers close: at once, or once the interval since the last trim has passed
    (peers closing in a burst share one trim, and the last of them is never left untrimmed)."""

    def __init__(
        self, min_interval_s: float = MIN_INTERVAL_S, trim: Callable[[], None] | None = None
    ) -> None:
        self._trim = trim if trim is not None else _glibc_trim()
        self._min_interval_s = min_interval_s
        self._last = float("-inf")
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.trims = 0

    @property
    def available(self) -> bool:
        return self._trim is not None

    def peer_closed(self) -> None:
        """Called after a server-side peer closed."""
        if self._trim is None or self._timer is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, self._last + self._min_interval_s - loop.time())
        self._timer = loop.call_later(delay, self._start)

    def _start(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        self._last = loop.time()
        task = loop.create_task(self._run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self) -> None:
        assert self._trim is not None
        try:
            await asyncio.to_thread(self._trim)
            self.trims += 1
        except Exception:  # never let housekeeping break a hang-up
            log.exception("malloc_trim failed")

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        await asyncio.gather(*self._tasks, return_exceptions=True)
