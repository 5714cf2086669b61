"""One call across two server processes that share the real Redis and the real PostgreSQL.

The caseworker's socket lives on node 1, the interpreter's on node 2: every ring, acceptance, offer,
answer and hang-up crosses between the processes through Redis, and the record lands in PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis

from core.clock import SystemClock
from core.migrate import upgrade
from core.state_store import RedisStateStore
from rris.services import Services, build_services
from signaling.call_documents import call_key
from signaling.client import SignalingClient
from signaling.presence import presence_key
from signaling.records import CallRecord
from tests.conftest import make_settings
from tests.support.domain import RecordingNotifier
from tests.support.external import fresh_postgres_database, require_redis, unique_prefix
from tests.support.media import media_between
from tests.support.nodes import Node, connected, running_nodes
from tests.support.world import PASSWORD, World, build_world

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(180)]

RING_TIMEOUT_S = 30.0  # long enough never to fire while a test is looking at a ringing call


@dataclass
class Cluster:
    node1: Node
    node2: Node
    services: Services  # this test process's own view of the same database, for checking records
    store: RedisStateStore  # and of the same live state in Redis
    world: World
    prefix: str

    async def record(self, call_id: str) -> CallRecord:
        coord = await self.services.accounts.principal(self.world.id("coord"))
        assert coord is not None
        return await self.services.records.get(call_id, coord)


async def _delete_keys(redis_url: str, prefix: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    redis_url = await require_redis()
    prefix = unique_prefix()
    async with fresh_postgres_database() as pg_url:
        # Migrate and seed from here, before any node starts: `rris serve` refuses an old schema.
        services = build_services(
            make_settings(tmp_path, database_url=pg_url), SystemClock(), RecordingNotifier()
        )
        store = RedisStateStore(redis_url, f"{prefix}:")
        try:
            await upgrade(services.db)
            world = await build_world(services.accounts, services.directory)
            env = {
                "RRIS_DATABASE_URL": pg_url,
                "RRIS_REDIS_URL": redis_url,
                "RRIS_REDIS_PREFIX": prefix,
                "RRIS_ARGON2_TIME_COST": "1",
                "RRIS_ARGON2_MEMORY_KIB": "1024",
                "RRIS_RING_TIMEOUT_S": str(RING_TIMEOUT_S),
                "RRIS_GRACE_PERIOD_S": "5",
                "RRIS_LOG_LEVEL": "INFO",
            }
            async with running_nodes(2, env, tmp_path) as (node1, node2):
                yield Cluster(node1, node2, services, store, world, prefix)
        finally:
            await store.close()
            await services.close()
            await _delete_keys(redis_url, prefix)


def sid_of(client: SignalingClient) -> str:
    sid = client.sio.get_sid()
    assert isinstance(sid, str)
    return sid


async def no_more(client: SignalingClient, event: str, within: float = 0.5) -> bool:
    """True when ``event`` does not arrive (again) at ``client`` within ``within`` seconds."""
    await asyncio.sleep(within)
    return client.pending(event) == 0


async def test_both_nodes_report_the_shared_database_and_redis_healthy(cluster: Cluster) -> None:
    for node in (cluster.node1, cluster.node2):
        assert node.health == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.mark.media
async def test_a_call_between_sockets_on_two_nodes_rings_connects_media_and_hangs_up(
    cluster: Cluster, clients: list[SignalingClient]
) -> None:
    interpreter = await connected(clients, cluster.node2, "ps.male")
    caseworker = await connected(clients, cluster.node1, "cw.a")
    ice = (await caseworker.call("session:info"))["ice_servers"]
    assert (await interpreter.call("presence:standby", {"on": True}))["state"] == "standby"

    requested = await caseworker.call("call:request", {"language": "ps", "gender": "male"})
    assert requested["ok"], requested
    assert requested["state"] == "ringing"
    call_id = requested["call_id"]
    ring = await interpreter.next_event("call:ring")  # node 1 rang a socket of node 2
    assert ring["call_id"] == call_id
    assert ring["organisation"] == "Test Office A"

    accepted = await interpreter.call("call:accept", {"call_id": call_id})
    assert accepted["ok"], accepted
    assert (await caseworker.next_event("call:accepted"))["call_id"] == call_id
    # Each node sees the other's socket in the shared call document.
    live = await cluster.store.get(call_key(call_id))
    assert live is not None
    assert (live.value["caseworker_sid"], live.value["interpreter_sid"]) == (
        sid_of(caseworker),
        sid_of(interpreter),
    )

    async with media_between(caseworker, interpreter, call_id, ice):
        pass  # decoded audio and video arrived both ways, across the two nodes

    assert (await interpreter.call("call:hangup", {"call_id": call_id}))["ok"]
    assert (await interpreter.next_event("call:ended"))["outcome"] == "completed"
    assert (await caseworker.next_event("call:ended"))["outcome"] == "completed"

    record = await cluster.record(call_id)
    assert record.outcome == "completed"
    assert record.interpreter_id == cluster.world.id("ps.male")
    assert record.caseworker_id == cluster.world.id("cw.a")
    assert (record.language, record.requested_gender, record.ring_attempts) == ("ps", "male", 1)
    assert record.rung_at is not None
    assert record.answered_at is not None
    assert record.ended_at is not None
    assert record.requested_at <= record.rung_at <= record.answered_at <= record.ended_at
    # The live call is gone from Redis, and the interpreter is free again on every node.
    assert await cluster.store.get(call_key(call_id)) is None
    presence = await cluster.store.get(presence_key(cluster.world.id("ps.male")))
    assert presence is not None
    assert presence.value["state"] == "standby"
    assert presence.value["last_busy_at"] is not None
    assert (await caseworker.call("session:info"))["active_call"] is None
    assert (await interpreter.call("session:info"))["active_call"] is None


async def test_two_simultaneous_accepts_from_sockets_on_two_nodes_give_exactly_one_ok(
    cluster: Cluster, clients: list[SignalingClient]
) -> None:
    caseworker = await connected(clients, cluster.node1, "cw.a")
    on_node2 = await connected(clients, cluster.node2, "ps.male")
    # The same login session, opened on node 2, authenticates a second socket on node 1.
    assert on_node2.token is not None
    on_node1 = await connected(clients, cluster.node1, "ps.male", token=on_node2.token)
    assert (await on_node1.call("session:info"))["user"]["id"] == cluster.world.id("ps.male")
    assert (await on_node2.call("presence:standby", {"on": True}))["state"] == "standby"

    for round_ in range(3):
        requested = await caseworker.call("call:request", {"language": "ps", "gender": "male"})
        assert requested["ok"], requested
        call_id = requested["call_id"]
        ringing = await cluster.store.get(presence_key(cluster.world.id("ps.male")))
        assert ringing is not None
        rung_sid = ringing.value["sid"]
        rung = on_node2 if rung_sid == sid_of(on_node2) else on_node1
        assert (await rung.next_event("call:ring"))["call_id"] == call_id

        acks = await asyncio.gather(
            on_node1.call("call:accept", {"call_id": call_id}),
            on_node2.call("call:accept", {"call_id": call_id}),
        )
        oks = [ack for ack in acks if ack["ok"]]
        refusals = [ack for ack in acks if not ack["ok"]]
        assert len(oks) == 1, (round_, acks)
        assert refusals[0]["error"]["code"] == "conflict", acks
        winner, loser = (on_node1, on_node2) if acks[0]["ok"] else (on_node2, on_node1)

        # The caseworker hears of one acceptance, and only the winning socket holds the call.
        assert (await caseworker.next_event("call:accepted"))["call_id"] == call_id
        assert await no_more(caseworker, "call:accepted")
        live = await cluster.store.get(call_key(call_id))
        assert live is not None
        assert live.value["state"] == "active"
        assert live.value["interpreter_sid"] == sid_of(winner)
        offer = {"type": "offer", "sdp": f"v=0 round {round_} offer"}
        assert (await caseworker.call("signal:description", {"call_id": call_id, **offer}))["ok"]
        assert (await winner.next_event("signal:description"))["sdp"] == offer["sdp"]
        assert await no_more(loser, "signal:description", within=0.2)

        record = await cluster.record(call_id)
        assert (record.interpreter_id, record.ring_attempts, record.outcome) == (
            cluster.world.id("ps.male"),
            1,
            None,
        )
        assert record.answered_at is not None

        assert (await caseworker.call("call:hangup", {"call_id": call_id}))["ok"]
        assert (await winner.next_event("call:ended"))["outcome"] == "completed"
        assert (await caseworker.next_event("call:ended"))["outcome"] == "completed"
        assert await no_more(loser, "call:ended", within=0.2)
        ended = await cluster.record(call_id)
        assert ended.outcome == "completed"
        assert ended.answered_at == record.answered_at  # answered once, never overwritten
        presence = await cluster.store.get(presence_key(cluster.world.id("ps.male")))
        assert presence is not None
        assert presence.value["state"] == "standby"


async def test_a_coordinator_watching_on_one_node_sees_what_happens_on_the_other(
    cluster: Cluster, clients: list[SignalingClient]
) -> None:
    coordinator = await connected(clients, cluster.node1, "coord")
    watched = await coordinator.call("board:watch", {"on": True})
    assert watched["ok"], watched
    interpreter = await connected(clients, cluster.node2, "ps.male")
    caseworker = await connected(clients, cluster.node2, "cw.a")
    assert (await interpreter.call("presence:standby", {"on": True}))["state"] == "standby"
    requested = await caseworker.call("call:request", {"language": "ps"})

    async def board_with_the_request() -> dict:
        while True:
            board = await coordinator.next_event("board:update", timeout=5)
            if [w["call_id"] for w in board["waiting"]] == [requested["call_id"]]:
                return board

    board = await board_with_the_request()
    assert board["waiting"][0]["ringing"] == "Test ps.male"
    assert {i["name"]: i["state"] for i in board["interpreters"]}["Test ps.male"] == "ringing"
    # The other node draws the same board from the same shared state.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.post(
            f"{cluster.node2.url}/api/login", json={"username": "coord", "password": PASSWORD}
        ) as resp:
            assert resp.status == 200
        async with http.get(f"{cluster.node2.url}/api/live") as resp:
            seen = await resp.json()
    assert [w["call_id"] for w in seen["waiting"]] == [requested["call_id"]]
