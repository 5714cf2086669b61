"""Signalling benchmark: ring latency, negotiation latency and relay overhead of a real RRIS server.

Run: ``.venv/bin/python bench/signalling.py [--calls N]`` (default 100 calls; about 40 s).

Loopback only, bounded in count and time:

1. seeds a temporary SQLite database (one authority, the operator pool, N caseworkers and N interpreters
   who all speak Pashto and serve the authority) and starts ``python -m rris serve`` on it, and
   ``bench/bare_relay.py`` (python-socketio forwarding each event to ``data["to"]``, nothing else);
2. logs in and connects 2N :class:`~signaling.client.SignalingClient` sockets to RRIS (interpreters go
   on standby) and 2N to the bare relay;
3. **request -> ring**: the N caseworkers emit ``call:request`` spread evenly over ``--ramp-ms``
   (default 2 s, so 50 requests a second until N calls are up: the headline ``ring_p95_ms``); those
   rings are cancelled and all N request again in one instant (``burst_ring_p95_ms``, a stress
   figure: the last of N simultaneous requests waits for the N-1 before it on a 2-core machine).
   A sample is the time from the emit to the call's ``call:ring`` arriving at the interpreter's socket;
4. **accept -> answer**: every interpreter emits ``call:accept``; the caseworker, on ``call:accepted``,
   sends a ~4.4 KB SDP offer and the interpreter, on receipt, a ~2.9 KB answer; a sample is the time
   from the accept emit to the relayed answer arriving at the caseworker;
5. **relay**: every caseworker queues M ``signal:candidate`` at once (asking for the acknowledgement,
   as clients of the protocol do); a sample is one message's send -> arrival at the other participant
   (same process, same clock), throughput is messages / (last arrival - first send), and server CPU
   per message comes from ``/proc``. The same burst goes through the bare relay over as many sockets,
   in rounds ordered bare, ours, ours, bare, ... after a warm-up of each; medians over the rounds are
   reported. A probe (one message in flight at a time, over one call) gives the unloaded hop latency;
6. hangs up every call, closes the sockets, stops both servers and deletes the temporary files.

``relay_ratio`` = median p50 latency through RRIS / median p50 latency through the bare relay.

``--profile ring|negotiate|relay`` runs RRIS under ``bench/profiled_serve.py`` and prints, for that
phase only, the wall time of the awaited domain steps (database, notifier), the garbage collector's
pauses and a cProfile of the event-loop thread; the figures of a profiled run are inflated.
The last line is always ``result: ring_p95_ms=<n> relay_ratio=<n> burst_ring_p95_ms=<n>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pstats
import random
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from fake_webrtc import fake_candidate, fake_sdp
from measure import Stats, ms, now

from core.accounts import OrganisationKind, Role
from core.clock import SystemClock
from core.config import Settings
from core.interpreters import Gender, WorkingLanguage
from core.languages import LanguageTag
from core.migrate import upgrade
from rris.services import build_services
from signaling.client import SignalingClient

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
PASSWORD = "bench password, not a secret"
LANGUAGE = "ps"
RRIS_READY = "RRIS listening on"
BARE_READY = "BARE RELAY listening on"
PROFILE_OUT_ENV = "RRIS_BENCH_PROFILE_OUT"
START_TIMEOUT_S = 30.0
STEP_TIMEOUT_S = 60.0
TOTAL_TIMEOUT_S = 300.0
CONNECT_CONCURRENCY = 16
PROBE_MESSAGES = 100
Phase = Literal["ring", "negotiate", "relay"]
System = Literal["bare", "ours"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# -- subprocesses -------------------------------------------------------------------------------------


@dataclass
class ServerProcess:
    name: str
    proc: asyncio.subprocess.Process
    url: str
    log_path: Path

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (all its threads)."""
        stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def signal(self, signum: int) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signum)

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


def log_tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


async def start_server(
    name: str, argv: list[str], env: dict[str, str], ready: str, log_path: Path
) -> ServerProcess:
    """Start ``argv`` and wait for its ``ready`` line on stdout (stderr goes to ``log_path``)."""
    with log_path.open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=REPO_DIR, env=env, stdout=asyncio.subprocess.PIPE, stderr=log
        )
    server = ServerProcess(name, proc, "", log_path)
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(START_TIMEOUT_S):
            while True:
                line = (await proc.stdout.readline()).decode()
                if not line:
                    raise RuntimeError("exited")
                if line.startswith(ready):
                    server.url = line[len(ready) :].strip()
                    return server
    except (TimeoutError, RuntimeError) as exc:
        await server.stop()
        raise RuntimeError(f"{name} did not start ({exc!r}):\n{log_tail(log_path)}") from None


