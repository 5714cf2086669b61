"""Server media benchmark: the CPU of pre-call echo tests per stream, and memory over a soak of them.

Run: ``.venv/bin/python bench/media.py`` (about 15 minutes: 2 minutes of CPU windows, a soak of a 2-minute
warm-up and 10 minutes); ``--quick`` for a smoke run (about 3 minutes); ``--soak-only`` to study memory
(with ``--arena-max``, ``--trim-after-test``, ``--tracemalloc``). Loopback only, host ICE candidates only.

The RRIS server runs in its own process (``bench/media_serve.py``: ``rris serve --demo`` on a free port and
a temporary SQLite database, with the node's pre-call limit raised from 4 to 12 concurrent tests and the
lifetime from 30 s to 120 s, so that 10 tests fit and none ends inside a window). Its CPU time (user +
system, all threads) comes from ``/proc/<pid>/stat`` and its memory from ``VmRSS`` in ``/proc/<pid>/status``.
The clients run in this process: aiortc peers logged in as the demo caseworker, each starting a test
with ``POST /api/precall`` and sending aiortc's generated audio (silence at 48 kHz, encoded as Opus) and,
in the video configurations, a moving 640x480 pattern at 30 fps (``--video``), receiving their echo, and
ending with ``DELETE``.

1. **CPU windows** (``--window-s``, default 10 s each, in this order): the idle server (the baseline, same
   window); then 1, 5 and 10 concurrent tests sending audio only; then audio + video. Each window opens once
   every client has received echoed frames and 1 s more has passed. Server CPU % = server CPU seconds /
   wall seconds x 100 (100 % = one core fully busy).

   A **one-way stream** is one track the server receives from a client; the server decodes it, re-encodes
   it and sends it back (the echo), so each one-way stream costs one receive and one send.
   A test sending audio has one audio one-way stream, a test with video one audio and one video.

   - ``audio_cpu_pct`` = (CPU % with n audio-only tests - idle CPU %) / n;
   - ``video_cpu_pct`` = (CPU % with n audio + video tests - CPU % with n audio-only tests) / n: what a
     video stream adds on top of the audio of the same test.

   The echoed frames per second each client received in the window are printed too: below the sent rate
   (50 audio, 30 video) the machine, not the server's code, was the limit.

2. **Soak** (run before the CPU windows, after one warm-up test): ``--soak-lanes`` (4) lanes each run
   audio + video tests back to back, each ``--soak-test-s`` (20 s) long: start, wait for echo, hold, read
   the report, hang up; first for ``--soak-warmup-s`` (120 s), then for ``--soak-s`` (600 s). The server's
   memory probe (``bench/media_serve.py``) is read at the start, every ``--sample-s`` (60 s), at the end of
   the warm-up and 3 s after the last test ended: RSS, and glibc's own account of its heap (bytes in use,
   bytes freed but kept), the threads, live peer connections, asyncio tasks and object counts by type.

   What grows is not what the server holds. Once the tests end, bytes in use are back where they started
   (+1.1 and +1.2 MB after 152 tests in two runs), as are peers, tasks and threads; RSS is not. Each test's
   codec buffers and decoded frames (about 30 MB while it runs) are freed to glibc's malloc, which keeps
   the pages, so RSS follows the high-water mark of the memory in use at once. Two things raise that mark
   after the first minutes: glibc's default of 8 arenas per core, which spreads the kept pages over up to
   16 arenas, one per allocating thread (decoders, the encoding executor), and which
   ``MALLOC_ARENA_MAX=2`` avoids (3-minute soaks: flat at 346 MB from 90 s on, against 458 MB and rising);
   and a CPU-starved machine, on which aiortc's receive queues (the decoder's input, the remote track's
   decoded frames; unbounded in aiortc, bounded by ``media/receive_queues.py`` since) held more frames per
   test (with other suites loading the machine, bytes in use under the same 4 tests rose from 120 to
   169 MB, RSS from 293 to 383 MB, then stayed flat). The server
   therefore runs with ``MALLOC_ARENA_MAX=2`` (``--arena-max``, default 2, as a node running pre-call tests
   should be run; ``--arena-max 0`` for glibc's defaults), and:

   - ``soak_growth_mb`` = RSS 3 s after the last test - RSS at the end of the warm-up: growth under the
     same load once the allocator has reached its working size, which a leak (a peer, frame, task or codec
     context kept per test) still shows and a warm-up does not, but a busier machine (a higher peak)
     does too. The target is under 50 MB with no failed test;
   - printed beside it: the raw growth from the first reading (warm-up included; what an operator sees
     after a restart), the growth of bytes in use from the first reading to the end (both idle: a leak's
     bytes, whatever the allocator does), and the least-squares slope of RSS per 100 tests after the
     warm-up.

   ``--trim-after-test`` calls ``malloc_trim(0)`` after each test (about 6 ms each): idle RSS then falls back
   near its start, which says nothing of a leak, so ``soak_growth_mb`` is not comparable with it on.

The last line is ``result: audio_cpu_pct=<n> video_cpu_pct=<n> soak_growth_mb=<n>`` (per stream, at 10
concurrent tests).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# This script shares its name with the repository's ``media`` package, which Python would find here first
# (the script's folder heads the path, the editable install's finder comes last): import the package with
# this folder off the path, then put the folder back for the sibling modules.
sys.path.pop(0)
import media  # noqa: F401

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from measure import Stats, now
from media_support import EchoTestClient, Planes, pattern_planes, proc_cpu_seconds, read_probe
from signalling import BENCH_DIR, ServerProcess, free_port, server_env, start_server

from signaling.client import SignalingClient

PASSWORD = "bench password, not a secret"
USER = "demo.caseworker"
CONCURRENCY = (1, 5, 10)
SETTLE_S = 1.0
CONNECT_TIMEOUT_S = 60.0
ARENA_MAX = 2  # glibc malloc arenas of the server (see the docstring); 0: glibc's default, 8 per core
AUDIO_FPS, VIDEO_FPS = 50, 30  # what the clients send: 20 ms Opus frames, aiortc's video clock


@dataclass(frozen=True)
class Window:
    label: str
    tests: int
    video: bool
    server_cpu_pct: float
    bench_cpu_pct: float
    audio_fps: Rates | None  # echoed frames per second received by each client
    video_fps: Rates | None


@dataclass(frozen=True)
class Rates:
    median: float
    lowest: float

    @classmethod
    def of(cls, rates: list[float]) -> Rates:
        return cls(Stats.of(rates).p50, min(rates))

    def __str__(self) -> str:
        return f"{self.median:.0f} / {self.lowest:.0f}"


async def measure_window(
    server: ServerProcess, clients: list[EchoTestClient], window_s: float, label: str, video: bool
) -> Window:
    before = {id(c): dict(c.frames) for c in clients}
    cpu0, own0, t0 = proc_cpu_seconds(server.proc.pid), proc_cpu_seconds(os.getpid()), now()
    await asyncio.sleep(window_s)
    cpu1, own1, t1 = proc_cpu_seconds(server.proc.pid), proc_cpu_seconds(os.getpid()), now()
    wall = t1 - t0

    def fps(kind: str) -> Rates | None:
        rates = [(c.frames[kind] - before[id(c)][kind]) / wall for c in clients]
        return Rates.of(rates) if rates else None

    return Window(
        label,
        len(clients),
        video,
        100 * (cpu1 - cpu0) / wall,
        100 * (own1 - own0) / wall,
        fps("audio"),
        fps("video") if video else None,
    )


async def run_tests(
    who: SignalingClient, n: int, video: tuple[int, int] | None, planes: Planes
) -> list[EchoTestClient]:
    clients = [EchoTestClient(who, video, planes) for _ in range(n)]
    await asyncio.gather(*(c.start() for c in clients))
    await asyncio.gather(
        *(c.flowing(audio=25, video=10 if video else 0, timeout=CONNECT_TIMEOUT_S) for c in clients)
    )
    await asyncio.sleep(SETTLE_S)
    return clients


async def close_all(clients: list[EchoTestClient]) -> None:
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


async def cpu_windows(
    server: ServerProcess, who: SignalingClient, args: argparse.Namespace, planes: Planes
) -> list[Window]:
    windows = [await measure_window(server, [], args.window_s, "idle server", False)]
    for video in (None, args.video):
        for n in CONCURRENCY:
            clients = await run_tests(who, n, video, planes)
            try:
                label = f"{n} x {'audio + video' if video else 'audio'}"
                windows.append(await measure_window(server, clients, args.window_s, label, bool(video)))
            finally:
                await close_all(clients)
            await asyncio.sleep(2)  # let the server finish closing the peers before the next window
    return windows


@dataclass(frozen=True)
class Reading:
    at_s: float  # seconds since the warm-up began
    tests: int  # tests completed by then, warm-up included
    probe: dict[str, Any]  # bench/media_serve.py's memory probe

    @property
    def rss_mb(self) -> float:
        return float(self.probe["rss_mb"])


@dataclass
class Soak:
    warmup_tests: int = 0
    tests: int = 0  # completed, warm-up included
    failures: int = 0
    readings: list[Reading] = field(default_factory=list)
    warm: Reading | None = None  # the reading at the end of the warm-up

    @property
    def raw_growth_mb(self) -> float:
        return self.readings[-1].rss_mb - self.readings[0].rss_mb

    @property
    def growth_mb(self) -> float:
        assert self.warm is not None
        return self.readings[-1].rss_mb - self.warm.rss_mb

    def mb_per_100_tests(self) -> float:
        """Least-squares slope of RSS over tests completed, after the warm-up: a leak's signature."""
        points = [(r.tests, r.rss_mb) for r in self.readings if self.warm and r.at_s >= self.warm.at_s]
        if len(points) < 2:
            return 0.0
        mx = sum(x for x, _ in points) / len(points)
        my = sum(y for _, y in points) / len(points)
        var = sum((x - mx) ** 2 for x, _ in points)
        return 100 * sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


