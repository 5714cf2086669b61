"""``rris serve`` with a higher pre-call limit and a memory probe, for ``bench/media.py``.

A node runs at most 4 pre-call tests at once by default (:class:`media.precall.PrecallLimits`) and there
is no setting for it, so the benchmark cannot reach 10 concurrent tests through the plain command. This
runner wraps the composition root the command uses: the app is built by ``create_app`` as always and only
``services.precall.limits`` is raised (as the tests do), then ``rris.cli.main`` serves it unchanged
(demo data, signals, cleanup). Arguments are those of ``rris``; the limits come from the environment.

The soak reads the server's memory from outside (``/proc``), which cannot tell a leak from memory that
glibc's allocator keeps after it was freed. With ``$RRIS_BENCH_MEMORY_OUT`` set, SIGUSR1 writes a probe of
the process to that file as JSON (atomically): RSS and threads; glibc's ``mallinfo2`` (bytes in use, and
bytes free but kept by the allocator); the live count of each type the garbage collector tracks and the
asyncio tasks, so that peers, tracks or tasks kept alive by mistake show as counts growing with the tests;
with ``$RRIS_BENCH_TRACEMALLOC=1``, the bytes Python has allocated and the sources that grew most since the
first probe. ``$RRIS_BENCH_TRIM=1`` calls glibc's ``malloc_trim(0)`` after each test ends. Both only
observe or hand freed memory back to the kernel; what the server does is unchanged.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import json
import os
import signal
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

# ``bench/media.py`` sits in this script's folder, which heads the path: take the folder off, so that
# ``media`` is the repository's package (this runner needs nothing else from it).
sys.path.pop(0)

from aiohttp import web

import rris.cli
from media.precall import PrecallLimits, PrecallTests
from rris.app import create_app, services_of

MAX_CONCURRENT_ENV = "RRIS_BENCH_PRECALL_MAX"
LIFETIME_ENV = "RRIS_BENCH_PRECALL_LIFETIME_S"
MEMORY_OUT_ENV = "RRIS_BENCH_MEMORY_OUT"
TRACEMALLOC_ENV = "RRIS_BENCH_TRACEMALLOC"
TRIM_ENV = "RRIS_BENCH_TRIM"
MB = 1024 * 1024
TOP = 8  # types and allocation sites listed per probe


def create_bench_app(*args: Any, **kwargs: Any) -> web.Application:
    app = create_app(*args, **kwargs)
    services_of(app).precall.limits = PrecallLimits(
        max_concurrent=int(os.environ.get(MAX_CONCURRENT_ENV, "12")),
        max_lifetime_s=float(os.environ.get(LIFETIME_ENV, "120")),
    )
    return app


class MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",  # bytes of the heaps (main and thread arenas) taken from the kernel
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",  # bytes in chunks mmapped one by one (large allocations)
            "usmblks",
            "fsmblks",
            "uordblks",  # bytes in use in the heaps
            "fordblks",  # bytes free in the heaps, kept by the allocator
            "keepcost",
        )
    ]


class MemoryProbe:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.libc = ctypes.CDLL("libc.so.6")
        self.libc.mallinfo2.restype = MallInfo2
        self.first_types: Counter[str] | None = None
        self.first_snapshot: tracemalloc.Snapshot | None = None
        self.trims = 0
        self.trim_s = 0.0

    def trim(self) -> None:
        start = time.perf_counter()
        self.libc.malloc_trim(0)
        self.trim_s += time.perf_counter() - start
        self.trims += 1

    def write(self, _sig: int, _frame: FrameType | None) -> None:
        gc.collect()
        status = dict(
            line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
        )
        info = self.libc.mallinfo2()
        types = Counter(type(o).__qualname__ for o in gc.get_objects())
        self.first_types = self.first_types or types
        grown = Counter({t: n - self.first_types[t] for t, n in types.items() if n > self.first_types[t]})
        probe: dict[str, Any] = {
            "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
            "threads": int(status["Threads"]),
            "heap_mb": info.arena / MB,
            "mmapped_mb": info.hblkhd / MB,
            "in_use_mb": (info.uordblks + info.hblkhd) / MB,
            "free_kept_mb": info.fordblks / MB,
            "tasks": len(asyncio.all_tasks()),
            "peers": types["RTCPeerConnection"],
            "types_grown": grown.most_common(TOP),
            "trims": self.trims,
            "trim_ms": 1000 * self.trim_s,
        }
        if tracemalloc.is_tracing():
            snapshot = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(False, tracemalloc.__file__)]
            )
            self.first_snapshot = self.first_snapshot or snapshot
            probe["traced_mb"] = tracemalloc.get_traced_memory()[0] / MB
            probe["traced_grown"] = [
                (str(stat.traceback), round(stat.size_diff / MB, 3), stat.count_diff)
                for stat in snapshot.compare_to(self.first_snapshot, "lineno")[:TOP]
            ]
        tmp = self.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(probe))
        os.replace(tmp, self.out)


def install_probe(out: Path, trim_after_test: bool) -> None:
    probe = MemoryProbe(out)
    signal.signal(signal.SIGUSR1, probe.write)
    if trim_after_test:
        end = PrecallTests._end

        async def end_and_trim(self: PrecallTests, test_id: Any) -> None:
            await end(self, test_id)
            probe.trim()

        PrecallTests._end = end_and_trim  # type: ignore[method-assign]


if __name__ == "__main__":
    if os.environ.get(TRACEMALLOC_ENV) == "1":
        tracemalloc.start()
    if os.environ.get(MEMORY_OUT_ENV):
        install_probe(Path(os.environ[MEMORY_OUT_ENV]), os.environ.get(TRIM_ENV) == "1")
    rris.cli.create_app = create_bench_app  # type: ignore[assignment]
    rris.cli.main()
