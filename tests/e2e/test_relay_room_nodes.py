"""A relay booking's room across two server processes sharing the real Redis and PostgreSQL.

The caseworker and the from-pivot interpreter sit on node 1, the to-pivot interpreter on node 2: the
booking is made and confirmed over HTTP, whichever node runs timed work opens the room at the start and
invites all three, and every join, targeted negotiation message, disconnection, rejoin on the other node,
leave and hang-up crosses between the processes through Redis.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from core.clock import SystemClock
from core.migrate import upgrade
from core.state_store import RedisStateStore
from rris.services import build_services
from signaling.call_documents import call_key
from signaling.client import SignalingClient
from tests.conftest import make_settings
from tests.support.domain import RecordingNotifier
from tests.support.external import fresh_postgres_database, require_redis, unique_prefix
from tests.support.nodes import Node, connected, running_nodes
from tests.support.relay import SEATS, book_relay, make_relay_possible
from tests.support.world import World, build_world

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(180)]


async def _seed(tmp_path: Path, pg_url: str) -> World:
    """Schema, people and a possible relay, written before any node starts (they refuse an old schema)."""
    services = build_services(
        make_settings(tmp_path, database_url=pg_url), SystemClock(), RecordingNotifier()
    )
    try:
        await upgrade(services.db)
        world = await build_world(services.accounts, services.directory)
        await make_relay_possible(services.directory, services.availability, world)
        return world
    finally:
        await services.close()


async def test_a_relay_room_with_its_people_on_two_nodes(
    tmp_path: Path, clients: list[SignalingClient]
) -> None:
    redis_url = await require_redis()
    prefix = unique_prefix()
    store = RedisStateStore(redis_url, f"{prefix}:")
    try:
        async with fresh_postgres_database() as pg_url:
            world = await _seed(tmp_path, pg_url)
            env = {
                "RRIS_DATABASE_URL": pg_url,
                "RRIS_REDIS_URL": redis_url,
                "RRIS_REDIS_PREFIX": prefix,
                "RRIS_ARGON2_TIME_COST": "1",
                "RRIS_ARGON2_MEMORY_KIB": "1024",
                "RRIS_SCHEDULER_POLL_S": "0.5",
                "RRIS_LOG_LEVEL": "INFO",
            }
            async with running_nodes(2, env, tmp_path) as (node1, node2):
                await _relay_room_across(node1, node2, world, store, clients)
                for c in clients:  # before the nodes stop
                    await c.disconnect()
    finally:
        await store.close()
        redis = Redis.from_url(redis_url)
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def _relay_room_across(
    node1: Node, node2: Node, world: World, store: RedisStateStore, clients: list[SignalingClient]
) -> None:
    where = {"caseworker": node1, "interpreter": node2, "relay_interpreter": node1}
    seats = {seat: await connected(clients, where[seat], SEATS[seat]) for seat in SEATS}
    legs = {SEATS[s]: seats[s] for s in ("interpreter", "relay_interpreter")}
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=8)
    booking = await book_relay(seats["caseworker"], legs, start, world)

    opened = {seat: await c.next_event("room:open", timeout=40) for seat, c in seats.items()}
    call_id = opened["caseworker"]["call_id"]
    assert {(e["call_id"], e["booking_id"], e["role"]) for e in opened.values()} == {
        (call_id, booking["id"], seat) for seat in SEATS
    }
    for seat in ("interpreter", "caseworker", "relay_interpreter"):
        assert (await seats[seat].call("room:join", {"call_id": call_id}))["ok"]
    assert (await seats["interpreter"].next_event("call:peer-rejoined"))["role"] == "caseworker"
    for seat in ("interpreter", "caseworker"):
        assert (await seats[seat].next_event("call:peer-rejoined"))["role"] == "relay_interpreter"

    live = await store.get(call_key(call_id))  # one document in Redis, each seat's socket on its node
    assert live is not None
    assert {seat: live.value[f"{seat}_sid"] for seat in SEATS} == {
        s: c.sio.get_sid() for s, c in seats.items()
    }

    for offerer, answerer in (("caseworker", "interpreter"), ("interpreter", "relay_interpreter")):
        offer = {"call_id": call_id, "type": "offer", "sdp": f"v=0 {offerer} to {answerer}", "to": answerer}
        assert (await seats[offerer].call("signal:description", offer))["ok"]
        relayed = await seats[answerer].next_event("signal:description")
        assert (relayed["sdp"], relayed["from"]) == (offer["sdp"], offerer)

    # The from-pivot interpreter's connection drops on node 1; they come back on node 2.
    token = seats["relay_interpreter"].token
    await seats["relay_interpreter"].disconnect()
    for seat in ("caseworker", "interpreter"):
        told = await seats[seat].next_event("call:peer-disconnected")
        assert (told["role"], told["call_id"]) == ("relay_interpreter", call_id)
    moved = await connected(clients, node2, SEATS["relay_interpreter"], token=token)
    back = await moved.call("room:join", {"call_id": call_id})
    assert (back["ok"], back["present"]) == (True, ["caseworker", "interpreter"])
    for seat in ("caseworker", "interpreter"):
        assert (await seats[seat].next_event("call:peer-rejoined"))["role"] == "relay_interpreter"
    candidate = {"call_id": call_id, "candidate": None, "to": "relay_interpreter"}
    assert (await seats["caseworker"].call("signal:candidate", candidate))["ok"]
    assert (await moved.next_event("signal:candidate"))["from"] == "caseworker"

    # The to-pivot interpreter leaves (node 2); the caseworker then ends the session (node 1).
    left = await seats["interpreter"].call("call:hangup", {"call_id": call_id})
    assert (left["ok"], left["left"]) == (True, True)
    for c in (seats["caseworker"], moved):
        assert (await c.next_event("call:peer-left"))["role"] == "interpreter"
    assert (await seats["caseworker"].call("call:hangup", {"call_id": call_id}))["ok"]
    for c in (seats["caseworker"], moved):
        assert (await c.next_event("call:ended"))["outcome"] == "completed"
    assert await store.get(call_key(call_id)) is None
    assert seats["interpreter"].pending("call:ended") == 0  # they had left already
