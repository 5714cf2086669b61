"""TURN for real: a coturn on loopback, peers restricted to relayed candidates, credentials from RRIS.

The peers are the synthetic aiortc peers of the other media tests, with ``iceTransportPolicy: "relay"``
(what a browser does with that policy): aioice then gathers no host or server-reflexive candidate, only the
address coturn allocates, so media that flows has gone through coturn. The test also checks that every
candidate each side offered is a relayed one.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCIceTransportPolicy

import media.synthetic_peer
from core.clock import FakeClock, SystemClock
from core.config import Settings
from media.rtc_config import rtc_configuration
from media.synthetic_peer import SyntheticPeer
from signaling.client import SignalingClient
from signaling.ice import IceConfig
from tests.conftest import ClientFactory, make_settings
from tests.support.coturn import Coturn, running_coturn
from tests.support.world import World

pytestmark = pytest.mark.media

CANDIDATE = re.compile(r"^a=candidate:.* typ (\w+)", re.MULTILINE)
GATHERING_BOUND_S = 10.0
NO_MEDIA_WAIT_S = 5.0


@pytest.fixture
async def coturn(tmp_path: Path) -> AsyncIterator[Coturn]:
    async with running_coturn(tmp_path) as running:
        yield running


@pytest.fixture
def settings(tmp_path: Path, coturn: Coturn) -> Settings:
    return make_settings(
        tmp_path, turn_urls=coturn.urls, turn_secret=coturn.secret, turn_credential_ttl_s=600
    )


@pytest.fixture(autouse=True)
def relay_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every synthetic peer of these tests gets ``iceTransportPolicy: "relay"``."""

    def configuration(ice_servers: Iterable[Mapping[str, Any]] = ()) -> RTCConfiguration:
        return RTCConfiguration(
            iceServers=rtc_configuration(ice_servers).iceServers,
            iceTransportPolicy=RTCIceTransportPolicy.RELAY,
        )

    monkeypatch.setattr(media.synthetic_peer, "rtc_configuration", configuration)


async def test_relay_only_peers_exchange_media_through_coturn_with_credentials_from_session_info(
    coturn: Coturn, world: World, client: ClientFactory
) -> None:
    interpreter = await client("ps.male")
    caseworker = await client("cw.a")
    cw_ice = await _ice_servers(caseworker, coturn, world.id("cw.a"))
    in_ice = await _ice_servers(interpreter, coturn, world.id("ps.male"))
    assert (await interpreter.call("presence:standby", {"on": True}))["state"] == "standby"
    call_id = (await caseworker.call("call:request", {"language": "ps", "gender": "male"}))["call_id"]
    assert (await interpreter.next_event("call:ring"))["call_id"] == call_id
    assert (await interpreter.call("call:accept", {"call_id": call_id}))["ok"]
    await caseworker.next_event("call:accepted")

    cw_peer, in_peer = SyntheticPeer(cw_ice), SyntheticPeer(in_ice)
    try:
        offer = await cw_peer.offer()
        assert (await caseworker.call("signal:description", {"call_id": call_id, **offer}))["ok"]
        answer = await in_peer.answer(await interpreter.next_event("signal:description"))
        assert (await interpreter.call("signal:description", {"call_id": call_id, **answer}))["ok"]
        await cw_peer.accept_answer(await caseworker.next_event("signal:description"))

        for description in (offer, answer):
            kinds = CANDIDATE.findall(description["sdp"])
            assert kinds, description["sdp"]
            assert set(kinds) == {"relay"}, kinds
        assert await cw_peer.wait_for_frames(20, 10), (cw_peer.frames, coturn.log_text()[-2000:])
        assert await in_peer.wait_for_frames(20, 10), (in_peer.frames, coturn.log_text()[-2000:])
        assert cw_peer.pc.connectionState == in_peer.pc.connectionState == "connected"
    finally:
        await cw_peer.close()
        await in_peer.close()
    assert (await interpreter.call("call:hangup", {"call_id": call_id}))["ok"]
    log = coturn.log_text()
    for ice in (cw_ice, in_ice):  # each side allocated with its own credential, then bound the other's relay
        assert f"user <{ice[0]['username']}>: incoming packet ALLOCATE processed, success" in log, log[-2000:]
    assert "incoming packet CHANNEL_BIND processed, success" in log, log[-2000:]