async def soak_lane(
    who: SignalingClient, args: argparse.Namespace, planes: Planes, until: float, soak: Soak
) -> None:
    while now() < until:
        client = EchoTestClient(who, args.video, planes)
        try:
            await client.start()
            await client.flowing(audio=25, video=10, timeout=CONNECT_TIMEOUT_S)
            await asyncio.sleep(max(0.0, args.soak_test_s - 2))
            report = await client.report()
            if report["state"] != "connected" or not report["echoed_frames"]["video"]:
                raise RuntimeError(f"bad report: {report!r}")
            soak.tests += 1
        except Exception as exc:  # a failed test is counted and the lane goes on
            soak.failures += 1
            print(f"  soak test failed: {exc!r}", file=sys.stderr)
        finally:
            await client.close()


async def soak_run(
    server: ServerProcess, who: SignalingClient, args: argparse.Namespace, planes: Planes, probe_out: Path
) -> Soak:
    soak = Soak()
    t0 = now()

    async def read() -> Reading:
        reading = Reading(now() - t0, soak.tests, await read_probe(server.proc.pid, probe_out))
        soak.readings.append(reading)
        return reading

    async def sample(stop: float) -> None:
        while (at := now() + args.sample_s) < stop - 1:
            await asyncio.sleep(at - now())
            await read()

    await read()
    warm_until, until = t0 + args.soak_warmup_s, t0 + args.soak_warmup_s + args.soak_s
    lanes = asyncio.gather(*(soak_lane(who, args, planes, until, soak) for _ in range(args.soak_lanes)))
    try:
        await sample(warm_until)
        await asyncio.sleep(max(0.0, warm_until - now()))
        soak.warm, soak.warmup_tests = await read(), soak.tests
        await sample(until)
        await lanes
    finally:
        lanes.cancel()
    await asyncio.sleep(3)
    await read()
    return soak


