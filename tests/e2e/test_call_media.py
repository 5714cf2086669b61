"""A real interpreted call: two socket clients with aiortc peers, through the running server."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import ClientFactory
from tests.support.media import media_between
from tests.support.server import RunningServer
from tests.support.world import World

pytestmark = pytest.mark.media


async def test_caseworker_and_interpreter_exchange_audio_and_video_then_hang_up(
    server: RunningServer, world: World, client: ClientFactory
) -> None:
    interpreter = await client("ps.male")
    caseworker = await client("cw.a")
    ice = (await caseworker.call("session:info"))["ice_servers"]
    assert ice == []  # no public STUN server unless configured
    assert (await interpreter.call("presence:standby", {"on": True}))["state"] == "standby"

    requested = await caseworker.call("call:request", {"language": "ps", "gender": "male"})
    assert requested["ok"]
    assert requested["state"] == "ringing"
    call_id = requested["call_id"]
    ring = await interpreter.next_event("call:ring")
    assert ring["call_id"] == call_id
    assert ring["organisation"] == "Test Office A"

    assert (await interpreter.call("call:accept", {"call_id": call_id}))["ok"]
    assert (await caseworker.next_event("call:accepted"))["call_id"] == call_id

    async with media_between(caseworker, interpreter, call_id, ice) as (cw_peer, in_peer):
        assert cw_peer.frames["video"] >= 10
        assert in_peer.frames["video"] >= 10

    assert (await interpreter.call("call:hangup", {"call_id": call_id}))["ok"]
    assert (await caseworker.next_event("call:ended"))["outcome"] == "completed"
    assert (await interpreter.next_event("call:ended"))["outcome"] == "completed"

    record = await server.services.records.get(call_id, (await _principal(server, world, "cw.a")))
    assert record.outcome == "completed"
    assert record.interpreter_id == world.id("ps.male")
    assert record.language == "ps"
    assert record.requested_gender == "male"
    assert isinstance(record.ended_at, datetime)
    assert record.answered_at
    assert record.rung_at
    assert record.requested_at <= record.rung_at <= record.answered_at <= record.ended_at
    assert record.ring_attempts == 1
    # The interpreter is free again, ranked by the call that just ended.
    presence = await server.services.presence.get(world.id("ps.male"))
    assert presence is not None
    assert presence.state == "standby"
    assert presence.last_busy_at is not None


async def _principal(server: RunningServer, world: World, username: str):
    who = await server.services.accounts.principal(world.id(username))
    assert who is not None
    return who
