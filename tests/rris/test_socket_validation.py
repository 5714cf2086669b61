"""Every Socket.IO event validates its payload before anything changes (signaling/server.py, protocol.py).

A malformed payload gets ``{"ok": false, "error": {"code": "invalid_input", ...}}`` and leaves every call
record, live call, presence and pending event as it was; the sender can go on with a valid request.
A message over ``max_socket_message_bytes`` is not acted upon: the websocket is closed, unanswered.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio

from core.accounts import SESSION_COOKIE
from core.config import Settings
from signaling.call_documents import call_key, caseworker_key
from signaling.client import SignalingClient
from signaling.protocol import MAX_CANDIDATE_CHARS, MAX_SDP_CHARS
from tests.conftest import ClientFactory, make_settings
from tests.rris.conftest import SERVER_EVENTS, principal
from tests.support.server import RunningServer
from tests.support.world import INTERPRETERS, World

SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CANDIDATE = {"candidate": "candidate:1 1 udp 2130706431 192.0.2.10 50000 typ host", "sdpMid": "0"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # No ring may time out while a test works through its malformed payloads.
    return make_settings(tmp_path, ring_timeout_s=120.0, grace_period_s=120.0)


# -- the scene: a caseworker and an interpreter, idle, ringing or in an active call ----------------------


@dataclass
class Scene:
    server: RunningServer
    world: World
    caseworker: SignalingClient  # cw.a
    interpreter: SignalingClient  # ps.male, on standby
    call_id: str = ""

    async def ring(self) -> None:
        requested = await self.caseworker.call("call:request", {"language": "ps", "gender": "male"})
        assert requested["state"] == "ringing", requested
        self.call_id = requested["call_id"]
        assert (await self.interpreter.next_event("call:ring"))["call_id"] == self.call_id
        assert (await self.caseworker.next_event("call:status"))["state"] == "ringing"

    async def answer(self) -> None:
        assert (await self.interpreter.call("call:accept", {"call_id": self.call_id}))["state"] == "active"
        assert (await self.caseworker.next_event("call:accepted"))["call_id"] == self.call_id

    async def snapshot(self) -> dict[str, Any]:
        """Everything a malformed event could have touched, once background work has settled."""
        svc = self.server.services
        await svc.tasks.drain()  # e.g. the call record is written in the background after a request
        cw = await principal(self.server, self.world, "cw.a")
        it = await principal(self.server, self.world, "ps.male")
        return {
            "records": await svc.records.visible(await principal(self.server, self.world, "coord"), 500),
            "presence": {n: await svc.presence.get(self.world.id(n)) for n in INTERPRETERS},
            "caseworker_ref": await svc.store.get(caseworker_key(self.world.id("cw.a"))),
            "call": await svc.store.get(call_key(self.call_id)) if self.call_id else None,
            "caseworker_view": await svc.calls.current_call(cw),
            "interpreter_view": await svc.calls.current_call(it),
            "pending": {
                who: {e: c.pending(e) for e in SERVER_EVENTS if c.pending(e)}
                for who, c in (("caseworker", self.caseworker), ("interpreter", self.interpreter))
            },
        }


@pytest.fixture
async def scene(server: RunningServer, world: World, client: ClientFactory) -> Scene:
    interpreter = await client("ps.male")
    assert (await interpreter.call("presence:standby", {"on": True}))["state"] == "standby"
    return Scene(server, world, await client("cw.a"), interpreter)


# -- malformed payloads, event by event ------------------------------------------------------------------

Payload = Callable[[str], Any]  # the call id of the scene -> what to send
Cases = list[tuple[str, Payload]]


def not_an_object(valid: Payload) -> Cases:
    """Sent as the event's arguments: ``None`` sends none, a tuple sends several."""
    return [
        ("no-payload", lambda cid: None),
        ("json-null", lambda cid: (None,)),
        ("string", lambda cid: "payload"),
        ("number", lambda cid: 42),
        ("boolean", lambda cid: True),
        ("list", lambda cid: [valid(cid)]),
        ("valid-object-plus-a-second-argument", lambda cid: (valid(cid), "extra")),
    ]


