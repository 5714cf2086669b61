"""``rris`` under instrumentation, switched on and off by signals, for ``bench/signalling.py --profile``.

Runs ``rris.cli.main`` with the given arguments. SIGUSR1 starts, SIGUSR2 stops and writes, atomically:

- ``$RRIS_BENCH_PROFILE_OUT``: cProfile statistics of the event-loop thread (CPU where the loop runs);
- ``$RRIS_BENCH_PROFILE_OUT.timings.json``: wall-clock time of the awaited steps listed in ``TIMED``,
  of every Socket.IO event handler and of garbage-collector pauses, which cProfile cannot show: time
  spent waiting for the database thread, a pooled connection or a SQLite lock, or collecting.

Nothing here changes behaviour; the wrappers only read the clock.
"""

from __future__ import annotations

import cProfile
import functools
import gc
import importlib
import json
import os
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine
from types import FrameType
from typing import Any

import socketio

from rris.cli import main

OUT_ENV = "RRIS_BENCH_PROFILE_OUT"
TIMED = (
    ("signaling.calls", "CallService", ("request", "_ring_next", "accept", "relay", "_write_record")),
    ("signaling.records", "CallRecords", ("opened", "progressed")),
    ("core.interpreters", "InterpreterDirectory", ("candidates",)),
    ("signaling.presence", "PresenceService", ("get_many", "claim_for_ring", "move", "rebind")),
    ("core.accounts", "AccountService", ("resolve",)),
    ("signaling.server", "SocketNotifier", ("send",)),
)
AsyncFn = Callable[..., Coroutine[Any, Any, Any]]


class WallClock:
    """Total and worst wall time, and count, of each timed coroutine while switched on."""

    def __init__(self) -> None:
        self.on = False
        self.total: defaultdict[str, float] = defaultdict(float)
        self.worst: defaultdict[str, float] = defaultdict(float)
        self.count: defaultdict[str, int] = defaultdict(int)

    def add(self, name: str, seconds: float) -> None:
        if self.on:
            self.total[name] += seconds
            self.worst[name] = max(self.worst[name], seconds)
            self.count[name] += 1

    def timed(self, name: str, fn: AsyncFn) -> AsyncFn:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - start)

        return wrapper

    def event_handlers(self) -> None:
        """Time every Socket.IO handler, named by its event."""
        original: AsyncFn = socketio.AsyncServer._trigger_event

        async def trigger(server: Any, event: str, namespace: str, *args: Any) -> Any:
            start = time.perf_counter()
            try:
                return await original(server, event, namespace, *args)
            finally:
                self.add(f"socket.io event {event}", time.perf_counter() - start)

        socketio.AsyncServer._trigger_event = trigger

    def garbage_collections(self) -> None:
        """Time the collector's pauses, by generation (cProfile charges them to whoever allocated)."""
        started: list[float] = []

        def on_gc(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                started[:] = [time.perf_counter()]
            elif started:
                self.add(f"gc pause, generation {info['generation']}", time.perf_counter() - started[0])

        gc.callbacks.append(on_gc)

    def as_json(self) -> dict[str, dict[str, float]]:
        return {
            name: {"count": self.count[name], "total_s": total, "worst_s": self.worst[name]}
            for name, total in self.total.items()
        }


def install(out: str) -> None:
    profiler = cProfile.Profile()
    clock = WallClock()
    for module_name, class_name, methods in TIMED:
        cls = getattr(importlib.import_module(module_name), class_name)
        for method in methods:
            setattr(cls, method, clock.timed(f"{class_name}.{method}", getattr(cls, method)))
    clock.event_handlers()
    clock.garbage_collections()

    def start(_sig: int, _frame: FrameType | None) -> None:
        clock.on = True
        profiler.enable()

    def stop(_sig: int, _frame: FrameType | None) -> None:
        profiler.disable()
        clock.on = False
        with open(f"{out}.timings.json", "w") as f:
            json.dump(clock.as_json(), f)
        profiler.dump_stats(f"{out}.tmp")
        os.replace(f"{out}.tmp", out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)


if __name__ == "__main__":
    install(os.environ[OUT_ENV])
    main(sys.argv[1:])
