"""A separate OS process running TimedWork, driven through stdin, for the tests of several processes.

    python -m tests.support.timed_worker --database-url URL --out FILE [--redis-url URL --redis-prefix P]

It prints ``ready`` once started. Each stdin line ``schedule <subject> <seconds ahead>`` is answered ``ok``;
``quit`` or the end of stdin stops it cleanly. The effect of the one kind, ``ping``, appends
``<subject> <pid>`` to FILE in one O_APPEND write with no uniqueness guard, so a double run would show.
With ``--redis-url`` the single-runner lock is the Redis one; otherwise the one the database calls for.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.leader import RedisLock, SingleRunnerLock, lock_for
from core.logging import configure_logging
from scheduler.timed_work import MisfirePolicy, TimedWork

KIND = "ping"


def _lock(args: argparse.Namespace) -> SingleRunnerLock:
    if args.redis_url:
        return RedisLock(args.redis_url, f"{args.redis_prefix}:timed-work:runner", ttl_s=10 * args.poll)
    return lock_for(args.database_url, None, args.redis_prefix)


async def _serve(args: argparse.Namespace) -> None:
    out = Path(args.out)

    async def append_line(subject_id: str) -> None:
        fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{subject_id} {os.getpid()}\n".encode())
        finally:
            os.close(fd)

    work = TimedWork(args.database_url, _lock(args), poll_interval_s=args.poll, stop_grace_s=1.0)
    work.register(KIND, append_line, MisfirePolicy(grace=None))
    await work.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print("ready", flush=True)
    try:
        while line := (await reader.readline()).decode().split():
            if line[0] == "quit":
                break
            if line[0] == "schedule":
                await work.schedule(KIND, line[1], datetime.now(UTC) + timedelta(seconds=float(line[2])))
                print("ok", flush=True)
    finally:
        await work.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--redis-url")
    parser.add_argument("--redis-prefix", default="rris")
    parser.add_argument("--poll", type=float, default=0.2)
    args = parser.parse_args()
    configure_logging("INFO")
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
