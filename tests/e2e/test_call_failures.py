"""Failure paths through the real server and real sockets: timeouts, declines, cancels, drops and rejoins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from signaling.client import SignalingClient
from tests.conftest import make_settings
from tests.support.media import media_between
from tests.support.server import RunningServer, running_server
from tests.support.world import PASSWORD, World, build_world

RING_TIMEOUT = 0.6
GRACE = 1.5


@pytest.fixture
async def fast_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    settings = make_settings(tmp_path, ring_timeout_s=RING_TIMEOUT, grace_period_s=GRACE)
    async with running_server(settings) as running:
        yield running


@pytest.fixture
async def fast_world(fast_server: RunningServer) -> World:
    return await build_world(fast_server.services.accounts, fast_server.services.directory)


@pytest.fixture
async def people(fast_server: RunningServer, fast_world: World) -> AsyncIterator[dict[str, SignalingClient]]:
    made: dict[str, SignalingClient] = {}
    for name in ("cw.a", "ps.male", "ps.female"):
        c = SignalingClient(fast_server.url)
        await c.login(name, PASSWORD)
        await c.connect()
        made[name] = c
    yield made
    for c in made.values():
        await c.close()


async def standby(*clients: SignalingClient) -> None:
    for c in clients:
        assert (await c.call("presence:standby", {"on": True}))["ok"]
        await asyncio.sleep(0.01)  # a distinct standby time for each


async def outcome(server: RunningServer, world: World, call_id: str) -> str | None:
    who = await server.services.accounts.principal(world.id("coord"))
    assert who is not None
    return (await server.services.records.get(call_id, who)).outcome


async def test_ring_timeout_moves_on_to_the_next_interpreter(
    people: dict[str, SignalingClient], fast_server: RunningServer, fast_world: World
) -> None:
    cw, first, second = people["cw.a"], people["ps.male"], people["ps.female"]
    await standby(first, second)
    call_id = (await cw.call("call:request", {"language": "ps"}))["call_id"]
    assert (await first.next_event("call:ring"))["call_id"] == call_id
    assert (await first.next_event("call:ring-cancelled", timeout=RING_TIMEOUT + 2))["reason"] == "timeout"
    assert (await first.next_event("presence:state"))["state"] == "away"
    assert (await second.next_event("call:ring"))["call_id"] == call_id
    assert (await second.call("call:accept", {"call_id": call_id}))["ok"]
    assert (await cw.next_event("call:accepted"))["call_id"] == call_id
    # The interpreter who missed the ring cannot take it any more.
    refused = await first.call("call:accept", {"call_id": call_id})
    assert refused["error"]["code"] == "conflict"


async def test_decline_rings_the_next_and_cancel_while_ringing_stops_it(
    people: dict[str, SignalingClient], fast_server: RunningServer, fast_world: World
) -> None:
    cw, first, second = people["cw.a"], people["ps.male"], people["ps.female"]
    await standby(first, second)
    call_id = (await cw.call("call:request", {"language": "ps"}))["call_id"]
    await first.next_event("call:ring")
    assert (await first.call("call:decline", {"call_id": call_id}))["ok"]
    await second.next_event("call:ring")
    assert (await cw.call("call:cancel", {"call_id": call_id}))["ok"]
    assert (await second.next_event("call:ring-cancelled"))["reason"] == "cancelled"
    assert (await cw.next_event("call:ended"))["outcome"] == "cancelled"
    assert await outcome(fast_server, fast_world, call_id) == "cancelled"
    info = await second.call("session:info")
    assert info["presence"] == "standby"
    assert info["active_call"] is None


async def test_nobody_left_tells_the_caseworker_no_interpreter_available(
    people: dict[str, SignalingClient], fast_server: RunningServer, fast_world: World
) -> None:
    cw = people["cw.a"]
    call_id = (await cw.call("call:request", {"language": "ar", "gender": "female"}))["call_id"]
    assert (await cw.next_event("call:ended"))["reason"] == "no_interpreter"
    assert await outcome(fast_server, fast_world, call_id) == "no_interpreter"


async def _accepted_call(cw: SignalingClient, interpreter: SignalingClient) -> str:
    await standby(interpreter)
    call_id: str = (await cw.call("call:request", {"language": "ps", "gender": "male"}))["call_id"]
    await interpreter.next_event("call:ring")
    assert (await interpreter.call("call:accept", {"call_id": call_id}))["ok"]
    await cw.next_event("call:accepted")
    return call_id


@pytest.mark.media
async def test_a_dropped_caseworker_rejoins_within_the_grace_period_and_the_call_goes_on(
    people: dict[str, SignalingClient], fast_server: RunningServer, fast_world: World
) -> None:
    cw, interpreter = people["cw.a"], people["ps.male"]
    call_id = await _accepted_call(cw, interpreter)
    async with media_between(cw, interpreter, call_id, frames=(5, 5)) as (_, in_peer):
        await cw.disconnect()  # the network drops the signalling socket
        dropped = await interpreter.next_event("call:peer-disconnected")
        assert dropped == {"call_id": call_id, "role": "caseworker", "grace_s": GRACE}
        unavailable = await interpreter.call("signal:candidate", {"call_id": call_id, "candidate": None})
        assert unavailable["error"]["code"] == "peer_unavailable"

        back = SignalingClient(fast_server.url)
        back.token = cw.token  # same browser session, new socket
        try:
            await back.connect()
            info = await back.call("session:info")
            assert info["active_call"]["call_id"] == call_id
            assert info["active_call"]["disconnected"] == ["caseworker"]
            rejoined = await back.call("call:rejoin", {"call_id": call_id})
            assert rejoined["ok"]
            assert rejoined["ice_restart"] is True
            assert (await interpreter.next_event("call:peer-rejoined"))["role"] == "caseworker"
            # Negotiation reaches the new socket, and media kept flowing peer to peer.
            assert (await interpreter.call("signal:candidate", {"call_id": call_id, "candidate": None}))["ok"]
            assert (await back.next_event("signal:candidate"))["call_id"] == call_id
            frames_before = dict(in_peer.frames)
            await asyncio.sleep(GRACE + 0.5)  # past the original grace deadline: nothing ends
            assert interpreter.pending("call:ended") == 0
            assert in_peer.frames["video"] > frames_before["video"]
            assert (await back.call("call:hangup", {"call_id": call_id}))["ok"]
            assert (await interpreter.next_event("call:ended"))["outcome"] == "completed"
        finally:
            await back.close()
    assert await outcome(fast_server, fast_world, call_id) == "completed"


async def test_grace_expiry_ends_the_call_for_the_one_who_stayed(
    people: dict[str, SignalingClient], fast_server: RunningServer, fast_world: World
) -> None:
    cw, interpreter = people["cw.a"], people["ps.male"]
    call_id = await _accepted_call(cw, interpreter)
    await interpreter.disconnect()
    assert (await cw.next_event("call:peer-disconnected"))["role"] == "interpreter"
    ended = await cw.next_event("call:ended", timeout=GRACE + 3)
    assert ended == {"call_id": call_id, "reason": "dropped", "outcome": "dropped"}
    assert await outcome(fast_server, fast_world, call_id) == "dropped"
    assert await fast_server.services.presence.get(fast_world.id("ps.male")) is None


async def test_shutting_a_node_down_frees_its_interpreters_and_tells_clients(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    async with running_server(settings) as node:
        world = await build_world(node.services.accounts, node.services.directory)
        interpreter = SignalingClient(node.url)
        try:
            await interpreter.login("ps.male", PASSWORD)
            await interpreter.connect()
            await standby(interpreter)
            assert [p.user_id for p in await node.services.presence.online()] == [world.id("ps.male")]
            store = node.services.store
            started = asyncio.get_running_loop().time()
            await node.app.shutdown()  # what the runner does first on SIGTERM
            assert asyncio.get_running_loop().time() - started < 5
            assert await node.services.presence.online() == []
            assert await store.get(f"presence:{world.id('ps.male')}") is None
            await asyncio.sleep(0.2)
            assert not interpreter.sio.connected
        finally:
            await interpreter.close()
