"""Matching benchmark: the booking engine's candidate query and booking writes on a realistic pool.

Run: ``.venv/bin/python bench/matching.py [--postgres URL]`` (about 2 minutes per database; ``--quick``
for a smoke run). With ``--postgres`` or ``RRIS_BENCH_POSTGRES_URL`` (e.g.
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``) the same run follows on a fresh database
created on that server and dropped afterwards. The data (:mod:`booking_data`: 7 authorities, 10,000
interpreters, 60 languages, 100,000 bookings over 8 weeks) is generated once and bulk-inserted; setup is
timed apart. Everything is measured in the same run (the machine is shared and noisy), per database:

1. **candidate query**: :meth:`Matcher.rank_for` on random realistic requests, one at a time (the
   target), after the first queries of a fresh matcher (cold cache, reported apart), then 50 at a time;
2. **naive baseline**: the first ``--naive`` of those requests answered by loading every interpreter's
   profile, hours and active assignments and filtering in Python with ``check_hard``, ``is_available``
   and ``breaches``, the engine's own rules: both must find the same candidates (the order, fair
   rotation over offer history, is not compared). ``naive_ratio`` = naive p95 / engine p95;
3. **booking writes**: ``place`` then ``hold`` of a new booking, 20 one at a time, then ``--rounds``
   bursts of 50 issued at once; a sample runs from the burst's start to the hold's answer. In a burst 40
   writes go to distinct interpreters (each the best candidate of its own request, ranked beforehand)
   and 5 pairs ask for the same interpreter at the same time, as two caseworkers acting on the same
   ranking would: one of each pair must win, the other get ``SlotTaken``, and nobody be double-booked.

Event-loop CPU per query or write is printed too: one process serves a burst of 50 no faster than 50
times that. The last line is ``result: query_p95_ms=<n> write_p95_ms=<n> naive_ratio=<n>`` (SQLite),
after ``result(postgresql): ...`` when PostgreSQL ran.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import random
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg  # type: ignore[import-untyped]
from booking_data import LANGUAGES, LIMITS, NOW, Rows, World, generate, load, random_request
from measure import Stats, ms, now, percentile
from sqlalchemy import select
from sqlalchemy.engine import make_url

from core.clock import FakeClock
from core.db import Database
from core.ids import OrganisationId, UserId
from core.interpreters import Accreditation, Attribute, Gender, Specialisation, WorkingLanguage
from core.languages import LanguageTag
from core.migrate import upgrade
from core.models import (
    InterpreterAssignmentRow,
    InterpreterAvailabilityRow,
    InterpreterConflictRow,
    InterpreterLanguageRow,
    InterpreterOrganisationRow,
    InterpreterProfileRow,
    InterpreterSpecialisationRow,
    UserRow,
)
from scheduler.availability import is_available
from scheduler.availability_store import AvailabilityStore, pattern_from_json
from scheduler.booking_types import BookingRequest, Pick, SlotTaken, WorkloadExceeded
from scheduler.bookings import BookingService
from scheduler.constraints import InterpreterFacts, LanguageSkill, MatchRequest, check_hard
from scheduler.intervals import Interval
from scheduler.matcher import Matcher
from scheduler.ranking import Ranking
from scheduler.requirements import BookingRequirements
from scheduler.workload import breaches


async def naive_candidates(db: Database, request: MatchRequest, interval: Interval) -> tuple[set[str], float]:
    """The baseline: every interpreter's profile, hours and held time loaded, then the engine's rules
    applied in Python (hours parsed only for those passing the hard constraints); the ids found and the
    seconds spent loading."""
    started = now()
    skills: dict[str, list[LanguageSkill]] = defaultdict(list)
    served: dict[str, set[OrganisationId]] = defaultdict(set)
    specialised: dict[str, set[Specialisation]] = defaultdict(set)
    conflicts: dict[str, set[Attribute]] = defaultdict(set)
    held: dict[str, list[Interval]] = defaultdict(list)
    lang, assigned, hours_row = InterpreterLanguageRow, InterpreterAssignmentRow, InterpreterAvailabilityRow
    async with db.sessions() as session:
        active = set((await session.scalars(select(UserRow.id).where(UserRow.active.is_(True)))).all())
        profiles = await session.execute(select(InterpreterProfileRow.user_id, InterpreterProfileRow.gender))
        genders = {uid: Gender(gender) for uid, gender in profiles}
        for uid, tag, dialect, level in await session.execute(
            select(lang.user_id, lang.tag, lang.dialect, lang.accreditation)
        ):
            language = WorkingLanguage(LanguageTag.parse(tag), dialect)
            skills[uid].append(LanguageSkill(language, Accreditation(level)))
        for uid, org in await session.execute(select(InterpreterOrganisationRow.__table__)):
            served[uid].add(OrganisationId(org))
        for uid, name in await session.execute(select(InterpreterSpecialisationRow.__table__)):
            specialised[uid].add(Specialisation(name))
        for uid, key, value in await session.execute(select(InterpreterConflictRow.__table__)):
            conflicts[uid].add(Attribute(key, value))
        stated = await session.execute(select(hours_row.user_id, hours_row.zone, hours_row.pattern))
        hours = {uid: (zone, pattern) for uid, zone, pattern in stated}
        for uid, start, end in await session.execute(
            select(assigned.interpreter_id, assigned.start_at, assigned.end_at).where(
                assigned.active.is_(True)
            )
        ):
            held[uid].append(Interval(start, end))
    loaded = now() - started
    found = set()
    for uid, gender in genders.items():
        if uid not in active or uid not in hours or not skills[uid]:
            continue
        facts = InterpreterFacts(
            UserId(uid), gender, tuple(skills[uid]), frozenset(served[uid]), frozenset(specialised[uid]),
            frozenset(conflicts[uid]),
        )  # fmt: skip
        if check_hard(request, facts):
            continue
        zone, pattern = hours[uid]
        available = is_available(pattern_from_json(zone, pattern), interval.start_utc, interval.end_utc)
        if available and not breaches(LIMITS, held[uid], interval, ZoneInfo(zone)):
            found.add(uid)
    return found, loaded


@dataclass
class Figures:
    backend: str
    setup_s: dict[str, float] = field(default_factory=dict)
    table: list[tuple[str, Stats, str]] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    p95: dict[str, float] = field(default_factory=dict)  # query, naive, write

    def add(self, label: str, samples: Sequence[float], note: str = "") -> Stats:
        stats = Stats.of(samples)
        self.table.append((label, stats, note))
        return stats

    @property
    def naive_ratio(self) -> float:
        return self.p95["naive"] / self.p95["query"]


Answered = list[tuple[MatchRequest, Interval, Ranking]]


async def timed_rank(matcher: Matcher, request: MatchRequest, interval: Interval, t0: float) -> float:
    await matcher.rank_for(request, interval)
    return ms(now() - t0)


async def measure_queries(
    db: Database, world: World, args: argparse.Namespace, rng: random.Random, f: Figures
) -> Answered:
    clock = FakeClock(NOW)
    matcher = Matcher(db, clock, AvailabilityStore(db, clock), LIMITS)
    cold = [random_request(world, rng) for _ in range(max(10, args.queries // 10))]
    cold_samples = [await timed_rank(matcher, request, interval, now()) for request, interval in cold]
    answered: Answered = []
    samples: list[float] = []
    cpu = time.thread_time()
    for request, interval in (random_request(world, rng) for _ in range(args.queries)):
        started = now()
        answered.append((request, interval, await matcher.rank_for(request, interval)))
        samples.append(ms(now() - started))
    cpu_ms = ms(time.thread_time() - cpu) / args.queries
    counts = [len(ranking.candidates) for _, _, ranking in answered]
    note = (
        f"{statistics.mean(counts):.1f} candidates on average (median {statistics.median(counts):.0f}, "
        f"max {max(counts)}, {counts.count(0)} with none); event loop CPU {cpu_ms:.1f} ms/query"
    )
    f.p95["query"] = f.add("candidate query (rank_for), one at a time", samples, note).p95
    both = [s for s, (r, _, _) in zip(samples, answered, strict=True) if r.counterpart is not None]
    if both:
        f.add("  of which naming a counterpart language", both, "the interpreter must also work in en")
    f.add("  cold cache: first queries of a fresh node", cold_samples, "hours parsed on first sight")
    samples, started = [], now()
    for first in range(0, len(answered), args.concurrency):
        t0 = now()
        batch = answered[first : first + args.concurrency]
        samples += await asyncio.gather(*(timed_rank(matcher, r, i, t0) for r, i, _ in batch))
    f.add(f"  {args.concurrency} at a time", samples, f"{len(answered) / (now() - started):.0f} queries/s")
    return answered


async def measure_naive(db: Database, answered: Answered, f: Figures) -> None:
    samples, loading, same, ids = [], [], 0, 0
    for request, interval, ranking in answered:
        started = now()
        found, loaded = await naive_candidates(db, request, interval)
        samples.append(ms(now() - started))
        loading.append(ms(loaded))
        same += found == set(ranking.user_ids)
        ids += len(found)
    note = f"loading alone p50 {percentile(loading, 50):.0f} ms"
    f.p95["naive"] = f.add("naive baseline: load all, filter in Python", samples, note).p95
    f.checks.append(
        f"engine and naive baseline agree on {same} of {len(answered)} candidate sets ({ids} candidates)"
    )


def booking_request(
    world: World, request: MatchRequest, interval: Interval, rng: random.Random
) -> BookingRequest:
    requirements = BookingRequirements(
        gender=request.gender,
        specialisations=request.specialisations,
        min_accreditation=request.min_accreditation,
        applicant_attributes=request.applicant_attributes,
        counterpart_language=request.counterpart,
    )
    caseworker = rng.choice(world.caseworkers[request.organisation])
    return BookingRequest(
        request.organisation, caseworker, request.language, interval, requirements=requirements
    )


async def write_plan(
    matcher: Matcher, world: World, rng: random.Random, distinct: int, pairs: int
) -> list[tuple[BookingRequest, UserId]]:
    """Writes to distinct interpreters, each the best of its own ranking; then the last ``pairs`` of them
    again, by another caseworker of the same authority: the same interpreter at the same time."""
    plan: list[tuple[BookingRequest, UserId]] = []
    used: set[UserId] = set()
    for attempt in itertools.count(1):
        if len(plan) == distinct:
            break
        if attempt > 100 * distinct:
            raise RuntimeError("too few available interpreters to plan the booking writes")
        request, interval = random_request(world, rng)
        best = next((u for u in (await matcher.rank_for(request, interval)).user_ids if u not in used), None)
        if best is not None:
            used.add(best)
            plan.append((booking_request(world, request, interval, rng), best))
    again = [(replace(r, caseworker_id=rng.choice(world.caseworkers[r.organisation_id])), u) for r, u in plan]
    return plan + again[distinct - pairs :]


async def write(
    service: BookingService, request: BookingRequest, interpreter: UserId, t0: float
) -> tuple[float, str]:
    """One booking as a client makes it (with an idempotency key), then its offer to ``interpreter``."""
    booking, _ = await service.place(request, idempotency_key=os.urandom(8).hex())
    try:
        await service.hold(booking.id, [Pick(interpreter)])
    except (SlotTaken, WorkloadExceeded) as refused:
        return ms(now() - t0), refused.code
    return ms(now() - t0), "held"


async def measure_writes(
    db: Database, world: World, args: argparse.Namespace, rng: random.Random, f: Figures
) -> None:
    clock = FakeClock(NOW)
    matcher = Matcher(db, clock, AvailabilityStore(db, clock), LIMITS)
    service = BookingService(db, clock, limits=LIMITS)
    single = await write_plan(matcher, world, rng, 20, 0)
    cpu = time.thread_time()
    samples = [(await write(service, r, u, now()))[0] for r, u in single]
    note = f"event loop CPU {ms(time.thread_time() - cpu) / len(single):.1f} ms/write"
    f.add("booking write (place + hold), one at a time", samples, note)
    pairs = args.concurrency // 10
    samples, rates, contended = [], [], []
    outcomes: dict[str, int] = defaultdict(int)
    for _ in range(args.rounds):
        plan = await write_plan(matcher, world, rng, args.concurrency - pairs, pairs)
        contended += plan[-pairs:]
        t0 = now()
        done = await asyncio.gather(*(write(service, r, u, t0) for r, u in plan))
        rates.append(len(plan) / (now() - t0))
        samples += [sample for sample, _ in done]
        for index, (_, outcome) in enumerate(done):
            outcomes[("contended " if index >= len(plan) - 2 * pairs else "") + outcome] += 1
    label = f"booking write, {args.concurrency} at once, {args.rounds} bursts"
    f.p95["write"] = f.add(label, samples, f"{statistics.median(rates):.0f} writes/s (median burst)").p95
    doubled = 0
    for interpreter in {u for _, u in contended}:
        held = await service.active_assignments(interpreter)  # earliest first
        doubled += any(b.start_utc < a.end_utc + LIMITS.buffer for a, b in itertools.pairwise(held))
    summary = ", ".join(f"{outcome} {count}" for outcome, count in sorted(outcomes.items()))
    f.checks.append(f"burst outcomes: {summary}; double-booked interpreters: {doubled}")


async def run_backend(url: str, rows: Rows, world: World, args: argparse.Namespace) -> Figures:
    db = Database(url)
    figures = Figures(make_url(url).get_backend_name())
    rng = random.Random(args.seed + 1)  # the same requests on every database
    try:
        started = now()
        await upgrade(db)
        figures.setup_s["migrate"] = now() - started
        started = now()
        await load(db, rows)
        figures.setup_s["insert"] = now() - started
        answered = await measure_queries(db, world, args, rng, figures)
        await measure_naive(db, answered[: args.naive], figures)
        await measure_writes(db, world, args, rng, figures)
    finally:
        await db.close()
    return figures


async def run_postgres(server_url: str, rows: Rows, world: World, args: argparse.Namespace) -> Figures:
    """On a fresh database on the server ``server_url`` names, dropped afterwards."""
    url = make_url(server_url)
    name = f"rris_bench_{os.urandom(4).hex()}"
    admin = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password, database="postgres"
    )
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            bench_url = url.set(drivername="postgresql+asyncpg", database=name)
            return await run_backend(bench_url.render_as_string(hide_password=False), rows, world, args)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def print_figures(f: Figures, args: argparse.Namespace) -> None:
    size = f"{args.interpreters} interpreters, {args.bookings} bookings, {args.languages} languages"
    print(f"\nRRIS matching benchmark on {f.backend}: {size}")
    print("setup: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in f.setup_s.items()))
    print(f"{'measure':<46}{'n':>5}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}   notes")
    for label, s, note in f.table:
        print(f"{label:<46}{s.count:>5}{s.p50:>10.2f}{s.p95:>10.2f}{s.p99:>10.2f}   {note}")
    for line in f.checks:
        print(line)
    print(f"naive_ratio = naive p95 / candidate query p95 = {f.naive_ratio:.1f}")
    targets = (
        ("candidate query p95 < 20 ms", f.p95["query"] < 20),
        ("booking write p95 < 100 ms", f.p95["write"] < 100),
        ("naive_ratio >= 10", f.naive_ratio >= 10),
    )
    print("targets: " + "; ".join(f"{target}: {'met' if ok else 'MISSED'}" for target, ok in targets))


def result_line(f: Figures) -> str:
    return (
        f"query_p95_ms={f.p95['query']:.2f} write_p95_ms={f.p95['write']:.2f} naive_ratio={f.naive_ratio:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description="RRIS matching benchmark: candidate query and booking writes"
    )
    parser.add_argument("--interpreters", type=int, default=10_000)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--languages", type=int, default=len(LANGUAGES), help=f"1 to {len(LANGUAGES)}")
    parser.add_argument("--queries", type=int, default=300, help="candidate queries measured one at a time")
    parser.add_argument("--naive", type=int, default=20, help="of those, answered by the naive baseline too")
    parser.add_argument("--rounds", type=int, default=4, help="bursts of concurrent booking writes")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--postgres", default=os.environ.get("RRIS_BENCH_POSTGRES_URL"), metavar="URL")
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.interpreters, args.bookings, args.queries, args.naive, args.rounds = 1000, 10_000, 60, 5, 2
    if not 1 <= args.languages <= len(LANGUAGES) or min(args.queries, args.naive, args.rounds) < 1:
        parser.error(f"--languages 1..{len(LANGUAGES)}; --queries, --naive and --rounds at least 1")
    if not 10 <= args.concurrency <= 200 or args.interpreters < 200 or args.bookings < 0:
        parser.error("--concurrency 10..200, --interpreters at least 200, --bookings not negative")
    args.naive = min(args.naive, args.queries)
    started = now()
    rows, world = generate(args.interpreters, args.bookings, args.languages, args.seed)
    # The generated rows stay alive for both databases; out of the collector's reach, as a server's own
    # long-lived state would be, so a full collection walking them cannot land in a measured sample.
    gc.collect()
    gc.freeze()
    print(f"generated {sum(map(len, rows.values()))} rows in {now() - started:.1f} s (for every database)")
    tmp = Path(tempfile.mkdtemp(prefix="rris-bench-"))
    try:
        sqlite = asyncio.run(run_backend(f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}", rows, world, args))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print_figures(sqlite, args)
    postgres = asyncio.run(run_postgres(args.postgres, rows, world, args)) if args.postgres else None
    if postgres is not None:
        print_figures(postgres, args)
        print(f"result(postgresql): {result_line(postgres)}")
    print(f"result: {result_line(sqlite)}")


if __name__ == "__main__":
    main()