def with_call_id(fields: Callable[[str], dict[str, Any]]) -> Cases:
    """Each way a call_id can fail to be 32 lower-case hex characters, the other fields valid."""
    wrong: list[tuple[str, Payload]] = [
        ("empty", lambda cid: ""),
        ("31-chars", lambda cid: cid[:-1]),
        ("33-chars", lambda cid: cid + "0"),
        ("upper-case", lambda cid: cid[:-1] + "F"),
        ("non-hex", lambda cid: cid[:-1] + "g"),
        ("trailing-newline", lambda cid: cid + "\n"),
        ("leading-space", lambda cid: " " + cid[1:]),
        ("uuid-with-dashes", lambda cid: f"{cid[:8]}-{cid[8:12]}-{cid[12:16]}-{cid[16:20]}-{cid[20:]}"),
        ("number", lambda cid: int(cid, 16)),
        ("null", lambda cid: None),
        ("list", lambda cid: [cid]),
    ]

    def replaced(bad: Payload) -> Payload:
        return lambda cid: fields(cid) | {"call_id": bad(cid)}

    return [(f"call_id-{name}", replaced(bad)) for name, bad in wrong]


def ref(cid: str) -> dict[str, Any]:
    return {"call_id": cid}


def description(cid: str) -> dict[str, Any]:
    return {"call_id": cid, "type": "offer", "sdp": SDP}


def candidate(cid: str) -> dict[str, Any]:
    return {"call_id": cid, "candidate": dict(CANDIDATE)}


def standby(cid: str) -> dict[str, Any]:
    return {"on": True}


def request(cid: str) -> dict[str, Any]:
    return {"language": "ps", "gender": "male"}


def with_candidate(**fields: Any) -> Payload:
    return lambda cid: {"call_id": cid, "candidate": CANDIDATE | fields}


CALL_REF_CASES: Cases = [
    *not_an_object(ref),
    ("missing-call_id", lambda cid: {}),
    *with_call_id(ref),
    ("unknown-field", lambda cid: ref(cid) | {"reason": "busy"}),
]

