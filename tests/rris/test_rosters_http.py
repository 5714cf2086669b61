"""Standby rosters over HTTP: coordinators add, list, cancel shifts; retries and refusals change nothing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

import aiohttp
import pytest
from sqlalchemy import select

from core.models import StandbyShiftRow
from tests.rris.conftest import HttpFactory, post_login
from tests.support.server import RunningServer
from tests.support.world import World

TOMORROW = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def at(hour: float) -> str:
    """An instant ``hour`` hours into tomorrow (UTC), as the API takes it."""
    return (TOMORROW + timedelta(hours=hour)).isoformat()


@dataclass
class User:
    http: aiohttp.ClientSession
    csrf: str

    async def get(self, path: str, **query: str) -> tuple[int, dict[str, Any]]:
        async with self.http.get(f"{path}?{urlencode(query)}" if query else path) as resp:
            return resp.status, await resp.json()

    async def post(
        self, path: str, body: object, *, csrf: bool = True, key: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        if key is not None:
            headers["Idempotency-Key"] = key
        async with self.http.post(path, json=body, headers=headers) as resp:
            return resp.status, await resp.json()

    async def add_shift(
        self, body: object, *, csrf: bool = True, key: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        """``POST /api/shifts`` with ``key``, or with a key never used before."""
        return await self.post("/api/shifts", body, csrf=csrf, key=key or f"shift-{uuid4().hex}")

    async def delete(self, path: str, *, csrf: bool = True) -> tuple[int, dict[str, Any]]:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        async with self.http.delete(path, headers=headers) as resp:
            return resp.status, await resp.json()


async def login(http: HttpFactory, username: str) -> User:
    session = http()
    status, body = await post_login(session, username)
    assert status == 200
    return User(session, body["csrf_token"])


def shift_body(world: World, interpreter: str = "ps.male", **changes: object) -> dict[str, object]:
    return {
        "interpreter_id": world.id(interpreter),
        "language": "ps-AF",
        "start": at(8),
        "end": at(16),
        **changes,
    }


async def add(user: User, world: World, interpreter: str = "ps.male", **changes: object) -> dict[str, Any]:
    status, body = await user.add_shift(shift_body(world, interpreter, **changes))
    assert status == 201, body
    return body


def day(**more: str) -> dict[str, str]:
    return {"from": at(0), "to": at(24), **more}


async def rows(server: RunningServer) -> list[tuple[object, ...]]:
    query = select(StandbyShiftRow.__table__).order_by(StandbyShiftRow.id)
    async with server.services.db.sessions() as session:
        return [tuple(row) for row in (await session.execute(query)).all()]


async def test_a_coordinator_rosters_lists_and_cancels_a_shift(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    coordinator = await login(http, "coord")
    made = await add(coordinator, world)
    assert made == {
        "id": made["id"],
        "interpreter_id": world.id("ps.male"),
        "language": "ps-AF",
        "start": (TOMORROW + timedelta(hours=8)).isoformat(),
        "end": (TOMORROW + timedelta(hours=16)).isoformat(),
        "created_by": world.id("coord"),
        "created_at": made["created_at"],
        "cancelled": False,
    }
    assert await coordinator.get("/api/shifts", **day()) == (200, {"shifts": [made]})

    status, cancelled = await coordinator.delete(f"/api/shifts/{made['id']}")
    assert (status, cancelled) == (200, {**made, "cancelled": True})
    assert await coordinator.get("/api/shifts", **day()) == (200, {"shifts": []})
    assert await coordinator.delete(f"/api/shifts/{made['id']}") == (200, cancelled)


async def test_the_listing_filters_by_window_language_and_interpreter(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    coordinator = await login(http, "coord")
    pashto = await add(coordinator, world, "ps.male")
    arabic = await add(coordinator, world, "ar.male", language="ar", start=at(6), end=at(9))
    late = await add(coordinator, world, "ps.female", language="ps", start=at(20), end=at(30))
    _, everything = await coordinator.get("/api/shifts", **day())
    assert everything["shifts"] == [arabic, pashto, late]
    _, pashto_only = await coordinator.get("/api/shifts", **day(language="ps"))
    assert pashto_only["shifts"] == [pashto, late]
    _, hers = await coordinator.get("/api/shifts", **day(interpreter=world.id("ps.female")))
    assert hers["shifts"] == [late]
    _, morning = await coordinator.get("/api/shifts", **{"from": at(0), "to": at(6)})
    assert morning["shifts"] == []


async def test_a_repeated_key_returns_the_same_shift_and_adds_nothing(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    coordinator = await login(http, "coord")
    status, first = await coordinator.add_shift(shift_body(world), key="shift-key-1")
    assert status == 201
    before = await rows(server)
    assert await coordinator.add_shift(shift_body(world), key="shift-key-1") == (200, first)
    assert await rows(server) == before

    await coordinator.delete(f"/api/shifts/{first['id']}")
    status, again = await coordinator.add_shift(shift_body(world), key="shift-key-1")
    assert (status, again) == (200, {**first, "cancelled": True})  # the shift as it is now
    # The key is the coordinator's own: another one using it adds a shift of their own.
    other = await login(http, "coord.a")
    status, theirs = await other.add_shift(shift_body(world, "ps.female"), key="shift-key-1")
    assert (status, theirs["created_by"]) == (201, world.id("coord.a"))


@pytest.mark.parametrize(
    ("interpreter", "changes"),
    [
        pytest.param("ps.male", {"end": at(15)}, id="other-end"),
        pytest.param("ps.male", {"language": "ps"}, id="other-language"),
        pytest.param("ps.female", {}, id="other-interpreter"),
    ],
)
async def test_a_repeated_key_with_another_shift_is_409_and_changes_nothing(
    server: RunningServer, world: World, http: HttpFactory, interpreter: str, changes: dict[str, str]
) -> None:
    coordinator = await login(http, "coord")
    await coordinator.add_shift(shift_body(world), key="shift-key-1")
    before = await rows(server)
    status, body = await coordinator.add_shift(shift_body(world, interpreter, **changes), key="shift-key-1")
    assert (status, body["error"]["code"]) == (409, "idempotency_key_reused")
    assert await rows(server) == before


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(None, id="missing"),
        pytest.param("short", id="too-short"),
        pytest.param("k" * 101, id="too-long"),
        pytest.param("kéy-0000001", id="not-ascii"),
    ],
)
async def test_a_missing_or_malformed_key_is_400_and_adds_nothing(
    server: RunningServer, world: World, http: HttpFactory, key: str | None
) -> None:
    coordinator = await login(http, "coord")
    status, body = await coordinator.post("/api/shifts", shift_body(world), key=key)
    assert (status, body["error"]["code"]) == (400, "invalid_input")
    assert "Idempotency-Key" in body["error"]["message"]
    assert await rows(server) == []


async def test_concurrent_adds_with_one_key_give_one_shift(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    coordinator = await login(http, "coord")
    answers = await asyncio.gather(
        *(coordinator.add_shift(shift_body(world), key="shift-burst-1") for _ in range(6))
    )
    assert sorted(status for status, _ in answers) == [200] * 5 + [201]
    assert {body["id"] for _, body in answers} == {answers[0][1]["id"]}
    assert len(await rows(server)) == 1


@pytest.mark.parametrize("username", ["cw.a", "ps.male"])
async def test_only_coordinators_work_with_rosters(
    server: RunningServer, world: World, http: HttpFactory, username: str
) -> None:
    made = await add(await login(http, "coord"), world)
    before = await rows(server)
    user = await login(http, username)
    for status, body in (
        await user.get("/api/shifts", **day()),
        await user.add_shift(shift_body(world, start=at(17), end=at(18))),
        await user.delete(f"/api/shifts/{made['id']}"),
    ):
        assert (status, body["error"]["code"]) == (403, "forbidden")
    assert await rows(server) == before


async def test_an_authoritys_coordinator_works_only_with_the_interpreters_serving_it(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    operator = await login(http, "coord")
    theirs = await add(operator, world, "ps.only.b")
    ours = await add(operator, world, "ps.male")
    before = await rows(server)
    coordinator = await login(http, "coord.a")
    assert await coordinator.get("/api/shifts", **day()) == (200, {"shifts": [ours]})
    for status, body in (
        await coordinator.add_shift(shift_body(world, "ps.only.b", start=at(17), end=at(18))),
        await coordinator.delete(f"/api/shifts/{theirs['id']}"),
    ):
        assert (status, body["error"]["code"]) == (404, "not_found")
    assert await rows(server) == before
    mine = await add(coordinator, world, "ps.female", start=at(17), end=at(18))
    assert mine["created_by"] == world.id("coord.a")


async def test_an_overlapping_shift_is_409_and_adds_nothing(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    coordinator = await login(http, "coord")
    await add(coordinator, world)
    before = await rows(server)
    status, body = await coordinator.add_shift(shift_body(world, language="ps", start=at(15), end=at(17)))
    assert (status, body["error"]["code"]) == (409, "conflict")
    assert "already rostered" in body["error"]["message"]
    assert await rows(server) == before


async def test_an_interpreter_who_does_not_work_in_the_language_is_422(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    coordinator = await login(http, "coord")
    status, body = await coordinator.add_shift(shift_body(world, "fa.iran", language="fa-AF"))
    assert (status, body["error"]["code"]) == (422, "interpreter_unsuitable")
    assert await rows(server) == []


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"language": "xx-Nowhere"}, id="unknown-language"),
        pytest.param({"start": "2020-01-01T08:00:00Z", "end": "2020-01-01T10:00:00Z"}, id="in-the-past"),
        pytest.param({"end": at(8)}, id="empty"),
        pytest.param({"end": at(7)}, id="end-before-start"),
        pytest.param({"end": at(33)}, id="over-24-hours"),
        pytest.param({"start": at(8).replace("+00:00", "")}, id="no-offset"),
        pytest.param({"start": 1900000000}, id="a-number"),
        pytest.param({"interpreter_id": ""}, id="empty-interpreter"),
        pytest.param({"colour": "blue"}, id="unknown-field"),
    ],
)
async def test_bad_shifts_are_400_and_add_nothing(
    server: RunningServer, world: World, http: HttpFactory, changes: dict[str, object]
) -> None:
    coordinator = await login(http, "coord")
    status, body = await coordinator.add_shift(shift_body(world, **changes))
    assert (status, body["error"]["code"]) == (400, "invalid_input")
    assert body["error"]["message"]
    assert await rows(server) == []


async def test_a_missing_field_is_400(server: RunningServer, world: World, http: HttpFactory) -> None:
    coordinator = await login(http, "coord")
    body = shift_body(world)
    del body["end"]
    status, answer = await coordinator.add_shift(body)
    assert (status, answer["error"]["code"]) == (400, "invalid_input")
    assert "end" in answer["error"]["message"]
    assert await rows(server) == []


@pytest.mark.parametrize(
    ("query", "words"),
    [
        pytest.param({"to": at(24)}, "from is required", id="no-from"),
        pytest.param({"from": at(0)}, "to is required", id="no-to"),
        pytest.param({"from": "tomorrow", "to": at(24)}, "from must be a date", id="not-a-date"),
        pytest.param({"from": at(24), "to": at(0)}, "from must be before to", id="backwards"),
        pytest.param({"from": "2026-01-01", "to": "2026-06-01"}, "at most 92 days", id="too-long"),
        pytest.param({**day(), "language": "klingon!"}, "language tag", id="bad-language"),
    ],
)
async def test_a_bad_listing_query_is_400(
    server: RunningServer, world: World, http: HttpFactory, query: dict[str, str], words: str
) -> None:
    status, body = await (await login(http, "coord")).get("/api/shifts", **query)
    assert (status, body["error"]["code"]) == (400, "invalid_input")
    assert words in body["error"]["message"]


async def test_changes_need_the_csrf_token_and_unknown_shifts_are_404(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    coordinator = await login(http, "coord")
    made = await add(coordinator, world)
    before = await rows(server)
    for status, body in (
        await coordinator.add_shift(shift_body(world, start=at(17), end=at(18)), csrf=False),
        await coordinator.delete(f"/api/shifts/{made['id']}", csrf=False),
    ):
        assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = await coordinator.delete("/api/shifts/no-such-shift")
    assert (status, body["error"]["code"]) == (404, "not_found")
    assert await rows(server) == before
    async with http().get("/api/shifts?" + urlencode(day())) as resp:
        assert resp.status == 401