def server_env(database_url: str) -> dict[str, str]:
    """The parent environment without any ``RRIS_*`` (no Redis by accident), plus the bench settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRIS_")}
    env.update(
        RRIS_DATABASE_URL=database_url,
        RRIS_HOST="127.0.0.1",
        RRIS_ARGON2_TIME_COST="1",
        RRIS_ARGON2_MEMORY_KIB="1024",
        RRIS_LOG_LEVEL="WARNING",
        RRIS_RING_TIMEOUT_S="3600",
        PYTHONUNBUFFERED="1",
    )
    return env


class Profiler:
    """Switches cProfile in the server subprocess on and off (see ``bench/profiled_serve.py``)."""

    def __init__(self, phase: Phase | None, out: Path) -> None:
        self.phase = phase
        self.out = out
        self.server: ServerProcess | None = None

    def wraps(self, argv_tail: list[str]) -> list[str]:
        script = [str(BENCH_DIR / "profiled_serve.py")] if self.phase else ["-m", "rris"]
        return [sys.executable, *script, *argv_tail]

    async def start(self, phase: Phase) -> None:
        if self.phase == phase and self.server:
            self.server.signal(signal.SIGUSR1)
            await asyncio.sleep(0.2)

    async def stop(self, phase: Phase) -> None:
        if self.phase == phase and self.server:
            self.out.unlink(missing_ok=True)
            self.server.signal(signal.SIGUSR2)
            for _ in range(200):  # the server writes the file atomically, within 10 s at most
                if self.out.exists():
                    return
                await asyncio.sleep(0.05)
            raise RuntimeError("the profiled server wrote no statistics")

    def report(self, top: int = 25) -> None:
        if not self.phase or not self.out.exists():
            return
        timings = json.loads(Path(f"{self.out}.timings.json").read_text())
        print(f"\n--- server, {self.phase} phase: wall time of awaited steps (overlapping, concurrent) ---")
        print(f"{'step':<44}{'count':>8}{'mean ms':>10}{'max ms':>10}{'total s':>10}")
        for name, t in sorted(timings.items(), key=lambda item: -item[1]["total_s"]):
            mean = ms(t["total_s"] / t["count"])
            print(f"{name:<44}{t['count']:>8}{mean:>10.2f}{ms(t['worst_s']):>10.2f}{t['total_s']:>10.2f}")
        stats = pstats.Stats(str(self.out), stream=sys.stdout)
        by_area: defaultdict[str, float] = defaultdict(float)
        for (filename, _, function), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
            by_area[code_area(filename, function)] += tottime
        print(f"\n--- server, {self.phase} phase: CPU of the event-loop thread by code area (cProfile) ---")
        total = sum(by_area.values())
        for area, seconds in sorted(by_area.items(), key=lambda item: -item[1])[:15]:
            print(f"{area:<44}{seconds:>8.3f} s{100 * seconds / total:>7.1f} %")
        print(f"\n--- server, {self.phase} phase: CPU of the event-loop thread, top functions by tottime ---")
        stats.strip_dirs().sort_stats("tottime").print_stats(top)


def code_area(filename: str, function: str) -> str:
    """A profiled function's package (site-packages), module (this repository), stdlib module or name."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if filename.startswith(str(REPO_DIR)):
        return str(Path(filename).relative_to(REPO_DIR))
    if filename == "~":
        return "idle: epoll wait" if "epoll" in function else f"C {function}"[:43]
    path = Path(filename)
    return (
        f"stdlib {path.parent.name}/{path.name}" if path.parent.name == "asyncio" else f"stdlib {path.stem}"
    )


# -- data -----------------------------------------------------------------------------------------------


class NoSockets:
    """The notifier of the seeding services: nobody is connected to the seeding process."""

    async def send(self, sid: str, event: str, payload: dict[str, Any]) -> None:
        return None


