"""The fake clock fires due timers in order, and only due ones."""

from __future__ import annotations

from datetime import timedelta

from core.clock import FakeClock


def test_timers_fire_in_due_order_when_time_is_advanced() -> None:
    clock = FakeClock()
    fired: list[str] = []
    clock.call_later(2, lambda: fired.append("b"))
    clock.call_later(1, lambda: fired.append("a"))
    late = clock.call_later(5, lambda: fired.append("late"))
    start = clock.now()
    clock.advance(3)
    assert fired == ["a", "b"]
    assert clock.now() - start == timedelta(seconds=3)
    late.cancel()
    clock.advance(10)
    assert fired == ["a", "b"]
    assert clock.pending == 0


def test_a_timer_set_by_a_firing_timer_fires_if_due() -> None:
    clock = FakeClock()
    fired: list[float] = []
    clock.call_later(1, lambda: clock.call_later(1, lambda: fired.append(clock.monotonic())))
    clock.advance(5)
    assert fired == [2.0]