async def run(args: argparse.Namespace, tmp: Path) -> tuple[list[Window], Soak]:
    port = free_port()
    env = server_env(f"sqlite+aiosqlite:///{tmp / 'rris.db'}")
    env.update(RRIS_DEMO_PASSWORD=PASSWORD, RRIS_BENCH_MEMORY_OUT=str(tmp / "memory.json"))
    env.pop("MALLOC_ARENA_MAX", None)
    if args.arena_max:
        env.update(MALLOC_ARENA_MAX=str(args.arena_max))
    args.allocator = (
        f"MALLOC_ARENA_MAX={env['MALLOC_ARENA_MAX']}" if "MALLOC_ARENA_MAX" in env else "glibc defaults"
    )
    if args.trim_after_test:
        args.allocator += ", malloc_trim(0) after each test"
    if args.trim_after_test:
        env.update(RRIS_BENCH_TRIM="1")
    if args.tracemalloc:
        env.update(RRIS_BENCH_TRACEMALLOC="1")
    argv = [sys.executable, str(BENCH_DIR / "media_serve.py"), "serve", "--demo", "--port", str(port)]
    server = await start_server("rris", argv, env, "RRIS listening on", tmp / "rris.log")
    who = SignalingClient(server.url)
    try:
        await who.login(USER, PASSWORD)
        planes = pattern_planes(*args.video)
        warm = await run_tests(who, 1, args.video, planes)  # imports, codecs, first allocations
        await close_all(warm)
        await asyncio.sleep(2)
        # The soak first: its start reading must not follow the 10-test windows' peak of memory.
        soak = await soak_run(server, who, args, planes, tmp / "memory.json")
        windows = [] if args.soak_only else await cpu_windows(server, who, args, planes)
        if windows:
            print_windows(windows)
        return windows, soak
    finally:
        await who.close()
        await server.stop()