async def seed(database_url: str, n: int) -> tuple[list[str], list[str]]:
    """Migrate and fill the temporary database; returns the caseworker and interpreter usernames.

    The services come from the composition root (``build_services``), built exactly as the server
    builds them, with cheap password hashing and no Redis.
    """
    settings = Settings(database_url=database_url, redis_url=None, argon2_time_cost=1, argon2_memory_kib=1024)
    services = build_services(settings, SystemClock(), NoSockets())
    accounts, directory = services.accounts, services.directory
    try:
        await upgrade(services.db)
        office = await accounts.create_organisation("Bench Authority", OrganisationKind.AUTHORITY, "MK")
        pool = await accounts.create_organisation("Bench Interpreter Pool", OrganisationKind.OPERATOR)
        caseworkers = [f"bench.cw.{i:04d}" for i in range(n)]
        interpreters = [f"bench.in.{i:04d}" for i in range(n)]
        for i, username in enumerate(caseworkers):
            await accounts.create_user(office.id, username, f"Caseworker {i}", PASSWORD, Role.CASEWORKER)
        pashto = [WorkingLanguage(LanguageTag.parse(LANGUAGE))]
        for i, username in enumerate(interpreters):
            uid = await accounts.create_user(
                pool.id, username, f"Interpreter {i}", PASSWORD, Role.INTERPRETER
            )
            gender = (Gender.FEMALE, Gender.MALE)[i % 2]
            await directory.set_profile(uid, gender, pashto, [office.id])
        return caseworkers, interpreters
    finally:
        await services.close()


# -- clients --------------------------------------------------------------------------------------------


class ClientPool:
    """Every client the bench opens, so that all of them are closed whatever happens."""

    def __init__(self) -> None:
        self.clients: list[SignalingClient] = []
        self._gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open(self, url: str, username: str | None) -> SignalingClient:
        client = SignalingClient(url)
        self.clients.append(client)
        async with self._gate:
            if username is not None:
                await client.login(username, PASSWORD)
            await client.connect(wait_timeout=STEP_TIMEOUT_S)
        return client

    async def open_many(self, url: str, usernames: Sequence[str | None]) -> list[SignalingClient]:
        return list(await asyncio.gather(*(self.open(url, u) for u in usernames)))

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.clients), return_exceptions=True)
        self.clients.clear()


def expect_ok(ack: Any, what: str) -> dict[str, Any]:
    if not isinstance(ack, dict) or not ack.get("ok"):
        raise RuntimeError(f"{what} refused: {ack!r}")
    return ack


class Countdown:
    """Counts events (acks, arrivals) and wakes a waiter once the expected number is reached."""

    def __init__(self) -> None:
        self.count = 0
        self.expected = 0
        self.failures: list[Any] = []
        self.done = asyncio.Event()

    def expect(self, expected: int) -> None:
        self.count, self.expected = 0, expected
        self.done.clear()

    def tick(self) -> None:
        self.count += 1
        if self.count >= self.expected:
            self.done.set()

    def ack(self, *args: Any) -> None:
        """Acknowledgement callback: RRIS answers ``{"ok": ...}``, the bare relay answers nothing."""
        if args and isinstance(args[0], dict) and not args[0].get("ok", True):
            self.failures.append(args[0])
        self.tick()

    async def wait(self, what: str) -> None:
        try:
            await asyncio.wait_for(self.done.wait(), STEP_TIMEOUT_S)
        except TimeoutError:
            raise RuntimeError(f"{what}: {self.count} of {self.expected} after {STEP_TIMEOUT_S}s") from None
        if self.failures:
            raise RuntimeError(f"{what}: refused: {self.failures[:3]!r}")


@dataclass
class Call:
    caseworker: SignalingClient
    interpreter: SignalingClient
    call_id: str


# -- phases ---------------------------------------------------------------------------------------------


async def request_to_ring(
    caseworkers: list[SignalingClient], interpreters: list[SignalingClient], ramp_s: float
) -> tuple[list[float], list[Call]]:
    """Every caseworker requests, all at once or spread evenly over ``ramp_s``.

    Returns the request->ring samples (ms) and the ringing calls.
    """
    rung: dict[str, tuple[float, SignalingClient]] = {}
    all_rung = Countdown()
    all_rung.expect(len(caseworkers))

    def ring_recorder(interpreter: SignalingClient) -> Callable[[dict[str, Any]], None]:
        def on_ring(data: dict[str, Any]) -> None:
            rung[data["call_id"]] = (now(), interpreter)
            all_rung.tick()

        return on_ring

    for interpreter in interpreters:
        interpreter.sio.on("call:ring", ring_recorder(interpreter))

    async def request(index: int, caseworker: SignalingClient) -> tuple[float, str]:
        if ramp_s:
            await asyncio.sleep(ramp_s * index / len(caseworkers))
        sent = now()
        ack = await caseworker.call("call:request", {"language": LANGUAGE}, timeout=STEP_TIMEOUT_S)
        return sent, expect_ok(ack, "call:request")["call_id"]

    requested = await asyncio.gather(*(request(i, cw) for i, cw in enumerate(caseworkers)))
    await all_rung.wait("rings")
    samples = [ms(rung[call_id][0] - sent) for sent, call_id in requested]
    calls = [Call(cw, rung[cid][1], cid) for cw, (_, cid) in zip(caseworkers, requested, strict=True)]
    return samples, calls