@pytest.mark.parametrize("fault", ["wrong secret", "expired"])
async def test_relay_only_peers_never_connect_with_bad_credentials(coturn: Coturn, fault: str) -> None:
    if fault == "wrong secret":
        ice = IceConfig(SystemClock(), [], coturn.urls, "not-" + coturn.secret, ttl_s=600)
    else:
        # Minted an hour ago for a minute: the expiry in the username is long past.
        an_hour_ago = FakeClock(datetime.now(UTC) - timedelta(hours=1))
        ice = IceConfig(an_hour_ago, [], coturn.urls, coturn.secret, ttl_s=60)
    servers = [s.as_dict() for s in ice.servers_for("user-1")]
    first, second = SyntheticPeer(servers), SyntheticPeer(servers)
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        offer = await first.offer()
        answer = await second.answer(offer)
        await first.accept_answer(answer)
        # coturn refused the allocation: no relayed candidate, so (relay only) nothing to connect with.
        assert CANDIDATE.findall(offer["sdp"]) == CANDIDATE.findall(answer["sdp"]) == []
        assert loop.time() - started < GATHERING_BOUND_S
        # aiortc leaves a connection without local candidates in "new" (a browser reports "failed"):
        # either way, no media within the bound.
        assert not await first.wait_for_frames(1, 0, timeout=NO_MEDIA_WAIT_S)
        assert first.pc.connectionState in ("new", "failed")
        assert second.pc.connectionState in ("new", "failed")
        assert first.frames == second.frames == {"audio": 0, "video": 0}
    finally:
        await first.close()
        await second.close()
    assert "check_stun_auth: Cannot find credentials of user <" in coturn.log_text(), coturn.log_text()[
        -2000:
    ]


async def _ice_servers(user: SignalingClient, coturn: Coturn, user_id: str) -> list[dict[str, Any]]:
    """The user's ICE servers from ``session:info``: coturn's URLs with a credential minted for them."""
    ice: list[dict[str, Any]] = (await user.call("session:info"))["ice_servers"]
    assert [s["urls"] for s in ice] == [coturn.urls]
    expiry, named = ice[0]["username"].split(":", 1)
    assert named == user_id
    assert 0 < int(expiry) - datetime.now(UTC).timestamp() <= 600
    return ice


async def test_relay_only_peers_reach_coturn_over_tcp_alone(coturn: Coturn) -> None:
    """The path of an office whose firewall lets no UDP out: both peers know only TURN over TCP."""
    ice = IceConfig(SystemClock(), [], coturn.urls, coturn.secret, ttl_s=600)
    servers = []
    for server in (s.as_dict() for s in ice.servers_for("user-1")):
        server["urls"] = [url for url in server["urls"] if url.endswith("?transport=tcp")]
        servers.append(server)
    assert servers[0]["urls"] == [coturn.urls[1]]
    first, second = SyntheticPeer(servers), SyntheticPeer(servers)
    try:
        offer = await first.offer()
        answer = await second.answer(offer)
        await first.accept_answer(answer)
        for description in (offer, answer):
            assert set(CANDIDATE.findall(description["sdp"])) == {"relay"}, description["sdp"]
        assert await first.wait_for_frames(20, 10), (first.frames, coturn.log_text()[-2000:])
        assert await second.wait_for_frames(20, 10), (second.frames, coturn.log_text()[-2000:])
    finally:
        await first.close()
        await second.close()
    log = coturn.log_text()
    allocations = [line for line in log.splitlines() if "ALLOCATE processed, success" in line]
    assert allocations, log[-2000:]
    # Every allocation came over its own TCP connection; over UDP coturn logs no connection at all.
    assert log.count("tcp or tls connected to") >= len(allocations), log[-3000:]
