"""``GET /api/live`` and the ``board:watch`` subscription: who may see the board, what it shows, its times."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from core.clock import FakeClock
from core.config import Settings
from core.migrate import upgrade
from rris.app import create_app, services_of
from rris.services import Services
from signaling.board_feed import ROUND_S
from signaling.client import SignalingClient
from tests.conftest import ClientFactory, make_settings
from tests.rris.conftest import get_json, post_login
from tests.support.world import World, build_world


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, ring_timeout_s=600.0, grace_period_s=600.0)


@dataclass
class ClockedServer:
    url: str
    services: Services
    clock: FakeClock
    world: World

    async def get_live(self, username: str | None) -> tuple[int, dict[str, Any]]:
        async with aiohttp.ClientSession(self.url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            if username is not None:
                status, _ = await post_login(http, username)
                assert status == 200
            return await get_json(http, "/api/live")


@pytest.fixture
async def clocked(settings: Settings) -> AsyncIterator[ClockedServer]:
    """The real server on a fake clock, so waiting times and durations are exact."""
    clock = FakeClock()
    app = create_app(settings, clock, configure_logs=False)
    services = services_of(app)
    await upgrade(services.db)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    world = await build_world(services.accounts, services.directory)
    try:
        yield ClockedServer(f"http://127.0.0.1:{runner.addresses[0][1]}", services, clock, world)
    finally:
        await runner.cleanup()


async def request_call(s: ClockedServer, caseworker: str) -> str:
    who = await s.services.accounts.principal(s.world.id(caseworker))
    assert who is not None
    view = await s.services.calls.request(who, f"sid-{caseworker}", "ps", None)
    return str(view["call_id"])


async def test_the_board_shows_waiting_time_then_duration_from_the_servers_clock(
    clocked: ClockedServer,
) -> None:
    s = clocked
    await s.services.presence.set_standby(s.world.id("ps.male"), "sid-ps.male", on=True)
    call_id = await request_call(s, "cw.a")
    s.clock.advance(12)
    status, board = await s.get_live("coord")
    assert status == 200
    assert board["at"] == s.clock.now().isoformat()
    assert [(w["call_id"], w["waiting_s"], w["ringing"]) for w in board["waiting"]] == [
        (call_id, 12, "Test ps.male")
    ]
    interpreter = await s.services.accounts.principal(s.world.id("ps.male"))
    assert interpreter is not None
    await s.services.calls.accept(interpreter, "sid-ps.male", call_id)
    s.clock.advance(125)
    _, board = await s.get_live("coord")
    assert board["waiting"] == []
    assert [(c["call_id"], c["duration_s"], c["kind"]) for c in board["calls"]] == [
        (call_id, 125, "on_demand")
    ]


async def test_an_authoritys_coordinator_sees_only_its_own_calls(clocked: ClockedServer) -> None:
    s = clocked
    await s.services.presence.set_standby(s.world.id("ps.male"), "sid-ps.male", on=True)
    await s.services.presence.set_standby(s.world.id("ps.only.b"), "sid-ps.only.b", on=True)
    for_a = await request_call(s, "cw.a")
    for_b = await request_call(s, "cw.b")
    _, pool = await s.get_live("coord")
    _, office_a = await s.get_live("coord.a")
    assert {w["call_id"] for w in pool["waiting"]} == {for_a, for_b}
    assert [w["call_id"] for w in office_a["waiting"]] == [for_a]
    assert "Test ps.only.b" not in {i["name"] for i in office_a["interpreters"]}


@pytest.mark.parametrize(("username", "status"), [(None, 401), ("cw.a", 403), ("ps.male", 403)])
async def test_anyone_but_coordinators_and_admins_is_refused(
    clocked: ClockedServer, username: str | None, status: int
) -> None:
    got, body = await clocked.get_live(username)
    assert got == status
    assert body["error"]["code"] == ("not_authenticated" if status == 401 else "forbidden")


# -- the push, on the real server and clock ---------------------------------------------------------------


async def test_a_watching_coordinator_is_pushed_an_interpreter_going_on_standby(
    client: ClientFactory, world: World
) -> None:
    coordinator = await client("coord")
    watched = await coordinator.call("board:watch", {"on": True})
    assert watched["ok"], watched
    assert {i["state"] for i in watched["board"]["interpreters"]} == {"offline"}
    interpreter = await client("ps.male")
    assert (await interpreter.call("presence:standby", {"on": True}))["ok"]
    update = await coordinator.next_event("board:update", timeout=5)
    assert {i["name"]: i["state"] for i in update["interpreters"]}["Test ps.male"] == "standby"

    assert (await coordinator.call("board:watch", {"on": False})) == {"ok": True}
    assert (await interpreter.call("presence:standby", {"on": False}))["ok"]
    await asyncio.sleep(ROUND_S * 1.5)  # a round, in which a watcher would have been told
    assert coordinator.pending("board:update") == 0


async def test_watching_is_refused_to_others_and_malformed_payloads_are_invalid(
    client: ClientFactory, world: World
) -> None:
    caseworker: SignalingClient = await client("cw.a")
    refused = await caseworker.call("board:watch", {"on": True})
    assert refused["error"]["code"] == "forbidden"
    coordinator = await client("coord")
    for payload in (None, {}, {"on": "true"}, {"on": 1}, {"on": True, "language": "ps"}):
        ack = await coordinator.call("board:watch", payload)
        assert ack["error"]["code"] == "invalid_input", (payload, ack)
