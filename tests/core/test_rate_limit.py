"""Failed logins are throttled per key inside a sliding window."""

from __future__ import annotations

from core.clock import FakeClock
from core.rate_limit import FailureLimiter


def test_blocks_after_max_failures_and_forgets_after_the_window() -> None:
    clock = FakeClock()
    limiter = FailureLimiter(clock, max_failures=3, window_s=60)
    for _ in range(3):
        assert not limiter.blocked("user:a")
        limiter.record_failure("user:a", "client:1")
    assert limiter.blocked("user:a")
    assert limiter.blocked("client:1")
    assert not limiter.blocked("user:b", "client:2")
    clock.advance(61)
    assert not limiter.blocked("user:a", "client:1")


def test_reset_clears_a_key() -> None:
    limiter = FailureLimiter(FakeClock(), max_failures=1, window_s=60)
    limiter.record_failure("user:a")
    limiter.reset("user:a")
    assert not limiter.blocked("user:a")
