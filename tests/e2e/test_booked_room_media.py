"""A booked room through the running server: opened by the booking engine's port, joined by both people
over real sockets, with audio and video between two aiortc peers; strangers and bad payloads get nowhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.ids import CallId, new_id
from tests.conftest import ClientFactory
from tests.support.media import media_between
from tests.support.server import RunningServer
from tests.support.world import World


async def open_room(server: RunningServer, world: World, booking_id: str) -> CallId:
    return await server.services.booked_rooms.open(
        booking_id,
        world.office_a,
        "Test Office A",
        world.id("cw.a"),
        world.id("ps.male"),
        "ps",
        datetime.now(UTC) + timedelta(hours=1),
    )


@pytest.mark.media
async def test_both_sides_join_a_booked_room_and_exchange_audio_and_video(
    server: RunningServer, world: World, client: ClientFactory
) -> None:
    caseworker = await client("cw.a")
    interpreter = await client("ps.male")
    stranger = await client("cw.a2")
    booking = new_id()
    call_id = await open_room(server, world, booking)

    for person, role in ((caseworker, "caseworker"), (interpreter, "interpreter")):
        opened = await person.next_event("room:open")
        assert (opened["call_id"], opened["booking_id"], opened["role"]) == (call_id, booking, role)
        assert (opened["language"], opened["organisation"]) == ("ps", "Test Office A")
    assert stranger.pending("room:open") == 0
    info = await interpreter.call("session:info")
    assert [r["call_id"] for r in info["rooms"]] == [call_id]

    refused = await stranger.call("room:join", {"call_id": call_id})
    assert (refused["ok"], refused["error"]["code"]) == (False, "forbidden")

    joined = await caseworker.call("room:join", {"call_id": call_id})
    assert (joined["ok"], joined["role"], joined["peer_present"]) == (True, "caseworker", False)
    joined = await interpreter.call("room:join", {"call_id": call_id})
    assert (joined["ok"], joined["role"], joined["peer_present"]) == (True, "interpreter", True)
    assert await caseworker.next_event("call:peer-rejoined") == {"call_id": call_id, "role": "interpreter"}

    ice = (await caseworker.call("session:info"))["ice_servers"]
    async with media_between(caseworker, interpreter, call_id, ice) as (cw_peer, in_peer):
        assert cw_peer.frames["video"] >= 10
        assert in_peer.frames["video"] >= 10

    assert (await caseworker.call("call:hangup", {"call_id": call_id}))["ok"]
    assert (await caseworker.next_event("call:ended"))["outcome"] == "completed"
    assert (await interpreter.next_event("call:ended"))["outcome"] == "completed"
    assert await interpreter.next_event("presence:state") == {"state": "away"}
    assert await server.services.booked_rooms.attendance(booking) == {world.id("cw.a"), world.id("ps.male")}
    assert stranger.pending("signal:description") == stranger.pending("signal:candidate") == 0


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(None, id="none"),
        pytest.param([], id="list"),
        pytest.param({}, id="missing-call_id"),
        pytest.param({"call_id": "X" * 32}, id="call_id-not-hex"),
        pytest.param({"call_id": 5}, id="call_id-number"),
        pytest.param("CALL", id="unknown-field"),
    ],
)
async def test_a_malformed_room_join_is_refused_and_changes_nothing(
    server: RunningServer, world: World, client: ClientFactory, payload: object
) -> None:
    caseworker = await client("cw.a")
    booking = new_id()
    call_id = await open_room(server, world, booking)
    if payload == "CALL":
        payload = {"call_id": call_id, "booking_id": booking}
    ack = await caseworker.call("room:join", payload)
    assert (ack["ok"], ack["error"]["code"]) == (False, "invalid_input")
    assert await server.services.booked_rooms.attendance(booking) == frozenset()
    assert (await caseworker.call("room:join", {"call_id": call_id}))["ok"]
