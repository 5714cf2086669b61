"""Timed work in real ``rris serve`` processes: a reminder survives a restart, and with two nodes on the
real PostgreSQL and Redis each reminder is sent by exactly one of them.

Bookings are made and accepted over HTTP as people would; the reminders are read back from the
notification API and counted in both nodes' logs (each run of a job logs ``timed_job_ran`` once).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any

import pytest
from redis.asyncio import Redis

from core.clock import SystemClock
from core.migrate import upgrade
from rris.services import build_services
from scheduler.availability import Availability, Weekday, WeeklySlot
from signaling.client import SignalingClient
from tests.conftest import make_settings
from tests.support.domain import RecordingNotifier
from tests.support.external import fresh_postgres_database, require_redis, unique_prefix
from tests.support.nodes import Node, running_nodes, start_node, wait_healthy
from tests.support.world import PASSWORD, World, build_world

pytestmark = pytest.mark.timeout(120)


def _all_week() -> Availability:
    return Availability(
        "UTC",
        tuple(WeeklySlot(Weekday(d), time(0), time(12)) for d in range(7))
        + tuple(WeeklySlot(Weekday(d), time(12), time(0)) for d in range(7)),
    )


async def _seed(tmp_path: Path, database_url: str) -> World:
    """Schema, people and round-the-clock hours for every interpreter, written before any node starts."""
    services = build_services(
        make_settings(tmp_path, database_url=database_url), SystemClock(), RecordingNotifier()
    )
    try:
        await upgrade(services.db)
        world = await build_world(services.accounts, services.directory)
        for name in ("ps.female", "ps.male", "ar.male", "fa.iran"):
            await services.availability.put(world.id(name), _all_week())
        return world
    finally:
        await services.close()


def _env(database_url: str, reminder_s: int, **more: str) -> dict[str, str]:
    return {
        "RRIS_DATABASE_URL": database_url,
        "RRIS_ARGON2_TIME_COST": "1",
        "RRIS_ARGON2_MEMORY_KIB": "1024",
        "RRIS_REMINDER_OFFSETS_S": json.dumps([reminder_s]),
        "RRIS_SCHEDULER_POLL_S": "0.5",
        "RRIS_LOG_LEVEL": "INFO",
        **more,
    }


class Person:
    """A logged-in user of one node, speaking HTTP as the browser client does."""

    def __init__(self, node: Node) -> None:
        self.client = SignalingClient(node.url)
        self.base = node.url

    async def login(self, username: str) -> Person:
        await self.client.login(username, PASSWORD)
        return self

    async def post(self, path: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
        assert self.client.csrf_token is not None
        headers = {"X-CSRF-Token": self.client.csrf_token, **headers}
        async with self.client.http.post(f"{self.base}{path}", json=body, headers=headers) as resp:
            answer: dict[str, Any] = await resp.json()
            assert resp.status in (200, 201), answer
            return answer

    async def notifications(self) -> list[dict[str, Any]]:
        async with self.client.http.get(f"{self.base}/api/notifications") as resp:
            assert resp.status == 200
            found: list[dict[str, Any]] = (await resp.json())["notifications"]
            return found

    async def close(self) -> None:
        await self.client.close()


async def book_and_confirm(
    caseworker: Person, interpreters: dict[str, Person], language: str, start: datetime
) -> dict[str, Any]:
    """Book through the caseworker; the interpreter it is offered to (keyed by user id) accepts."""
    booking = await caseworker.post(
        "/api/bookings",
        {"language": language, "start": start.isoformat(), "duration_min": 30, "modality": "video"},
        **{"Idempotency-Key": uuid.uuid4().hex},
    )
    assert booking["state"] == "offered", booking
    holder = interpreters[booking["interpreter_id"]]
    accepted = await holder.post(f"/api/bookings/{booking['id']}/accept", {"version": booking["version"]})
    assert accepted["state"] == "confirmed"
    return accepted


def _ran(node: Node, kind: str) -> list[str]:
    """Subject ids of the ``kind`` jobs this node ran, from its JSON log lines."""
    subjects = []
    for line in node.stderr_path.read_text(errors="replace").splitlines():
        if '"timed_job_ran"' in line:
            entry = json.loads(line)
            if entry.get("kind") == kind:
                subjects.append(entry["subject_id"])
    return subjects


async def wait_for(check: Any, within: float) -> None:
    deadline = monotonic() + within
    while not await check():
        assert monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.2)


@pytest.fixture
async def people() -> AsyncIterator[list[Person]]:
    made: list[Person] = []
    yield made
    for person in made:
        await person.close()


async def test_a_reminder_scheduled_before_a_restart_fires_after_it(
    tmp_path: Path, people: list[Person]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'rris.sqlite3'}"
    world = await _seed(tmp_path, url)
    env = _env(url, reminder_s=30)
    first = start_node("before", env, tmp_path)
    try:
        await wait_healthy(first)
        caseworker = await Person(first).login("cw.a")
        pashto = {world.id(name): await Person(first).login(name) for name in ("ps.female", "ps.male")}
        people += [caseworker, *pashto.values()]
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=42)
        booking = await book_and_confirm(caseworker, pashto, "ps-AF", start)
    finally:
        assert await first.stop() == 0
    assert _ran(first, "reminder_30") == []  # due 12 s after booking: the node was gone by then

    await asyncio.sleep(max(0.0, (start - timedelta(seconds=30) - datetime.now(UTC)).total_seconds() + 1))
    second = start_node("after", env, tmp_path)
    try:
        await wait_healthy(second)
        caseworker2 = await Person(second).login("cw.a")
        people.append(caseworker2)

        async def reminded() -> bool:
            return any(n["kind"] == "reminder_30" for n in await caseworker2.notifications())

        await wait_for(reminded, within=15)
        assert _ran(second, "reminder_30") == [booking["id"]]
    finally:
        assert await second.stop() == 0
        print(first.logs(), second.logs())


@pytest.mark.postgres
@pytest.mark.redis
async def test_with_two_nodes_each_reminder_fires_exactly_once(tmp_path: Path, people: list[Person]) -> None:
    redis_url = await require_redis()
    prefix = unique_prefix()
    try:
        async with fresh_postgres_database() as pg_url:
            world = await _seed(tmp_path, pg_url)
            env = _env(pg_url, reminder_s=15, RRIS_REDIS_URL=redis_url, RRIS_REDIS_PREFIX=prefix)
            async with running_nodes(2, env, tmp_path) as (node1, node2):
                interpreters = {
                    world.id(name): await Person(node).login(name)
                    for name, node in (
                        ("ps.female", node1),
                        ("ps.male", node2),
                        ("ar.male", node1),
                        ("fa.iran", node2),
                    )
                }
                caseworkers = [await Person(node1).login("cw.a"), await Person(node2).login("cw.a2")]
                people.extend([*interpreters.values(), *caseworkers])
                start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=25)
                made = []
                for i, language in enumerate(("ps-AF", "ps-AF", "ar", "fa-IR")):
                    made.append(await book_and_confirm(caseworkers[i % 2], interpreters, language, start))
                ids = sorted(b["id"] for b in made)
                assert len({b["interpreter_id"] for b in made}) == 4

                async def all_ran() -> bool:
                    return sorted(_ran(node1, "reminder_15") + _ran(node2, "reminder_15")) == ids

                await wait_for(all_ran, within=30)
                await asyncio.sleep(2)  # a second run, were there one, would show by now
                ran = _ran(node1, "reminder_15") + _ran(node2, "reminder_15")
                assert sorted(ran) == ids  # each booking's reminder once, by one node or the other
                for caseworker in caseworkers:
                    kinds = [n["kind"] for n in await caseworker.notifications()]
                    assert kinds.count("reminder_15") == 2
    finally:
        redis = Redis.from_url(redis_url)
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
