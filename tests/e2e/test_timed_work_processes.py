"""Two OS processes share one job store: every timed job runs exactly once, and a survivor takes over.

Each process schedules its own jobs; the effect appends a line to one file with no uniqueness guard, so a
job run by both processes, or twice by one, would show as two lines.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from core.db import Database
from core.migrate import upgrade
from tests.support.external import fresh_postgres_database, require_redis, unique_prefix

REPO_ROOT = Path(__file__).resolve().parents[2]
POLL_S = 0.2
QUIET_S = 0.6  # a few poll intervals: time enough for a duplicate run to show


class Worker:
    def __init__(self, name: str, process: asyncio.subprocess.Process, stderr_path: Path) -> None:
        self.name = name
        self.process = process
        self.stderr_path = stderr_path

    @property
    def pid(self) -> int:
        return self.process.pid

    async def line(self) -> str:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), timeout=20)
        assert raw, f"worker {self.name} exited:\n{self.stderr_path.read_text(errors='replace')}"
        return raw.decode().strip()

    async def schedule(self, subject: str, seconds_ahead: float) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"schedule {subject} {seconds_ahead}\n".encode())
        await self.process.stdin.drain()
        assert await self.line() == "ok"

    async def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def close(self) -> None:
        if self.process.returncode is None and self.process.stdin is not None:
            self.process.stdin.write(b"quit\n")
            try:
                await asyncio.wait_for(self.process.wait(), timeout=10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()


@asynccontextmanager
async def workers(tmp_path: Path, *extra: str) -> AsyncIterator[list[Worker]]:
    """Two workers on one job store, both started and ready; stopped (or already killed) at the end."""
    started: list[Worker] = []
    try:
        for name in ("a", "b"):
            stderr_path = tmp_path / f"worker-{name}.log"
            with stderr_path.open("wb") as stderr:
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tests.support.timed_worker",
                    "--out",
                    str(tmp_path / "runs.txt"),
                    "--poll",
                    str(POLL_S),
                    *extra,
                    cwd=REPO_ROOT,
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=stderr,
                )
            started.append(Worker(name, process, stderr_path))
        for worker in started:
            assert await worker.line() == "ready"
        yield started
    finally:
        for worker in started:
            await worker.close()


def runs(tmp_path: Path) -> list[tuple[str, int]]:
    path = tmp_path / "runs.txt"
    lines = path.read_text().splitlines() if path.exists() else []
    return [(subject, int(pid)) for subject, pid in (line.split() for line in lines)]


async def settled_runs(tmp_path: Path, expected: set[str], within_s: float = 10.0) -> list[tuple[str, int]]:
    """The runs once every expected subject ran, plus a quiet spell in which a duplicate would show."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while not expected <= {subject for subject, _ in runs(tmp_path)}:
        assert loop.time() < deadline, f"not all ran: {sorted(expected)} vs {runs(tmp_path)}"
        await asyncio.sleep(0.05)
    await asyncio.sleep(QUIET_S)
    return runs(tmp_path)


async def each_job_runs_once_and_a_survivor_takes_over(tmp_path: Path, *worker_args: str) -> None:
    async with workers(tmp_path, *worker_args) as (a, b):
        # Both schedule their own jobs for about the same instant, racing for them if both ran jobs.
        first = {f"{w.name}-{i}" for w in (a, b) for i in range(4)}
        for i in range(4):
            for worker in (a, b):
                await worker.schedule(f"{worker.name}-{i}", 1.0)
        done = await settled_runs(tmp_path, first)
        assert Counter(subject for subject, _ in done) == Counter(first)  # each exactly once
        runner_pids = {pid for _, pid in done}
        assert runner_pids in ({a.pid}, {b.pid})  # all by one process
        runner, survivor = (a, b) if runner_pids == {a.pid} else (b, a)

        # The runner schedules a job and dies before it is due; the survivor takes over and runs it,
        # and the job the survivor adds later.
        await runner.schedule("orphan", 1.2)
        await runner.kill()
        await survivor.schedule("later", 0.5)
        done = await settled_runs(tmp_path, first | {"orphan", "later"})
        assert Counter(subject for subject, _ in done) == Counter(first | {"orphan", "later"})
        assert {pid for subject, pid in done if subject in {"orphan", "later"}} == {survivor.pid}


async def test_two_processes_on_one_sqlite_file_run_each_job_once(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'rris.sqlite3'}"
    database = Database(url)
    try:
        await upgrade(database)
    finally:
        await database.close()
    await each_job_runs_once_and_a_survivor_takes_over(tmp_path, "--database-url", url)


@pytest.mark.postgres
async def test_two_processes_on_postgresql_run_each_job_once(tmp_path: Path) -> None:
    async with fresh_postgres_database() as url:
        database = Database(url)
        try:
            await upgrade(database)
        finally:
            await database.close()
        await each_job_runs_once_and_a_survivor_takes_over(tmp_path, "--database-url", url)


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_processes_with_the_redis_lock_run_each_job_once(tmp_path: Path) -> None:
    redis_url = await require_redis()
    async with fresh_postgres_database() as url:
        database = Database(url)
        try:
            await upgrade(database)
        finally:
            await database.close()
        await each_job_runs_once_and_a_survivor_takes_over(
            tmp_path, "--database-url", url, "--redis-url", redis_url, "--redis-prefix", unique_prefix()
        )
