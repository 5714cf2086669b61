"""The one door to wall-clock time and timers, so tests can advance time instead of sleeping."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    """What the domain needs of time: now (aware UTC), a monotonic reading and one-shot timers."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle: ...


class SystemClock:
    """Real time, with timers on the running asyncio loop."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle:
        return asyncio.get_running_loop().call_later(delay_s, callback)


@dataclass(order=True)
class _FakeTimer:
    due: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """A clock the test moves by hand; due timers fire, in order, inside :meth:`advance`."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self._elapsed = 0.0
        self._timers: list[_FakeTimer] = []
        self._seq = itertools.count()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    def call_later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle:
        timer = _FakeTimer(self._elapsed + max(delay_s, 0.0), next(self._seq), callback)
        heapq.heappush(self._timers, timer)
        return timer

    def advance(self, seconds: float) -> None:
        target = self._elapsed + seconds
        while self._timers and self._timers[0].due <= target:
            timer = heapq.heappop(self._timers)
            self._elapsed = max(self._elapsed, timer.due)
            if not timer.cancelled:
                timer.callback()
        self._elapsed = target

    def lose_timers(self) -> None:
        """Forget every pending timer, as when the process holding them dies."""
        self._timers.clear()

    @property
    def pending(self) -> int:
        return sum(1 for t in self._timers if not t.cancelled)