MALFORMED: dict[str, Cases] = {
    "presence:standby": [
        *not_an_object(standby),
        ("missing-on", lambda cid: {}),
        ("on-string-yes", lambda cid: {"on": "yes"}),
        ("on-string-true", lambda cid: {"on": "true"}),
        ("on-number-1", lambda cid: {"on": 1}),
        ("on-number-0", lambda cid: {"on": 0}),
        ("on-null", lambda cid: {"on": None}),
        ("unknown-field", lambda cid: {"on": True, "languages": ["ar"]}),
    ],
    "call:request": [
        *not_an_object(request),
        ("missing-language", lambda cid: {"gender": "male"}),
        ("language-number", lambda cid: {"language": 5}),
        ("language-list", lambda cid: {"language": ["ps"]}),
        ("language-null", lambda cid: {"language": None}),
        ("language-empty", lambda cid: {"language": ""}),
        ("language-one-letter", lambda cid: {"language": "p"}),
        ("language-36-chars", lambda cid: {"language": "ps-" + "a" * 33}),
        ("language-unknown-xx-yy", lambda cid: {"language": "xx-yy"}),
        ("language-not-a-tag", lambda cid: {"language": "Pashto please"}),
        ("language-trailing-newline", lambda cid: {"language": "ps\n"}),
        ("gender-other", lambda cid: {"language": "ps", "gender": "other"}),
        ("gender-upper-case", lambda cid: {"language": "ps", "gender": "MALE"}),
        ("gender-empty", lambda cid: {"language": "ps", "gender": ""}),
        ("gender-number", lambda cid: {"language": "ps", "gender": 1}),
        ("unknown-field", lambda cid: request(cid) | {"organisation_id": "0" * 32}),
    ],
    "call:cancel": CALL_REF_CASES,
    "call:hangup": CALL_REF_CASES,
    "call:rejoin": CALL_REF_CASES,
    "call:accept": CALL_REF_CASES,
    "call:decline": CALL_REF_CASES,
    "recording:request": CALL_REF_CASES,
    "recording:stop": CALL_REF_CASES,
    "recording:consent": [
        *not_an_object(lambda cid: {"call_id": cid, "agree": True}),
        ("missing-agree", lambda cid: {"call_id": cid}),
        ("agree-string", lambda cid: {"call_id": cid, "agree": "yes"}),
        ("agree-number", lambda cid: {"call_id": cid, "agree": 1}),
        ("agree-null", lambda cid: {"call_id": cid, "agree": None}),
        *with_call_id(lambda cid: {"call_id": cid, "agree": True}),
        ("unknown-field", lambda cid: {"call_id": cid, "agree": True, "for": "interpreter"}),
    ],
    "signal:description": [
        *not_an_object(description),
        ("missing-call_id", lambda cid: {"type": "offer", "sdp": SDP}),
        ("missing-type", lambda cid: {"call_id": cid, "sdp": SDP}),
        ("missing-sdp", lambda cid: {"call_id": cid, "type": "offer"}),
        *with_call_id(description),
        ("type-pranswer", lambda cid: description(cid) | {"type": "pranswer"}),
        ("type-rollback", lambda cid: description(cid) | {"type": "rollback"}),
        ("type-upper-case", lambda cid: description(cid) | {"type": "OFFER"}),
        ("type-number", lambda cid: description(cid) | {"type": 1}),
        ("sdp-number", lambda cid: description(cid) | {"sdp": 5}),
        ("sdp-null", lambda cid: description(cid) | {"sdp": None}),
        ("sdp-object", lambda cid: description(cid) | {"sdp": {"type": "offer", "sdp": SDP}}),
        ("sdp-under-10-chars", lambda cid: description(cid) | {"sdp": "v=0\r\n"}),
        ("sdp-over-64-KiB", lambda cid: description(cid) | {"sdp": SDP + "a" * MAX_SDP_CHARS}),
        ("sdp-one-over-the-limit", lambda cid: description(cid) | {"sdp": "v" * (MAX_SDP_CHARS + 1)}),
        ("spoofed-from", lambda cid: description(cid) | {"from": "interpreter"}),
        ("unknown-field", lambda cid: description(cid) | {"to": "someone"}),
    ],
    "signal:candidate": [
        *not_an_object(candidate),
        ("missing-call_id", lambda cid: {"candidate": dict(CANDIDATE)}),
        ("missing-candidate-key", lambda cid: {"call_id": cid}),
        *with_call_id(candidate),
        ("candidate-string", lambda cid: {"call_id": cid, "candidate": CANDIDATE["candidate"]}),
        ("candidate-number", lambda cid: {"call_id": cid, "candidate": 5}),
        ("candidate-list", lambda cid: {"call_id": cid, "candidate": [CANDIDATE]}),
        ("candidate-empty-object", lambda cid: {"call_id": cid, "candidate": {}}),
        ("candidate.candidate-number", with_candidate(candidate=5)),
        ("candidate.candidate-too-long", with_candidate(candidate="a" * (MAX_CANDIDATE_CHARS + 1))),
        ("candidate.sdpMid-too-long", with_candidate(sdpMid="m" * 65)),
        ("candidate.sdpMid-number", with_candidate(sdpMid=0)),
        ("candidate.sdpMLineIndex-negative", with_candidate(sdpMLineIndex=-1)),
        ("candidate.sdpMLineIndex-65", with_candidate(sdpMLineIndex=65)),
        ("candidate.sdpMLineIndex-string", with_candidate(sdpMLineIndex="0")),
        ("candidate.sdpMLineIndex-float", with_candidate(sdpMLineIndex=0.0)),
        ("candidate.sdpMLineIndex-boolean", with_candidate(sdpMLineIndex=True)),
        ("candidate.usernameFragment-too-long", with_candidate(usernameFragment="u" * 257)),
        ("candidate.unknown-field", with_candidate(foundation="1")),
        ("spoofed-from", lambda cid: candidate(cid) | {"from": "interpreter"}),
        ("unknown-field", lambda cid: candidate(cid) | {"relay": True}),
    ],
}

