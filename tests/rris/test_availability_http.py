"""Interpreters' hours over HTTP: the interpreter or a coordinator managing them reads and replaces them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from core.models import InterpreterAvailabilityRow
from tests.rris.conftest import HttpFactory, post_login
from tests.support.server import RunningServer
from tests.support.world import World

HOURS = {
    "zone": "Europe/Belgrade",
    "weekly": [
        {"weekday": 0, "start": "08:00", "end": "12:00"},
        {"weekday": 2, "start": "13:00", "end": "17:00"},
    ],
    "overrides": [
        {"date": "2026-12-24", "kind": "replace", "slots": [{"start": "09:00", "end": "11:00"}]},
        {"date": "2026-12-25", "kind": "unavailable", "slots": []},
    ],
}
MORNINGS = {
    "zone": "Europe/Skopje",
    "weekly": [{"weekday": 1, "start": "07:00", "end": "11:00"}],
    "overrides": [],
}


@dataclass
class User:
    http: aiohttp.ClientSession
    csrf: str

    async def get(self, path: str) -> tuple[int, dict[str, Any]]:
        async with self.http.get(path) as resp:
            return resp.status, await resp.json()

    async def put(self, path: str, body: object, *, csrf: bool = True) -> tuple[int, dict[str, Any]]:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        async with self.http.put(path, json=body, headers=headers) as resp:
            return resp.status, await resp.json()


async def login(http: HttpFactory, username: str) -> User:
    session = http()
    status, body = await post_login(session, username)
    assert status == 200
    return User(session, body["csrf_token"])


def hours_of(world: World, username: str) -> str:
    return f"/api/interpreters/{world.id(username)}/availability"


async def stored(server: RunningServer) -> list[tuple[object, ...]]:
    query = select(InterpreterAvailabilityRow.__table__).order_by(InterpreterAvailabilityRow.user_id)
    async with server.services.db.sessions() as session:
        return [tuple(row) for row in (await session.execute(query)).all()]


async def test_an_interpreter_states_their_hours_and_reads_them_back(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    interpreter = await login(http, "ps.male")
    status, body = await interpreter.get(hours_of(world, "ps.male"))
    assert (status, body["error"]["code"]) == (404, "not_found")
    assert "not stated any hours" in body["error"]["message"]

    assert await interpreter.put(hours_of(world, "ps.male"), HOURS) == (200, HOURS)
    assert await interpreter.get(hours_of(world, "ps.male")) == (200, HOURS)
    assert await interpreter.put(hours_of(world, "ps.male"), MORNINGS) == (200, MORNINGS)
    assert await interpreter.get(hours_of(world, "ps.male")) == (200, MORNINGS)
    [row] = await stored(server)
    assert row[0] == world.id("ps.male")


async def test_the_slots_of_an_unavailable_day_may_be_left_out(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    interpreter = await login(http, "ps.male")
    body = {"zone": "UTC", "overrides": [{"date": "2026-12-25", "kind": "unavailable"}]}
    status, saved = await interpreter.put(hours_of(world, "ps.male"), body)
    assert status == 200
    assert saved == {"zone": "UTC", "weekly": [], "overrides": [{**body["overrides"][0], "slots": []}]}  # type: ignore[index]


@pytest.mark.parametrize(("coordinator", "interpreter"), [("coord", "ps.only.b"), ("coord.a", "ps.female")])
async def test_a_coordinator_manages_the_hours_of_interpreters_serving_them(
    server: RunningServer, world: World, http: HttpFactory, coordinator: str, interpreter: str
) -> None:
    user = await login(http, coordinator)
    assert await user.put(hours_of(world, interpreter), HOURS) == (200, HOURS)
    assert await user.get(hours_of(world, interpreter)) == (200, HOURS)


async def test_to_an_authoritys_coordinator_other_interpreters_do_not_exist(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    await (await login(http, "ps.only.b")).put(hours_of(world, "ps.only.b"), HOURS)
    before = await stored(server)
    coordinator = await login(http, "coord.a")
    for status, body in (
        await coordinator.get(hours_of(world, "ps.only.b")),
        await coordinator.put(hours_of(world, "ps.only.b"), MORNINGS),
        await coordinator.get("/api/interpreters/no-such-user/availability"),
    ):
        assert (status, body["error"]["code"]) == (404, "not_found")
    assert await stored(server) == before


@pytest.mark.parametrize("username", ["cw.a", "ps.female"])
async def test_caseworkers_and_other_interpreters_may_not_see_or_change_hours(
    server: RunningServer, world: World, http: HttpFactory, username: str
) -> None:
    await (await login(http, "ps.male")).put(hours_of(world, "ps.male"), HOURS)
    before = await stored(server)
    user = await login(http, username)
    for status, body in (
        await user.get(hours_of(world, "ps.male")),
        await user.put(hours_of(world, "ps.male"), MORNINGS),
    ):
        assert (status, body["error"]["code"]) == (403, "forbidden")
    assert await stored(server) == before


async def test_hours_need_a_session_and_changes_the_csrf_token(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    async with http().get(hours_of(world, "ps.male")) as resp:
        assert resp.status == 401
    interpreter = await login(http, "ps.male")
    status, body = await interpreter.put(hours_of(world, "ps.male"), HOURS, csrf=False)
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert await stored(server) == []


async def test_a_user_without_an_interpreter_profile_has_no_hours(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    # A coordinator is themself, but not an interpreter.
    coordinator = await login(http, "coord")
    status, body = await coordinator.put(hours_of(world, "coord"), HOURS)
    assert (status, body["error"]["code"]) == (404, "not_found")
    assert await stored(server) == []


def _changed(**changes: object) -> dict[str, object]:
    return {**HOURS, **changes}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param(_changed(zone="Europe/Atlantis"), "unknown time zone", id="unknown-zone"),
        pytest.param({"weekly": []}, "zone is required", id="no-zone"),
        pytest.param(
            _changed(weekly=[{"weekday": 9, "start": "08:00", "end": "12:00"}]),
            "weekly[0].weekday",
            id="day-9",
        ),
        pytest.param(
            _changed(weekly=[{"weekday": 0, "start": "8am", "end": "12:00"}]), "weekly[0].start", id="8am"
        ),
        pytest.param(
            _changed(
                weekly=[
                    {"weekday": 0, "start": "08:00", "end": "12:00"},
                    {"weekday": 0, "start": "11:00", "end": "13:00"},
                ]
            ),
            "weekly slots overlap",
            id="overlap",
        ),
        pytest.param(
            _changed(overrides=[{"date": "2026-12-32", "kind": "extra"}]), "overrides[0].date", id="bad-date"
        ),
        pytest.param(
            _changed(overrides=[{"date": "2026-12-24", "kind": "extra"}]),
            "needs at least one slot",
            id="no-slots",
        ),
        pytest.param(_changed(timezone="UTC"), "unknown field 'timezone'", id="unknown-field"),
        pytest.param(["not", "an", "object"], "must be an object", id="a-list"),
    ],
)
async def test_bad_hours_are_400_with_a_clear_message_and_change_nothing(
    server: RunningServer, world: World, http: HttpFactory, body: object, words: str
) -> None:
    interpreter = await login(http, "ps.male")
    await interpreter.put(hours_of(world, "ps.male"), HOURS)
    before = await stored(server)
    status, answer = await interpreter.put(hours_of(world, "ps.male"), body)
    assert (status, answer["error"]["code"]) == (400, "invalid_input")
    assert words in answer["error"]["message"]
    assert await stored(server) == before
    assert await interpreter.get(hours_of(world, "ps.male")) == (200, HOURS)


async def test_a_body_that_is_not_json_is_400(server: RunningServer, world: World, http: HttpFactory) -> None:
    interpreter = await login(http, "ps.male")
    headers = {"X-CSRF-Token": interpreter.csrf, "Content-Type": "application/json"}
    async with interpreter.http.put(hours_of(world, "ps.male"), data=b"{zone:", headers=headers) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"]["code"] == "invalid_input"
    assert await stored(server) == []