async def accept_to_answer(calls: list[Call], rng: random.Random) -> list[float]:
    """Every interpreter accepts at once; offer and answer are sent as soon as their trigger arrives."""
    accepted: dict[str, float] = {}
    answered: dict[str, float] = {}
    acks, answers = Countdown(), Countdown()
    acks.expect(2 * len(calls))
    answers.expect(len(calls))

    def wire(call: Call, offer: str, answer: str) -> None:
        async def on_accepted(data: dict[str, Any]) -> None:
            payload = {"call_id": data["call_id"], "type": "offer", "sdp": offer}
            await call.caseworker.sio.emit("signal:description", payload, callback=acks.ack)

        async def on_offer(data: dict[str, Any]) -> None:
            payload = {"call_id": data["call_id"], "type": "answer", "sdp": answer}
            await call.interpreter.sio.emit("signal:description", payload, callback=acks.ack)

        def on_answer(data: dict[str, Any]) -> None:
            answered[data["call_id"]] = now()
            answers.tick()

        call.caseworker.sio.on("call:accepted", on_accepted)
        call.interpreter.sio.on("signal:description", on_offer)
        call.caseworker.sio.on("signal:description", on_answer)

    for call in calls:
        wire(call, fake_sdp("offer", rng), fake_sdp("answer", rng))

    async def accept(call: Call) -> None:
        accepted[call.call_id] = now()
        ack = await call.interpreter.call("call:accept", {"call_id": call.call_id}, timeout=STEP_TIMEOUT_S)
        expect_ok(ack, "call:accept")

    await asyncio.gather(*(accept(c) for c in calls))
    await answers.wait("relayed answers")
    await acks.wait("description acks")
    return [ms(answered[c.call_id] - accepted[c.call_id]) for c in calls]


@dataclass(frozen=True)
class Link:
    """One relayed direction: a sender socket, its peer, and the call (and, bare, the peer's sid)."""

    sender: SignalingClient
    receiver: SignalingClient
    call_id: str
    to: str | None = None


@dataclass(frozen=True)
class RelayResult:
    latency: Stats
    throughput: float
    server_cpu_us: float  # server CPU per relayed message, during the burst
    probe_p50: float