# Which state the call is in, and who sends, so that the valid version of each payload would act.
SETUP: dict[str, tuple[str, str]] = {
    "presence:standby": ("idle", "interpreter"),
    "call:request": ("idle", "caseworker"),
    "call:cancel": ("ringing", "caseworker"),
    "call:hangup": ("ringing", "caseworker"),
    "call:rejoin": ("active", "caseworker"),
    "call:accept": ("ringing", "interpreter"),
    "call:decline": ("ringing", "interpreter"),
    "signal:description": ("active", "caseworker"),
    "signal:candidate": ("active", "interpreter"),
    "recording:request": ("active", "caseworker"),
    "recording:stop": ("active", "interpreter"),
    "recording:consent": ("active", "interpreter"),
}


async def still_works(scene: Scene, stage: str) -> None:
    """After the refusals, the valid next step of the scene succeeds, and reaches only its target."""
    cw, it = scene.caseworker, scene.interpreter
    if stage == "idle":  # the interpreter is still on standby on the same socket, and gets rung
        await scene.ring()
    elif stage == "ringing":  # the interpreter is still the one being rung
        await scene.answer()
    else:  # the first negotiation to arrive is the valid one: nothing malformed was relayed before it
        assert (await cw.call("signal:description", description(scene.call_id)))["ok"]
        relayed = await it.next_event("signal:description")
        assert relayed == {"call_id": scene.call_id, "type": "offer", "sdp": SDP, "from": "caseworker"}
        assert (await it.call("signal:candidate", {"call_id": scene.call_id, "candidate": None}))["ok"]
        assert await cw.next_event("signal:candidate") == {
            "call_id": scene.call_id,
            "candidate": None,
            "from": "interpreter",
        }


def is_invalid_input(ack: Any) -> bool:
    return (
        isinstance(ack, dict)
        and ack.get("ok") is False
        and set(ack) == {"ok", "error"}
        and ack["error"].get("code") == "invalid_input"
        and isinstance(ack["error"].get("message"), str)
        and bool(ack["error"]["message"])
    )


@pytest.mark.parametrize("event", list(MALFORMED))
async def test_every_malformed_payload_is_refused_as_invalid_input_and_changes_nothing(
    scene: Scene, event: str
) -> None:
    stage, sender_role = SETUP[event]
    if stage in ("ringing", "active"):
        await scene.ring()
    if stage == "active":
        await scene.answer()
    sender = scene.caseworker if sender_role == "caseworker" else scene.interpreter
    before = await scene.snapshot()
    failures = []
    for name, payload in MALFORMED[event]:
        ack = await sender.call(event, payload(scene.call_id))
        if not is_invalid_input(ack):
            failures.append(f"{name}: acknowledged {ack!r}")
        elif (after := await scene.snapshot()) != before:
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            failures.append(f"{name}: refused, but changed {changed!r}")
    assert not failures, "\n".join(failures)
    await still_works(scene, stage)


async def test_session_info_ignores_any_payload_and_changes_nothing(scene: Scene) -> None:
    before = await scene.snapshot()
    for payload in (None, {"anything": 1}, "text"):
        info = await scene.caseworker.call("session:info", payload)
        assert info["ok"]
        assert info["user"]["id"] == scene.world.id("cw.a")
    assert await scene.snapshot() == before


# -- roles -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("on", [True, False])
async def test_a_caseworker_going_on_standby_is_forbidden_and_changes_nothing(scene: Scene, on: bool) -> None:
    before = await scene.snapshot()
    ack = await scene.caseworker.call("presence:standby", {"on": on})
    assert ack["ok"] is False
    assert ack["error"]["code"] == "forbidden"
    assert await scene.snapshot() == before
    assert await scene.server.services.presence.get(scene.world.id("cw.a")) is None
    await still_works(scene, "idle")


