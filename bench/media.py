"""Server media benchmark: the CPU of pre-call echo tests per stream, and memory over a soak of them.

Run: ``.venv/bin/python bench/media.py`` (about 13 minutes: 2 minutes of CPU windows, a 10-minute soak);
``--quick`` for a smoke run (about 2 minutes). Loopback only, host ICE candidates only.

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

   A **one-way stream** is one track the server receives from a client; the server decodes nothing but
   re-encodes and sends it back (the echo), so each one-way stream costs one receive and one send.
   A test sending audio has one audio one-way stream, a test with video one audio and one video.

   - ``audio_cpu_pct`` = (CPU % with n audio-only tests - idle CPU %) / n;
   - ``video_cpu_pct`` = (CPU % with n audio + video tests - CPU % with n audio-only tests) / n: what a
     video stream adds on top of the audio of the same test.

   The echoed frames per second each client received in the window are printed too: below the sent rate
   (50 audio, 30 video) the machine, not the server's code, was the limit.

2. **Soak** (``--soak-s``, default 600 s; run before the CPU windows, after one warm-up test):
   ``--soak-lanes`` (4) lanes each run audio + video tests back to back, each ``--soak-test-s`` (20 s)
   long: start, wait for echo, hold, read the report, hang up. Memory is read after a warm-up round of
   one test per lane (``start``), every minute, and 3 s after the last test ended (``end``).
   ``soak_growth_mb`` = end - start; the target is under 50 MB.

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

# This script shares its name with the repository's ``media`` package, which Python would find here first
# (the script's folder heads the path, the editable install's finder comes last): import the package with
# this folder off the path, then put the folder back for the sibling modules.
sys.path.pop(0)
import media  # noqa: F401

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from measure import Stats, now
from media_support import EchoTestClient, Planes, pattern_planes, proc_cpu_seconds, proc_rss_mb
from signalling import BENCH_DIR, ServerProcess, free_port, server_env, start_server

from signaling.client import SignalingClient

PASSWORD = "bench password, not a secret"
USER = "demo.caseworker"
CONCURRENCY = (1, 5, 10)
SETTLE_S = 1.0
CONNECT_TIMEOUT_S = 60.0
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


@dataclass
class Soak:
    start_mb: float = 0.0
    end_mb: float = 0.0
    tests: int = 0
    failures: int = 0
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds into the soak, RSS MB)


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
    server: ServerProcess, who: SignalingClient, args: argparse.Namespace, planes: Planes
) -> Soak:
    pid, soak = server.proc.pid, Soak()
    warm = Soak()
    await asyncio.gather(*(soak_lane(who, args, planes, now() + 1, warm) for _ in range(args.soak_lanes)))
    await asyncio.sleep(3)
    soak.start_mb = proc_rss_mb(pid)
    t0 = now()
    until = t0 + args.soak_s

    async def sample() -> None:
        while True:
            await asyncio.sleep(60)
            soak.samples.append((now() - t0, proc_rss_mb(pid)))

    sampler = asyncio.create_task(sample())
    try:
        await asyncio.gather(*(soak_lane(who, args, planes, until, soak) for _ in range(args.soak_lanes)))
    finally:
        sampler.cancel()
    await asyncio.sleep(3)
    soak.end_mb = proc_rss_mb(pid)
    return soak


async def run(args: argparse.Namespace, tmp: Path) -> tuple[list[Window], Soak]:
    port = free_port()
    env = server_env(f"sqlite+aiosqlite:///{tmp / 'rris.db'}")
    env.update(RRIS_DEMO_PASSWORD=PASSWORD)
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
        soak = await soak_run(server, who, args, planes)
        windows = await cpu_windows(server, who, args, planes)
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
    growth = soak.end_mb - soak.start_mb
    print(
        f"soak: {args.soak_s:.0f} s, {args.soak_lanes} lanes of {args.soak_test_s:.0f} s audio + video "
        "tests; "
        f"{soak.tests} tests completed, {soak.failures} failed"
    )
    trail = ", ".join(f"{t:.0f}s {mb:.1f}" for t, mb in soak.samples)
    print(f"  server RSS MB: start {soak.start_mb:.1f}, {trail}{', ' if trail else ''}end {soak.end_mb:.1f}")
    verdict = "met" if growth < 50 and not soak.failures else "MISSED"
    print(f"target: soak memory growth < 50 MB with no failed test: {verdict} ({growth:.1f} MB)")
    return growth


def main() -> None:
    parser = argparse.ArgumentParser(description="RRIS server media benchmark (loopback only)")
    parser.add_argument("--window-s", type=float, default=10.0, help="CPU window per configuration")
    parser.add_argument("--soak-s", type=float, default=600.0, help="soak duration (default 10 minutes)")
    parser.add_argument("--soak-lanes", type=int, default=4, help="echo tests at a time in the soak")
    parser.add_argument("--soak-test-s", type=float, default=20.0, help="length of each soak test")
    parser.add_argument(
        "--video",
        type=lambda s: tuple(map(int, s.split("x"))),
        default=(640, 480),
        help="sent video size, WIDTHxHEIGHT (default 640x480)",
    )
    parser.add_argument("--quick", action="store_true", help="3 s windows, a 60 s soak of 10 s tests")
    args = parser.parse_args()
    if args.quick:
        args.window_s, args.soak_s, args.soak_test_s = 3.0, 60.0, 10.0
    if not 1 <= args.window_s <= 60 or not 10 <= args.soak_s <= 3600 or not 1 <= args.soak_lanes <= 10:
        parser.error("--window-s 1..60, --soak-s 10..3600, --soak-lanes 1..10")
    if not 5 <= args.soak_test_s <= 100 or len(args.video) != 2:
        parser.error("--soak-test-s 5..100, --video WIDTHxHEIGHT")
    tmp = Path(tempfile.mkdtemp(prefix="rris-bench-media-"))
    try:
        windows, soak = asyncio.run(run(args, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    growth = print_soak(soak, args)
    audio, video = per_stream(windows, max(CONCURRENCY))
    print(f"result: audio_cpu_pct={audio:.2f} video_cpu_pct={video:.2f} soak_growth_mb={growth:.1f}")


if __name__ == "__main__":
    main()