@dataclass
class Relay:
    """Drives the same candidate traffic through a set of links and stamps every arrival."""

    server: ServerProcess
    links: list[Link]
    arrivals: dict[tuple[str, str], float] = field(default_factory=dict)
    received: Countdown = field(default_factory=Countdown)
    acks: Countdown = field(default_factory=Countdown)
    rounds: int = 0

    def __post_init__(self) -> None:
        for link in self.links:
            link.receiver.sio.on("signal:candidate", self._arrived)

    def _arrived(self, data: dict[str, Any]) -> None:
        self.arrivals[(data["call_id"], data["candidate"]["candidate"])] = now()
        self.received.tick()

    def _payloads(self, link_index: int, count: int) -> list[tuple[tuple[str, str], dict[str, Any]]]:
        link = self.links[link_index]
        out = []
        for seq in range(count):
            foundation = 1_000_000_000 + (self.rounds % 100) * 10_000_000 + link_index * 1000 + seq
            line = fake_candidate(foundation, seq, link.call_id[:4])
            body = {
                "candidate": line,
                "sdpMid": "0",
                "sdpMLineIndex": 0,
                "usernameFragment": link.call_id[:4],
            }
            payload: dict[str, Any] = {"call_id": link.call_id, "candidate": body}
            if link.to is not None:
                payload["to"] = link.to
            out.append(((link.call_id, line), payload))
        return out

    async def burst(self, per_link: int) -> tuple[Stats, float, float]:
        """Every link sends ``per_link`` candidates at once: one-way latency (ms), messages/s and
        server CPU (us) per message."""
        self.rounds += 1
        batches = [self._payloads(i, per_link) for i in range(len(self.links))]
        total = len(self.links) * per_link
        self.arrivals.clear()
        self.received.expect(total)
        self.acks.expect(total)
        sent: dict[tuple[str, str], float] = {}

        async def send(link: Link, batch: list[tuple[tuple[str, str], dict[str, Any]]]) -> None:
            # emit only queues the frame (the socket's writer task sends it), so the whole burst is
            # queued before any arrival is handled: send times do not depend on the server's speed
            for key, payload in batch:
                sent[key] = now()
                await link.sender.sio.emit("signal:candidate", payload, callback=self.acks.ack)

        cpu = self.server.cpu_seconds()
        start = now()
        await asyncio.gather(*(send(link, batch) for link, batch in zip(self.links, batches, strict=True)))
        await self.received.wait("relayed candidates")
        end = max(self.arrivals.values())
        await self.acks.wait("candidate acks")
        cpu_us = (self.server.cpu_seconds() - cpu) * 1e6 / total
        latencies = [ms(self.arrivals[key] - t) for key, t in sent.items()]
        return Stats.of(latencies), total / (end - start), cpu_us

    async def probe(self, messages: int) -> float:
        """One message in flight at a time over the first link: p50 unloaded one-way latency (ms)."""
        self.rounds += 1
        samples = []
        for key, payload in self._payloads(0, messages):
            self.received.expect(1)
            self.acks.expect(1)
            sent = now()
            await self.links[0].sender.sio.emit("signal:candidate", payload, callback=self.acks.ack)
            await self.received.wait("probe candidate")
            samples.append(ms(self.arrivals[key] - sent))
            await self.acks.wait("probe ack")
        return statistics.median(samples)

    async def measure(self, per_link: int) -> RelayResult:
        latency, throughput, cpu_us = await self.burst(per_link)
        return RelayResult(latency, throughput, cpu_us, await self.probe(PROBE_MESSAGES))


async def cancel_rings(calls: list[Call]) -> None:
    """Cancel calls that are still ringing; their interpreters go back on standby."""

    async def cancel(call: Call) -> None:
        ack = await call.caseworker.call("call:cancel", {"call_id": call.call_id}, timeout=STEP_TIMEOUT_S)
        expect_ok(ack, "call:cancel")
        cancelled = await call.interpreter.next_event("call:ring-cancelled", timeout=STEP_TIMEOUT_S)
        assert cancelled["call_id"] == call.call_id, cancelled

    await asyncio.gather(*(cancel(c) for c in calls))


async def hang_up(calls: list[Call]) -> None:
    async def end(call: Call) -> None:
        ack = await call.caseworker.call("call:hangup", {"call_id": call.call_id}, timeout=STEP_TIMEOUT_S)
        expect_ok(ack, "call:hangup")
        ended = await call.interpreter.next_event("call:ended", timeout=STEP_TIMEOUT_S)
        assert ended["call_id"] == call.call_id, ended

    await asyncio.gather(*(end(c) for c in calls))


# -- the run --------------------------------------------------------------------------------------------


@dataclass
class Figures:
    calls: int
    candidates: int
    rounds: int
    ramp_ms: float
    ring: Stats | None = None  # requests spread over ramp_ms: the headline
    ring_burst: Stats | None = None  # all requests in the same instant: the stress figure
    ring_burst_cpu_ms: float = 0.0
    answer: Stats | None = None
    ring_cpu_ms: float = 0.0  # server CPU per call during the phase
    answer_cpu_ms: float = 0.0
    relay: dict[System, list[RelayResult]] = field(default_factory=lambda: {"bare": [], "ours": []})

    def relay_median(self, system: System, pick: Callable[[RelayResult], float]) -> float:
        return statistics.median(pick(r) for r in self.relay[system])