def per_stream(windows: list[Window], n: int) -> tuple[float, float]:
    """Server CPU % per audio and per video one-way stream at ``n`` concurrent tests (see the docstring)."""
    idle = windows[0].server_cpu_pct
    audio = next(w for w in windows if w.tests == n and not w.video).server_cpu_pct
    both = next(w for w in windows if w.tests == n and w.video).server_cpu_pct
    return (audio - idle) / n, (both - audio) / n


def saturated(w: Window) -> bool:
    """Some client got under 90 % of the frames it sent back: the machine, not the echo, set the pace."""
    short_audio = w.audio_fps is not None and w.audio_fps.lowest < 0.9 * AUDIO_FPS
    return short_audio or (w.video_fps is not None and w.video_fps.lowest < 0.9 * VIDEO_FPS)


def print_windows(windows: list[Window]) -> None:
    print(
        "server CPU, each window measured in this run (100 % = one core; the machine has "
        f"{os.cpu_count()} cores)"
    )
    print(
        f"{'configuration':<20}{'server CPU %':>13}{'bench CPU %':>12}{'echo fps audio':>16}{'video':>10}"
        f"{'per audio stream':>18}{'per video stream':>18}"
    )
    for w in windows:
        audio, video = (str(r) if r else "-" for r in (w.audio_fps, w.video_fps))
        per_audio, per_video = per_stream(windows, w.tests) if w.tests else (0.0, 0.0)
        shown = f"{per_video:.2f}" if w.video else "-"
        print(
            f"{w.label:<20}{w.server_cpu_pct:>13.1f}{w.bench_cpu_pct:>12.1f}{audio:>16}{video:>10}"
            f"{per_audio if w.tests else 0:>18.2f}{shown:>18}{'  SATURATED' if saturated(w) else ''}"
        )
    print(
        f"echo fps = echoed frames a second each client received, median / lowest (sent: {AUDIO_FPS} "
        f"audio, {VIDEO_FPS} video); per-stream columns are server CPU % per one-way stream; SATURATED: a "
        "client got under 90 % of its frames back, so the per-stream figure is not a cost at full rate"
    )