@pytest.mark.parametrize("username", ["ps.female", "coord", "coord.a"])
async def test_only_caseworkers_may_request_a_call_others_are_forbidden_and_nothing_changes(
    scene: Scene, client: ClientFactory, username: str
) -> None:
    other = await client(username)
    if username == "ps.female":
        assert (await other.call("presence:standby", {"on": True}))["ok"]
    before = await scene.snapshot()
    ack = await other.call("call:request", {"language": "ps"})
    assert ack["ok"] is False
    assert ack["error"]["code"] == "forbidden"
    assert await scene.snapshot() == before
    assert await scene.server.services.store.get(caseworker_key(scene.world.id(username))) is None
    assert other.pending("call:status") == other.pending("call:ended") == 0
    await still_works(scene, "idle")


# -- the size of one message -----------------------------------------------------------------------------


def padded_request(frame_size: int, ack_id: int) -> str:
    """An Engine.IO message frame of exactly ``frame_size`` bytes: ``call:request`` with acknowledgement
    id ``ack_id`` and an unknown ``padding`` field, so that it would never be acted upon."""
    head, tail = f'42{ack_id}["call:request",{{"language":"ps","padding":"', '"}]'
    frame = head + "x" * (frame_size - len(head) - len(tail)) + tail
    assert len(frame.encode()) == frame_size
    return frame


async def test_the_size_limit_is_announced_and_a_frame_over_it_is_closed_with_1009_unanswered(
    scene: Scene, settings: Settings, client: ClientFactory
) -> None:
    """Speaking Engine.IO by hand, to place the frame sizes exactly on either side of the limit."""
    limit = settings.max_socket_message_bytes
    caseworker = await client("cw.a", connect=False)
    before = await scene.snapshot()
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(
            f"{scene.server.url}/socket.io/?EIO=4&transport=websocket",
            headers={"Cookie": f"{SESSION_COOKIE}={caseworker.token}"},
        ) as ws,
    ):
        opened = await ws.receive_str()
        assert opened.startswith("0")
        assert json.loads(opened[1:])["maxPayload"] == limit
        await ws.send_str("40")  # connect the default namespace
        assert (await ws.receive_str()).startswith("40{")
        # Just under the limit: read, validated and answered. (A frame of exactly the limit is refused
        # too by aiohttp 3.14, whose websocket reader rejects a payload length >= max_msg_size.)
        await ws.send_str(padded_request(limit - 1, ack_id=1))
        answer = await ws.receive_str()
        assert answer.startswith("431[")
        [ack] = json.loads(answer[3:])
        assert is_invalid_input(ack)
        assert "padding" in ack["error"]["message"]
        # Over the limit: the server closes the websocket with 1009 (message too big), answering nothing.
        await ws.send_str(padded_request(limit + 1, ack_id=2))
        message = await ws.receive()
        assert (message.type, message.data) == (aiohttp.WSMsgType.CLOSE, aiohttp.WSCloseCode.MESSAGE_TOO_BIG)
    assert await scene.snapshot() == before
    await still_works(scene, "idle")


async def test_a_client_whose_message_is_too_large_is_disconnected_and_its_session_survives(
    scene: Scene, settings: Settings, client: ClientFactory
) -> None:
    cw = scene.caseworker
    reasons: list[str] = []
    closed = asyncio.Event()

    def on_disconnect(reason: str | None = None) -> None:
        reasons.append(str(reason))
        closed.set()

    cw.sio.on("disconnect", on_disconnect)
    before = await scene.snapshot()
    acks: list[Any] = []
    payload = {"language": "ps", "padding": "x" * settings.max_socket_message_bytes}
    await cw.sio.emit("call:request", payload, callback=lambda *args: acks.append(args))
    await asyncio.wait_for(closed.wait(), 5)
    assert not cw.sio.connected
    # The websocket was closed under it, with no Socket.IO disconnect packet first.
    assert reasons == [socketio.AsyncClient.reason.TRANSPORT_ERROR]
    assert acks == []
    assert await scene.snapshot() == before
    # The session is intact: the same cookie connects again and the caseworker carries on.
    again = await client()
    again.token = cw.token
    await again.connect()
    scene.caseworker = again
    await still_works(scene, "idle")