async def run(args: argparse.Namespace, tmp: Path) -> Figures:
    figures = Figures(args.calls, args.candidates, args.rounds, args.ramp_ms)
    rng = random.Random(20240601)
    database_url = f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
    started = now()
    caseworker_names, interpreter_names = await seed(database_url, args.calls)
    print(f"seeded {args.calls} caseworkers and {args.calls} interpreters in {now() - started:.1f}s")

    profiler = Profiler(args.profile, tmp / "server.pstats")
    env = server_env(database_url) | {PROFILE_OUT_ENV: str(profiler.out)}
    servers: list[ServerProcess] = []
    pool = ClientPool()
    try:
        argv = profiler.wraps(["serve", "--port", str(free_port())])
        ours = await start_server("rris", argv, env, RRIS_READY, tmp / "rris.log")
        servers.append(ours)
        profiler.server = ours
        bare_argv = [sys.executable, str(BENCH_DIR / "bare_relay.py"), "--port", str(free_port())]
        bare = await start_server("bare relay", bare_argv, env, BARE_READY, tmp / "bare.log")
        servers.append(bare)

        started = now()
        caseworkers = await pool.open_many(ours.url, caseworker_names)
        interpreters = await pool.open_many(ours.url, interpreter_names)
        for interpreter in interpreters:
            expect_ok(await interpreter.call("presence:standby", {"on": True}), "presence:standby")
        bare_senders = await pool.open_many(bare.url, [None] * args.calls)
        bare_receivers = await pool.open_many(bare.url, [None] * args.calls)
        print(f"connected {4 * args.calls} sockets ({2 * args.calls} per server) in {now() - started:.1f}s")

        await profiler.start("ring")
        cpu = ours.cpu_seconds()
        ring_samples, calls = await request_to_ring(caseworkers, interpreters, args.ramp_ms / 1000)
        figures.ring_cpu_ms = ms(ours.cpu_seconds() - cpu) / args.calls
        figures.ring = Stats.of(ring_samples)
        await cancel_rings(calls)
        cpu = ours.cpu_seconds()
        burst_samples, calls = await request_to_ring(caseworkers, interpreters, 0)
        figures.ring_burst_cpu_ms = ms(ours.cpu_seconds() - cpu) / args.calls
        figures.ring_burst = Stats.of(burst_samples)
        await profiler.stop("ring")

        await profiler.start("negotiate")
        cpu = ours.cpu_seconds()
        figures.answer = Stats.of(await accept_to_answer(calls, rng))
        figures.answer_cpu_ms = ms(ours.cpu_seconds() - cpu) / args.calls
        await profiler.stop("negotiate")

        relays: dict[System, Relay] = {
            "ours": Relay(ours, [Link(c.caseworker, c.interpreter, c.call_id) for c in calls]),
            "bare": Relay(
                bare,
                [
                    Link(s, r, uuid.uuid4().hex, r.sio.get_sid())
                    for s, r in zip(bare_senders, bare_receivers, strict=True)
                ],
            ),
        }
        for relay in relays.values():  # warm-up, discarded
            await relay.measure(args.candidates)
        pairs: tuple[tuple[System, System], ...] = (("bare", "ours"), ("ours", "bare"))
        for round_index in range(args.rounds):  # bare, ours, ours, bare, ...: no order bias
            for system in pairs[round_index % 2]:
                if system == "ours":
                    await profiler.start("relay")
                figures.relay[system].append(await relays[system].measure(args.candidates))
                if system == "ours":
                    await profiler.stop("relay")

        await hang_up(calls)
        print("all calls hung up")
    except BaseException:
        for server in servers:
            print(
                f"--- last lines of the {server.name} log ---\n{log_tail(server.log_path)}", file=sys.stderr
            )
        raise
    finally:
        await pool.close()
        for server in servers:
            await server.stop()
    profiler.report()
    return figures


