"""A call belongs to its two participants; its record to their authority, the interpreter who took it,
and the operator's coordinators. Nobody else can touch the call, overhear it, or read its record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from signaling.call_documents import call_key, caseworker_key
from signaling.client import SignalingClient
from tests.conftest import ClientFactory
from tests.rris.conftest import SERVER_EVENTS, get_json, principal
from tests.support.server import RunningServer
from tests.support.world import INTERPRETERS, World

SDP_OFFER = (
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendrecv\r\n"
    "a=rtpmap:111 opus/48000/2\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n"
    "a=sendrecv\r\na=rtpmap:96 VP8/90000\r\n"
)
CANDIDATE = {"candidate": "candidate:1 1 udp 2130706431 192.0.2.10 50000 typ host", "sdpMid": "0"}
# cw.a2: same office, another caseworker; cw.b: another office; ps.female: another interpreter;
# coord / coord.a: coordinators, who oversee records but take no part in calls.
OUTSIDERS = ["cw.a2", "cw.b", "ps.female", "coord", "coord.a"]


def no_events(c: SignalingClient) -> dict[str, int]:
    """The server events waiting at ``c``, by name (empty when none)."""
    return {e: c.pending(e) for e in SERVER_EVENTS if c.pending(e)}


# -- a live call ----------------------------------------------------------------------------------------


@dataclass
class LiveCall:
    server: RunningServer
    world: World
    call_id: str
    caseworker: SignalingClient  # cw.a
    interpreter: SignalingClient  # ps.male
    outsiders: dict[str, SignalingClient]

    async def snapshot(self) -> dict[str, Any]:
        svc = self.server.services
        await svc.tasks.drain()  # background work (the record of a request) settled first
        coord = await principal(self.server, self.world, "coord")
        return {
            "call": await svc.store.get(call_key(self.call_id)),
            "caseworker_refs": {
                n: await svc.store.get(caseworker_key(self.world.id(n))) for n in ("cw.a", "cw.a2", "cw.b")
            },
            "presence": {n: await svc.presence.get(self.world.id(n)) for n in INTERPRETERS},
            "records": await svc.records.visible(coord, 500),
        }

    async def still_private(self) -> None:
        """The participants still negotiate with each other, and nobody else hears a word of it."""
        cw, it = self.caseworker, self.interpreter
        assert no_events(cw) == no_events(it) == {}
        candidate = {"call_id": self.call_id, "candidate": dict(CANDIDATE)}
        assert (await cw.call("signal:candidate", candidate))["ok"]
        assert await it.next_event("signal:candidate") == candidate | {"from": "caseworker"}
        answer = {"call_id": self.call_id, "type": "answer", "sdp": SDP_OFFER}
        assert (await it.call("signal:description", answer))["ok"]
        assert await cw.next_event("signal:description") == answer | {"from": "interpreter"}
        # Sent after everything above: were anything routed to the outsiders, it would be there by now.
        assert (await cw.call("session:info"))["active_call"]["state"] == "active"
        for name, outsider in self.outsiders.items():
            assert no_events(outsider) == {}, name


@pytest.fixture
async def live(server: RunningServer, world: World, client: ClientFactory) -> LiveCall:
    """cw.a and ps.male in an active call, the offer relayed; every outsider connected all along."""
    outsiders = {name: await client(name) for name in OUTSIDERS}
    assert (await outsiders["ps.female"].call("presence:standby", {"on": True}))["ok"]
    interpreter = await client("ps.male")
    assert (await interpreter.call("presence:standby", {"on": True}))["ok"]
    caseworker = await client("cw.a")
    call_id = (await caseworker.call("call:request", {"language": "ps", "gender": "male"}))["call_id"]
    await interpreter.next_event("call:ring")
    await caseworker.next_event("call:status")
    assert (await interpreter.call("call:accept", {"call_id": call_id}))["ok"]
    await caseworker.next_event("call:accepted")
    offer = {"call_id": call_id, "type": "offer", "sdp": SDP_OFFER}
    assert (await caseworker.call("signal:description", offer))["ok"]
    assert await interpreter.next_event("signal:description") == offer | {"from": "caseworker"}
    return LiveCall(server, world, call_id, caseworker, interpreter, outsiders)


@pytest.mark.parametrize("outsider", OUTSIDERS)
async def test_an_outsider_cannot_relay_negotiation_into_a_live_call(live: LiveCall, outsider: str) -> None:
    before = await live.snapshot()
    them = live.outsiders[outsider]
    for event, payload in (
        ("signal:description", {"call_id": live.call_id, "type": "offer", "sdp": SDP_OFFER}),
        ("signal:description", {"call_id": live.call_id, "type": "answer", "sdp": SDP_OFFER}),
        ("signal:candidate", {"call_id": live.call_id, "candidate": dict(CANDIDATE)}),
        ("signal:candidate", {"call_id": live.call_id, "candidate": None}),
    ):
        ack = await them.call(event, payload)
        assert (ack["ok"], ack["error"]["code"]) == (False, "forbidden"), (event, ack)
    assert await live.snapshot() == before
    await live.still_private()


@pytest.mark.parametrize("outsider", OUTSIDERS)
async def test_an_outsider_cannot_hang_up_cancel_rejoin_or_take_a_live_call(
    live: LiveCall, outsider: str
) -> None:
    before = await live.snapshot()
    them = live.outsiders[outsider]
    ref = {"call_id": live.call_id}
    for event, code in (
        ("call:hangup", "forbidden"),
        ("call:cancel", "forbidden"),
        ("call:rejoin", "forbidden"),
        ("call:accept", "conflict"),  # it rings for nobody: there is nothing to accept or decline
        ("call:decline", "conflict"),
    ):
        ack = await them.call(event, ref)
        assert (ack["ok"], ack["error"]["code"]) == (False, code), (event, ack)
    assert await live.snapshot() == before
    info = await them.call("session:info")
    assert info["active_call"] is None
    await live.still_private()


async def test_an_outsider_learns_nothing_about_the_call_from_session_info(live: LiveCall) -> None:
    for name, outsider in live.outsiders.items():
        assert (await outsider.call("session:info"))["active_call"] is None, name
    assert (await live.caseworker.call("session:info"))["active_call"]["call_id"] == live.call_id
    assert (await live.interpreter.call("session:info"))["active_call"]["call_id"] == live.call_id


async def test_the_participants_hang_up_and_outsiders_hear_nothing_of_it(live: LiveCall) -> None:
    assert (await live.interpreter.call("call:hangup", {"call_id": live.call_id}))["ok"]
    assert (await live.caseworker.next_event("call:ended"))["outcome"] == "completed"
    assert (await live.interpreter.next_event("call:ended"))["outcome"] == "completed"
    assert (await live.caseworker.call("session:info"))["ok"]
    for name, outsider in live.outsiders.items():
        assert no_events(outsider) == {}, name


# -- call records over HTTP -----------------------------------------------------------------------------


@dataclass
class Records:
    a: str  # office A: cw.a with ps.male, completed
    a2: str  # office A: cw.a2, rung to ps.female who declined; nobody else: no_interpreter
    b: str  # office B: cw.b, nobody serves the language there: no_interpreter
    http: dict[str, SignalingClient]  # logged in (cookie jar), not connected


@pytest.fixture
async def records(server: RunningServer, world: World, client: ClientFactory) -> Records:
    male, female = await client("ps.male"), await client("ps.female")
    for interpreter in (male, female):
        assert (await interpreter.call("presence:standby", {"on": True}))["ok"]
    cw_a, cw_a2, cw_b = await client("cw.a"), await client("cw.a2"), await client("cw.b")

    a = (await cw_a.call("call:request", {"language": "ps", "gender": "male"}))["call_id"]
    await male.next_event("call:ring")
    assert (await male.call("call:accept", {"call_id": a}))["ok"]
    assert (await cw_a.call("signal:description", {"call_id": a, "type": "offer", "sdp": SDP_OFFER}))["ok"]
    assert (await cw_a.call("call:hangup", {"call_id": a}))["ok"]
    assert (await cw_a.next_event("call:ended"))["outcome"] == "completed"

    a2 = (await cw_a2.call("call:request", {"language": "ps", "gender": "female"}))["call_id"]
    await female.next_event("call:ring")
    assert (await female.call("call:decline", {"call_id": a2}))["ok"]
    assert (await cw_a2.next_event("call:ended"))["outcome"] == "no_interpreter"

    b = await cw_b.call("call:request", {"language": "ar"})
    assert b["state"] == "ended"

    await server.services.tasks.drain()  # every record written
    users = ["cw.a", "cw.a2", "cw.b", "coord", "coord.a", "ps.male", "ps.female"]
    return Records(a, a2, b["call_id"], {u: await client(u, connect=False) for u in users})


async def listed(server: RunningServer, who: SignalingClient) -> set[str]:
    status, body = await get_json(who.http, f"{server.url}/api/calls")
    assert status == 200, body
    return {c["id"] for c in body["calls"]}


async def fetched(server: RunningServer, who: SignalingClient, call_id: str) -> tuple[int, dict[str, Any]]:
    return await get_json(who.http, f"{server.url}/api/calls/{call_id}")


VISIBLE = {
    "cw.a": {"a", "a2"},  # a caseworker sees every call of their office
    "cw.a2": {"a", "a2"},
    "cw.b": {"b"},
    "coord": {"a", "a2", "b"},  # the operator's coordinator oversees every authority
    "coord.a": {"a", "a2"},  # an authority's coordinator, their own office only
    "ps.male": {"a"},  # an interpreter, only the calls they took
    "ps.female": set(),  # being rung and declining is not taking the call
}


@pytest.mark.parametrize("username", list(VISIBLE))
async def test_get_calls_lists_exactly_the_records_the_user_may_see(
    server: RunningServer, records: Records, username: str
) -> None:
    ids = {"a": records.a, "a2": records.a2, "b": records.b}
    assert await listed(server, records.http[username]) == {ids[k] for k in VISIBLE[username]}


@pytest.mark.parametrize("username", list(VISIBLE))
async def test_get_call_by_id_is_404_exactly_like_a_missing_call_for_records_the_user_may_not_see(
    server: RunningServer, world: World, records: Records, username: str
) -> None:
    who = records.http[username]
    missing = await fetched(server, who, "0" * 32)
    assert missing == (404, {"error": {"code": "not_found", "message": "no such call"}})
    for key, call_id in (("a", records.a), ("a2", records.a2), ("b", records.b)):
        status, body = await fetched(server, who, call_id)
        if key in VISIBLE[username]:
            assert (status, body["id"]) == (200, call_id), key
        else:
            assert (status, body) == missing, key  # no hint that the call exists


async def test_a_visible_record_carries_the_facts_of_the_call_and_nothing_of_its_content(
    server: RunningServer, world: World, records: Records
) -> None:
    status, body = await fetched(server, records.http["coord"], records.a)
    assert status == 200
    assert set(body) == {
        "id",
        "organisation_id",
        "caseworker_id",
        "interpreter_id",
        "language",
        "requested_gender",
        "requested_at",
        "rung_at",
        "answered_at",
        "ended_at",
        "outcome",
        "ring_attempts",
        "quality_rating",
    }
    assert body["organisation_id"] == world.office_a
    assert body["caseworker_id"] == world.id("cw.a")
    assert body["interpreter_id"] == world.id("ps.male")
    assert (body["language"], body["requested_gender"], body["outcome"]) == ("ps", "male", "completed")
    assert SDP_OFFER not in str(body)
    status, declined = await fetched(server, records.http["coord"], records.a2)
    assert status == 200
    assert declined["interpreter_id"] is None  # rung and declined: not the interpreter of the call
    assert declined["ring_attempts"] == 1
