"""Consented recording across two server processes sharing PostgreSQL, Redis and the recording volume.

The caseworker's socket and recorder leg are on node 1, the interpreter's on node 2. The caseworker stops
the recording on node 1: node 1 closes its own leg at once, and node 2, which hears nothing directly,
finds on its next check of the shared call that it no longer records and seals its leg too. Either node
then plays either voice from the shared volume.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiortc import RTCPeerConnection

from core.clock import SystemClock
from core.migrate import upgrade
from media.recording_store import RecordingPolicy
from rris.services import Services, build_services
from signaling.client import SignalingClient
from tests.conftest import make_settings
from tests.media.test_recording import MASTER_KEY, decoded, open_leg, send
from tests.support.domain import RecordingNotifier
from tests.support.external import fresh_postgres_database, require_redis, unique_prefix
from tests.support.nodes import Node, connected, running_nodes
from tests.support.world import World, build_world

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.media, pytest.mark.timeout(180)]


@dataclass
class Cluster:
    node1: Node
    node2: Node
    services: Services  # this test process's view of the same database and volume
    world: World


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    redis_url = await require_redis()
    prefix = unique_prefix()
    volume = tmp_path / "shared-recordings"
    async with fresh_postgres_database() as pg_url:
        settings = make_settings(
            tmp_path, database_url=pg_url, recording_key=MASTER_KEY, recording_dir=volume
        )
        services = build_services(settings, SystemClock(), RecordingNotifier())
        try:
            await upgrade(services.db)
            world = await build_world(services.accounts, services.directory)
            coordinator = world.id("coord.a")
            await services.recordings.set_policy(RecordingPolicy(world.office_a, True, 30), coordinator)
            env = {
                "RRIS_DATABASE_URL": pg_url,
                "RRIS_REDIS_URL": redis_url,
                "RRIS_REDIS_PREFIX": prefix,
                "RRIS_ARGON2_TIME_COST": "1",
                "RRIS_ARGON2_MEMORY_KIB": "1024",
                "RRIS_RECORDING_KEY": MASTER_KEY,
                "RRIS_RECORDING_DIR": str(volume),
            }
            async with running_nodes(2, env, tmp_path) as (node1, node2):
                yield Cluster(node1, node2, services, world)
        finally:
            await services.close()


@pytest.fixture
async def legs() -> AsyncIterator[list[RTCPeerConnection]]:
    made: list[RTCPeerConnection] = []
    yield made
    for pc in made:
        await pc.close()


async def test_a_stop_on_one_node_seals_the_leg_on_the_other_and_both_nodes_play_both_voices(
    cluster: Cluster, clients: list[SignalingClient], legs: list[RTCPeerConnection]
) -> None:
    interpreter = await connected(clients, cluster.node2, "ps.male")
    caseworker = await connected(clients, cluster.node1, "cw.a")
    await interpreter.call("presence:standby", {"on": True})
    call_id = (await caseworker.call("call:request", {"language": "ps"}))["call_id"]
    await interpreter.next_event("call:ring")
    assert (await interpreter.call("call:accept", {"call_id": call_id}))["ok"]
    assert (await caseworker.call("recording:request", {"call_id": call_id}))["state"] == "asking"
    started = await interpreter.call("recording:consent", {"call_id": call_id, "agree": True})
    assert started["state"] == "recording", started
    recording_id = started["recording_id"]
    assert (await caseworker.next_event("recording:state"))["state"] == "asking"

    assert (await open_leg(caseworker, call_id, 440, legs))[0] == 201  # recorded by node 1
    assert (await open_leg(interpreter, call_id, 880, legs))[0] == 201  # recorded by node 2
    for _ in range(150):
        if all(pc.connectionState == "connected" for pc in legs):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(4)  # media starts up to about 2 s after ICE reports connected here

    assert (await caseworker.call("recording:stop", {"call_id": call_id}))["state"] == "stopped"
    store = cluster.services.recordings.store
    for _ in range(100):  # node 2 checks every 2 s
        tracks = await store.tracks(recording_id)
        if len(tracks) == 2 and all(t.ended_at for t in tracks):
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail(f"a leg was not sealed: {tracks}")
    assert (await store.get(recording_id)).state == "complete"  # type: ignore[union-attr]

    coordinator = await connected(clients, cluster.node2, "coord.a")
    by_seat = {t.seat: t.id for t in tracks}
    for seat, hz in (("caseworker", 440), ("interpreter", 880)):
        status, ogg = await send(coordinator, "GET", f"/api/recordings/{recording_id}/tracks/{by_seat[seat]}")
        assert status == 200
        seconds, frequency = decoded(ogg)
        assert seconds >= 1.5, (seat, seconds)
        assert abs(frequency - hz) < 30, (seat, frequency)