def print_figures(f: Figures) -> tuple[float, float]:
    assert f.ring is not None
    assert f.ring_burst is not None
    assert f.answer is not None
    how = f"spread over {f.ramp_ms / 1000:.1f} s" if f.ramp_ms else "all at once"
    print()
    print(f"RRIS signalling benchmark: {f.calls} concurrent calls ({2 * f.calls} sockets), loopback")
    print(f"{'measure':<40}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'msg/s':>10}   server CPU")
    for label, stats, cpu in (
        (f"request -> ring ({how})", f.ring, f.ring_cpu_ms),
        ("request -> ring (all in one instant)", f.ring_burst, f.ring_burst_cpu_ms),
        ("accept -> relayed SDP answer", f.answer, f.answer_cpu_ms),
    ):
        print(f"{label:<40}{stats.p50:>10.2f}{stats.p95:>10.2f}{stats.max:>10.2f}{'':>10}{cpu:>8.2f} ms/call")
    total = f.calls * f.candidates
    print(
        f"relay burst, {f.calls} calls x {f.candidates} candidates = {total} msgs, "
        f"medians of {f.rounds} rounds:"
    )
    values: dict[System, list[float]] = {}
    labels: dict[System, str] = {"ours": "  RRIS relay", "bare": "  bare python-socketio relay"}
    for system, label in labels.items():
        values[system] = [
            f.relay_median(system, lambda r: r.latency.p50),
            f.relay_median(system, lambda r: r.latency.p95),
            f.relay_median(system, lambda r: r.latency.max),
            f.relay_median(system, lambda r: r.throughput),
            f.relay_median(system, lambda r: r.server_cpu_us),
        ]
        p50, p95, worst, rate, cpu = values[system]
        print(f"{label:<40}{p50:>10.2f}{p95:>10.2f}{worst:>10.2f}{rate:>10.0f}{cpu:>8.0f} us/msg")
    ratios = [o / b for o, b in zip(values["ours"], values["bare"], strict=True)]
    print(f"{'  ratio ours / bare':<40}" + "".join(f"{r:>9.2f}x" for r in ratios[:4]) + f"{ratios[4]:>7.2f}x")
    probe = {s: f.relay_median(s, lambda r: r.probe_p50) for s in labels}
    print(
        f"relay probe, one message in flight ({PROBE_MESSAGES} msgs), p50 ms: RRIS {probe['ours']:.2f}, "
        f"bare {probe['bare']:.2f}, ratio {probe['ours'] / probe['bare']:.2f}x"
    )
    paired = sorted(
        o.latency.p50 / b.latency.p50 for o, b in zip(f.relay["ours"], f.relay["bare"], strict=True)
    )
    print(
        f"  p50 ratio of each round's ours/bare pair: median {statistics.median(paired):.2f}x, "
        f"range {paired[0]:.2f}x to {paired[-1]:.2f}x (machine noise)"
    )
    for system in labels:
        per_round = ", ".join(
            f"{r.latency.p50:.0f}/{r.throughput:.0f}/{r.server_cpu_us:.0f}" for r in f.relay[system]
        )
        print(f"  {system} rounds, p50 ms/msg/s/us CPU: {per_round}")
    ring_p95, relay_ratio = f.ring.p95, ratios[0]
    print(
        "relay_ratio = p50 one-way latency of a candidate through RRIS / through the bare relay "
        "(same sockets, payloads and burst; median of alternating rounds)"
    )
    print(
        f"targets: request->ring p95 < 50 ms: {'met' if ring_p95 < 50 else 'MISSED'} ({ring_p95:.2f}); "
        f"relay_ratio < 1.3: {'met' if relay_ratio < 1.3 else 'MISSED'} ({relay_ratio:.2f})"
    )
    return ring_p95, relay_ratio


def main() -> None:
    parser = argparse.ArgumentParser(description="RRIS signalling benchmark (loopback only)")
    parser.add_argument("--calls", type=int, default=100, help="concurrent calls (2 sockets each)")
    parser.add_argument("--candidates", type=int, default=20, help="candidates per call in a relay burst")
    parser.add_argument("--rounds", type=int, default=10, help="alternating bare/ours relay rounds")
    parser.add_argument(
        "--ramp-ms",
        type=float,
        default=2000.0,
        help="spread the headline call requests evenly over this window (default 2000: 50 requests/s "
        "for 100 calls); a second pass always sends them all in one instant",
    )
    parser.add_argument("--profile", choices=["ring", "negotiate", "relay"], help="cProfile the server")
    args = parser.parse_args()
    if not 1 <= args.calls <= 1000 or not 1 <= args.candidates <= 500 or not 1 <= args.rounds <= 20:
        parser.error("--calls 1..1000, --candidates 1..500, --rounds 1..20")
    if not 0 <= args.ramp_ms <= 60_000:
        parser.error("--ramp-ms 0..60000")
    if args.profile:
        print(f"PROFILING the {args.profile} phase: the server runs under cProfile, figures are inflated")
    tmp = Path(tempfile.mkdtemp(prefix="rris-bench-"))
    try:
        figures = asyncio.run(asyncio.wait_for(run(args, tmp), TOTAL_TIMEOUT_S))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ring_p95, relay_ratio = print_figures(figures)
    assert figures.ring_burst is not None
    print(
        f"result: ring_p95_ms={ring_p95:.2f} relay_ratio={relay_ratio:.2f} "
        f"burst_ring_p95_ms={figures.ring_burst.p95:.2f}"
    )


if __name__ == "__main__":
    main()