def print_soak(soak: Soak, args: argparse.Namespace) -> float:
    assert soak.warm is not None
    print(
        f"soak: {args.soak_warmup_s:.0f} s warm-up + {args.soak_s:.0f} s, {args.soak_lanes} lanes of "
        f"{args.soak_test_s:.0f} s audio + video tests; {soak.tests} tests completed "
        f"({soak.warmup_tests} in the warm-up), {soak.failures} failed; server allocator: {args.allocator}"
    )
    print(
        f"{'at s':>6}{'tests':>7}{'RSS MB':>9}{'in use':>9}{'free kept':>11}{'heap':>8}{'mmapped':>9}"
        f"{'threads':>9}{'peers':>7}{'tasks':>7}{'traced':>8}"
    )
    for r in soak.readings:
        p = r.probe
        traced = f"{p['traced_mb']:.1f}" if "traced_mb" in p else "-"
        mark = "  <- end of warm-up" if r is soak.warm else ""
        print(
            f"{r.at_s:>6.0f}{r.tests:>7}{r.rss_mb:>9.1f}{p['in_use_mb']:>9.1f}{p['free_kept_mb']:>11.1f}"
            f"{p['heap_mb']:>8.1f}{p['mmapped_mb']:>9.1f}{p['threads']:>9}{p['peers']:>7}{p['tasks']:>7}"
            f"{traced:>8}{mark}"
        )
    last = soak.readings[-1].probe
    print(
        "  MB; in use / free kept / heap / mmapped: glibc mallinfo2 (free kept = freed but held by the "
        "allocator); peers: live RTCPeerConnection objects; traced: Python allocations (--tracemalloc)"
    )
    if last["trims"]:
        print(f"  malloc_trim(0) after each test: {last['trims']} calls, {last['trim_ms']:.0f} ms in all")
    print(
        "  types with more live objects at the end than at the first reading:", last["types_grown"] or "none"
    )
    for where, mb, count in last.get("traced_grown", []):
        print(f"  traced growth {mb:+.3f} MB ({count:+d} blocks) at {where}")
    first = soak.readings[0].probe
    raw, growth = soak.raw_growth_mb, soak.growth_mb
    print(
        f"  server RSS growth: {raw:.1f} MB from the first reading (raw, warm-up included); "
        f"{growth:.1f} MB over the {args.soak_s:.0f} s after the warm-up; "
        f"{soak.mb_per_100_tests():+.1f} MB per 100 tests after the warm-up (least squares); bytes in use: "
        f"{last['in_use_mb'] - first['in_use_mb']:+.1f} MB from the first reading to the end (both idle)"
    )
    verdict = "met" if growth < 50 and not soak.failures else "MISSED"
    print(
        f"target: soak memory growth after warm-up < 50 MB with no failed test: {verdict} ({growth:.1f} MB)"
    )
    return growth


def main() -> None:
    parser = argparse.ArgumentParser(description="RRIS server media benchmark (loopback only)")
    parser.add_argument("--window-s", type=float, default=10.0, help="CPU window per configuration")
    parser.add_argument("--soak-s", type=float, default=600.0, help="soak after warm-up (default 10 minutes)")
    parser.add_argument("--soak-warmup-s", type=float, default=120.0, help="soak warm-up (default 2 minutes)")
    parser.add_argument("--soak-lanes", type=int, default=4, help="echo tests at a time in the soak")
    parser.add_argument("--soak-test-s", type=float, default=20.0, help="length of each soak test")
    parser.add_argument("--sample-s", type=float, default=60.0, help="soak memory reading interval")
    parser.add_argument("--soak-only", action="store_true", help="skip the CPU windows")
    parser.add_argument(
        "--arena-max",
        type=int,
        default=ARENA_MAX,
        help=f"server MALLOC_ARENA_MAX (default {ARENA_MAX}; 0: glibc's default)",
    )
    parser.add_argument("--trim-after-test", action="store_true", help="malloc_trim(0) after each test")
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python allocations in the server")
    parser.add_argument(
        "--video",
        type=lambda s: tuple(map(int, s.split("x"))),
        default=(640, 480),
        help="sent video size, WIDTHxHEIGHT (default 640x480)",
    )
    parser.add_argument("--quick", action="store_true", help="3 s windows, a 30 + 60 s soak of 10 s tests")
    args = parser.parse_args()
    if args.quick:
        args.window_s, args.soak_warmup_s, args.soak_s, args.soak_test_s = 3.0, 30.0, 60.0, 10.0
        args.sample_s = min(args.sample_s, 30.0)
    if not 1 <= args.window_s <= 60 or not 10 <= args.soak_s <= 3600 or not 1 <= args.soak_lanes <= 10:
        parser.error("--window-s 1..60, --soak-s 10..3600, --soak-lanes 1..10")
    if not 5 <= args.soak_test_s <= 100 or len(args.video) != 2:
        parser.error("--soak-test-s 5..100, --video WIDTHxHEIGHT")
    if not 0 <= args.soak_warmup_s <= 1800 or not 5 <= args.sample_s <= 600 or args.arena_max < 0:
        parser.error("--soak-warmup-s 0..1800, --sample-s 5..600, --arena-max >= 0")
    tmp = Path(tempfile.mkdtemp(prefix="rris-bench-media-"))
    try:
        windows, soak = asyncio.run(run(args, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    growth = print_soak(soak, args)
    if windows:
        audio, video = per_stream(windows, max(CONCURRENCY))
        print(f"result: audio_cpu_pct={audio:.2f} video_cpu_pct={video:.2f} soak_growth_mb={growth:.1f}")


if __name__ == "__main__":
    main()
