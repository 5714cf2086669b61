"""Login throttling: failed attempts per key inside a sliding window."""

from __future__ import annotations

from collections import deque

from core.clock import Clock


class FailureLimiter:
    """Blocks a key (username, client address) after ``max_failures`` failures within ``window_s``.

    Per process: with several nodes an attacker gets ``max_failures`` per node, which still bounds
    guessing; a shared limiter would move this into Redis.
    """

    def __init__(self, clock: Clock, max_failures: int, window_s: float) -> None:
        self._clock = clock
        self._max = max_failures
        self._window = window_s
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self._clock.monotonic()
        stamps = self._failures.get(key)
        if stamps is None:
            return deque()
        while stamps and now - stamps[0] > self._window:
            stamps.popleft()
        if not stamps:
            del self._failures[key]
        return stamps

    def blocked(self, *keys: str) -> bool:
        return any(len(self._recent(k)) >= self._max for k in keys)

    def record_failure(self, *keys: str) -> None:
        now = self._clock.monotonic()
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)

    def reset(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)
