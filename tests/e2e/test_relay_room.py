"""A relay booking's room through the running server: booked and confirmed over HTTP, opened by the timed
work at its start with all three people invited, joined over real sockets, and negotiated pair by pair
with messages that name their target and arrive marked with their sender; a refused message relays
nothing, an interpreter's hang-up leaves the room, the caseworker's ends it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.config import Settings
from signaling.call_documents import call_key
from signaling.client import SignalingClient
from tests.conftest import ClientFactory, make_settings
from tests.support.media import media_mesh
from tests.support.relay import SEATS, book_relay, make_relay_possible
from tests.support.server import RunningServer
from tests.support.world import World

PAIRS = [
    ("caseworker", "interpreter"),
    ("caseworker", "relay_interpreter"),
    ("interpreter", "relay_interpreter"),
]
NEGOTIATION = ("signal:description", "signal:candidate")
SDP = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, scheduler_poll_s=0.5)


async def people(client: ClientFactory) -> dict[str, SignalingClient]:
    return {seat: await client(username) for seat, username in SEATS.items()}


async def confirmed_relay(
    server: RunningServer, world: World, seats: dict[str, SignalingClient], start: datetime
) -> dict[str, Any]:
    svc = server.services
    await make_relay_possible(svc.directory, svc.availability, world)
    legs = {
        SEATS["interpreter"]: seats["interpreter"],
        SEATS["relay_interpreter"]: seats["relay_interpreter"],
    }
    return await book_relay(seats["caseworker"], legs, start, world)


async def nothing_more(clients: list[SignalingClient], events: tuple[str, ...] = NEGOTIATION) -> bool:
    await asyncio.sleep(0.3)
    return all(c.pending(e) == 0 for c in clients for e in events)


async def test_a_confirmed_relay_opens_at_its_start_and_all_three_negotiate_pair_by_pair(
    server: RunningServer, world: World, client: ClientFactory
) -> None:
    seats = await people(client)
    stranger = await client("ps.male")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=6)
    booking = await confirmed_relay(server, world, seats, start)

    opened = {seat: await c.next_event("room:open", timeout=30) for seat, c in seats.items()}
    call_id = opened["caseworker"]["call_id"]
    assert datetime.now(UTC) >= start  # opened by the timed work at the booked start, not before
    for seat, event in opened.items():
        assert (event["call_id"], event["booking_id"], event["role"]) == (call_id, booking["id"], seat)
        assert event["participants"] == ["caseworker", "interpreter", "relay_interpreter"]
    assert stranger.pending("room:open") == 0
    for c in seats.values():  # the stored invitation too, written just after the room opened
        await _eventually(lambda c=c: _has_notification(c, "room_open"))
    refused = await stranger.call("room:join", {"call_id": call_id})
    assert (refused["ok"], refused["error"]["code"]) == (False, "forbidden")

    present: list[str] = []
    for seat in ("relay_interpreter", "caseworker", "interpreter"):
        joined = await seats[seat].call("room:join", {"call_id": call_id})
        in_order = [s for s in SEATS if s in present]  # the others there, in the room's order
        assert (joined["ok"], joined["role"], joined["present"]) == (True, seat, in_order), joined
        for other in present:
            assert await seats[other].next_event("call:peer-rejoined") == {"call_id": call_id, "role": seat}
        present.append(seat)
    for seat in ("interpreter", "relay_interpreter"):
        info = await seats[seat].call("session:info")
        assert (info["presence"], info["active_call"]["role"]) == ("in_call", seat)

    for offerer, answerer in PAIRS:  # in each pair the seat listed first offers (no glare)
        a, b = seats[offerer], seats[answerer]
        sdp = f"{SDP}s={offerer}-{answerer}\r\n"
        offer = {"call_id": call_id, "type": "offer", "sdp": sdp, "to": answerer}
        assert (await a.call("signal:description", offer))["ok"]
        assert await b.next_event("signal:description") == {
            "call_id": call_id,
            "type": "offer",
            "sdp": sdp,
            "from": offerer,
        }
        answer = {"call_id": call_id, "type": "answer", "sdp": sdp, "to": offerer}
        assert (await b.call("signal:description", answer))["ok"]
        assert (await a.next_event("signal:description"))["from"] == answerer
        end_of_candidates = {"call_id": call_id, "candidate": None, "to": answerer}
        assert (await a.call("signal:candidate", end_of_candidates))["ok"]
        assert await b.next_event("signal:candidate") == {
            "call_id": call_id,
            "candidate": None,
            "from": offerer,
        }
    assert await nothing_more([*seats.values(), stranger])
    assert (await seats["caseworker"].call("call:hangup", {"call_id": call_id}))["ok"]
    for c in seats.values():
        assert (await c.next_event("call:ended"))["outcome"] == "completed"
    assert await server.services.booked_rooms.attendance(booking["id"]) == {
        world.id(u) for u in SEATS.values()
    }


async def _has_notification(c: SignalingClient, kind: str) -> bool:
    async with c.http.get(f"{c.base_url}/api/notifications") as resp:
        assert resp.status == 200
        return any(n["kind"] == kind for n in (await resp.json())["notifications"])


async def _eventually(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(0.1)


async def opened_now(server: RunningServer, world: World, seats: dict[str, SignalingClient]) -> str:
    """A relay booking an hour ahead, its room opened now by the timed work's effect; all three in it."""
    booking = await confirmed_relay(server, world, seats, datetime.now(UTC) + timedelta(hours=1))
    await server.services.booking_jobs.open_room(booking["id"])
    call_id: str = (await seats["caseworker"].next_event("room:open"))["call_id"]
    for seat in ("interpreter", "relay_interpreter"):
        assert (await seats[seat].next_event("room:open"))["call_id"] == call_id
    joined: list[str] = []
    for seat in ("caseworker", "interpreter", "relay_interpreter"):
        assert (await seats[seat].call("room:join", {"call_id": call_id}))["ok"]
        for earlier in joined:  # heard of each later joiner
            assert (await seats[earlier].next_event("call:peer-rejoined"))["role"] == seat
        joined.append(seat)
    return call_id


@pytest.mark.parametrize(
    ("seat", "payload"),
    [
        pytest.param("caseworker", {}, id="no-target"),
        pytest.param("interpreter", {"to": None}, id="null-target"),
        pytest.param("interpreter", {"to": "interpreter"}, id="to-oneself"),
        pytest.param("relay_interpreter", {"to": "coordinator"}, id="not-a-seat"),
        pytest.param("caseworker", {"to": 2}, id="target-not-a-string"),
    ],
)
async def test_negotiation_without_a_valid_target_is_refused_and_relays_nothing(
    server: RunningServer, world: World, client: ClientFactory, seat: str, payload: dict[str, Any]
) -> None:
    seats = await people(client)
    call_id = await opened_now(server, world, seats)
    before = await server.services.store.get(call_key(call_id))
    for event, body in (
        ("signal:description", {"call_id": call_id, "type": "offer", "sdp": SDP}),
        ("signal:candidate", {"call_id": call_id, "candidate": None}),
    ):
        ack = await seats[seat].call(event, body | payload)
        assert (ack["ok"], ack["error"]["code"]) == (False, "invalid_input"), ack
    assert await nothing_more(list(seats.values()))
    assert await server.services.store.get(call_key(call_id)) == before
    valid = {
        "call_id": call_id,
        "candidate": None,
        "to": "caseworker" if seat != "caseworker" else "interpreter",
    }
    assert (await seats[seat].call("signal:candidate", valid))["ok"]  # the room still works


async def test_an_interpreter_who_hangs_up_leaves_and_comes_back_the_caseworker_ends_it(
    server: RunningServer, world: World, client: ClientFactory
) -> None:
    seats = await people(client)
    call_id = await opened_now(server, world, seats)

    left = await seats["relay_interpreter"].call("call:hangup", {"call_id": call_id})
    assert (left["ok"], left["left"]) == (True, True)
    assert 5000 < left["grace_s"] <= 5400  # it waits for them until the booking closes (in 90 min)
    for seat in ("caseworker", "interpreter"):
        told = await seats[seat].next_event("call:peer-left")
        assert (told["call_id"], told["role"]) == (call_id, "relay_interpreter")
    refused = await seats["interpreter"].call(
        "signal:candidate", {"call_id": call_id, "candidate": None, "to": "relay_interpreter"}
    )
    assert (refused["ok"], refused["error"]["code"]) == (False, "peer_unavailable")
    assert (await seats["relay_interpreter"].call("session:info"))["presence"] == "away"

    back = await seats["relay_interpreter"].call("room:join", {"call_id": call_id})
    assert (back["ok"], back["present"], back["peer_present"]) == (True, ["caseworker", "interpreter"], True)
    for seat in ("caseworker", "interpreter"):
        assert await seats[seat].next_event("call:peer-rejoined") == {
            "call_id": call_id,
            "role": "relay_interpreter",
        }

    assert (await seats["caseworker"].call("call:hangup", {"call_id": call_id})) == {"ok": True}
    for seat, c in seats.items():
        assert (await c.next_event("call:ended"))["outcome"] == "completed", seat
    assert (await seats["interpreter"].call("session:info"))["presence"] == "away"


@pytest.mark.media
async def test_all_three_hear_and_see_each_other_through_a_mesh(
    server: RunningServer, world: World, client: ClientFactory
) -> None:
    seats = await people(client)
    call_id = await opened_now(server, world, seats)
    ice = (await seats["caseworker"].call("session:info"))["ice_servers"]
    async with media_mesh(seats, call_id, ice) as peers:
        for (seat, other), peer in peers.items():
            assert peer.frames["audio"] >= 10, (seat, other, peer.frames)
            assert peer.frames["video"] >= 5, (seat, other, peer.frames)
