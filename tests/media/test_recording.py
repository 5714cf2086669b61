"""Consented recording through the running server: the policy, every participant's confirmation, the
recorder legs from aiortc clients, the sealed files, who may play them, the audit log, and deletion by
the scheduled job when retention runs out.

Each participant's leg sends a different tone (the caseworker 440 Hz, the interpreter 880 Hz), so the
decoded tracks show whose audio each holds.
"""

from __future__ import annotations

import array
import asyncio
import base64
import fractions
import io
import itertools
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack

from core.config import Settings
from media.recordings import RECORDING_EXPIRY, SUFFIX
from media.rtc_config import rtc_configuration
from signaling.client import SignalingClient
from tests.conftest import ClientFactory, make_settings
from tests.support.server import RunningServer
from tests.support.world import World

pytestmark = pytest.mark.media

MASTER_KEY = base64.b64encode(bytes(range(100, 132))).decode()
SAMPLES = 960  # 20 ms at 48 kHz


class ToneTrack(AudioStreamTrack):
    """A sine tone, so a decoded recording can be told from silence and from the other side's tone."""

    def __init__(self, hz: float) -> None:
        super().__init__()
        self.hz = hz
        self._sent = 0

    async def recv(self) -> av.AudioFrame:
        frame = await super().recv()  # paces to real time and numbers the frame
        start = self._sent
        samples = array.array(
            "h", (int(8000 * math.sin(2 * math.pi * self.hz * (start + i) / 48000)) for i in range(SAMPLES))
        )
        self._sent += SAMPLES
        tone = av.AudioFrame(format="s16", layout="mono", samples=SAMPLES)
        tone.planes[0].update(samples.tobytes())
        tone.sample_rate, tone.pts, tone.time_base = 48000, frame.pts, fractions.Fraction(1, 48000)
        return tone


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        recording_key=MASTER_KEY,
        recording_dir=tmp_path / "recordings",
        scheduler_poll_s=0.2,
    )


@pytest.fixture
async def legs() -> AsyncIterator[list[RTCPeerConnection]]:
    made: list[RTCPeerConnection] = []
    yield made
    for pc in made:
        await pc.close()


async def send(who: SignalingClient, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    headers = {"X-CSRF-Token": who.csrf_token or ""}
    async with who.http.request(method, f"{who.base_url}{path}", json=body, headers=headers) as resp:
        if resp.content_type == "application/json":
            return resp.status, await resp.json()
        return resp.status, await resp.read()


async def allow_recording(coordinator: SignalingClient, organisation_id: str, days: int = 30) -> None:
    status, body = await send(
        coordinator,
        "PUT",
        f"/api/organisations/{organisation_id}/recording-policy",
        {"allowed": True, "retention_days": days},
    )
    assert status == 200, body


async def in_a_call(client: ClientFactory) -> tuple[SignalingClient, SignalingClient, str]:
    interpreter = await client("ps.male")
    caseworker = await client("cw.a")
    await interpreter.call("presence:standby", {"on": True})
    call_id = (await caseworker.call("call:request", {"language": "ps"}))["call_id"]
    await interpreter.next_event("call:ring")
    assert (await interpreter.call("call:accept", {"call_id": call_id}))["ok"]
    await caseworker.next_event("call:accepted")
    return caseworker, interpreter, call_id


async def open_leg(
    who: SignalingClient, call_id: str, hz: float, legs: list[RTCPeerConnection]
) -> tuple[int, Any]:
    pc = RTCPeerConnection(configuration=rtc_configuration())
    legs.append(pc)
    pc.addTrack(ToneTrack(hz))
    await pc.setLocalDescription(await pc.createOffer())
    status, body = await send(
        who, "POST", f"/api/calls/{call_id}/recording/legs", {"type": "offer", "sdp": pc.localDescription.sdp}
    )
    if status == 201:
        await pc.setRemoteDescription(RTCSessionDescription(sdp=body["sdp"], type="answer"))
    return status, body


async def until(check: Any, timeout: float = 15) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


def decoded(ogg: bytes) -> tuple[float, float]:
    """Seconds of audio in an Ogg/Opus file, and its dominant frequency from zero crossings (Hz)."""
    container = av.open(io.BytesIO(ogg))
    samples: list[float] = []
    for frame in container.decode(audio=0):
        samples.extend(array.array("f", bytes(frame.planes[0]))[: frame.samples])
    middle = samples[len(samples) // 4 : 3 * len(samples) // 4]  # away from codec warm-up and fade
    crossings = sum(1 for a, b in itertools.pairwise(middle) if (a < 0) != (b < 0))
    return len(samples) / 48000, crossings / 2 / (len(middle) / 48000)


async def test_no_organisation_records_until_its_policy_allows_it(
    server: RunningServer, world: World, client: ClientFactory, legs: list[RTCPeerConnection]
) -> None:
    caseworker, interpreter, call_id = await in_a_call(client)
    assert (await caseworker.call("session:info"))["recording_allowed"] is False
    refused = await caseworker.call("recording:request", {"call_id": call_id})
    assert refused["error"]["code"] == "recording_forbidden"

    # Explicitly forbidden is the same as never allowed.
    coordinator = await client("coord.a", connect=False)
    status, _ = await send(
        coordinator,
        "PUT",
        f"/api/organisations/{world.office_a}/recording-policy",
        {"allowed": False, "retention_days": 30},
    )
    assert status == 200
    refused = await caseworker.call("recording:request", {"call_id": call_id})
    assert refused["error"]["code"] == "recording_forbidden"

    status, body = await open_leg(caseworker, call_id, 440, legs)
    assert status == 409, body
    assert interpreter.pending("recording:state") == 0
    assert await server.services.recordings.store.of_organisation(world.office_a, 10) == []
    assert not await asyncio.to_thread(Path(server.services.settings.recording_dir).exists)


async def test_recording_waits_for_every_participant_and_a_decline_keeps_it_off(
    server: RunningServer, world: World, client: ClientFactory, legs: list[RTCPeerConnection]
) -> None:
    await allow_recording(await client("coord.a", connect=False), world.office_a)
    caseworker, interpreter, call_id = await in_a_call(client)
    assert (await caseworker.call("session:info"))["recording_allowed"] is True

    refused = await interpreter.call("recording:request", {"call_id": call_id})
    assert refused["error"]["code"] == "forbidden"  # the caseworker asks, with the applicant's consent

    asked = await caseworker.call("recording:request", {"call_id": call_id})
    assert asked["state"] == "asking"
    assert asked["waiting_for"] == ["interpreter"]
    told = await interpreter.next_event("recording:state")
    assert (told["state"], told["consents"]) == ("asking", ["caseworker"])

    # Only the caseworker has agreed: nothing may be recorded yet.
    status, _ = await open_leg(caseworker, call_id, 440, legs)
    assert status == 409
    assert (await interpreter.call("recording:consent", {"call_id": "f" * 32, "agree": True}))["error"][
        "code"
    ] == "not_found"
    assert (await interpreter.call("recording:consent", {"call_id": call_id, "agree": "yes"}))["error"][
        "code"
    ] == "invalid_input"

    declined = await interpreter.call("recording:consent", {"call_id": call_id, "agree": False})
    assert declined["state"] == "declined"
    assert (await caseworker.next_event("recording:state"))["state"] == "asking"  # its own request, echoed
    assert (await caseworker.next_event("recording:state"))["state"] == "declined"
    status, _ = await open_leg(interpreter, call_id, 880, legs)
    assert status == 409
    late = await interpreter.call("recording:consent", {"call_id": call_id, "agree": True})
    assert late["error"]["code"] == "conflict"
    assert await server.services.recordings.store.of_organisation(world.office_a, 10) == []


async def test_with_both_confirmations_each_voice_is_recorded_sealed_and_every_access_is_audited(
    server: RunningServer, world: World, client: ClientFactory, legs: list[RTCPeerConnection]
) -> None:
    await allow_recording(await client("coord.a", connect=False), world.office_a, days=30)
    caseworker, interpreter, call_id = await in_a_call(client)
    await caseworker.call("recording:request", {"call_id": call_id})
    started = await interpreter.call("recording:consent", {"call_id": call_id, "agree": True})
    assert started["state"] == "recording", started
    recording_id = started["recording_id"]
    # Everyone sees the indicator come on (the caseworker: asking, starting, recording).
    states = [(await caseworker.next_event("recording:state"))["state"] for _ in range(3)]
    assert states == ["asking", "starting", "recording"]

    for who, hz in ((caseworker, 440), (interpreter, 880)):
        status, body = await open_leg(who, call_id, hz, legs)
        assert status == 201, body
        assert body["recording_id"] == recording_id
    await until(lambda: _all_connected(legs))
    await asyncio.sleep(4)  # media may start a second or two after ICE reports connected, under load

    stopped = await interpreter.call("recording:stop", {"call_id": call_id})
    assert stopped["state"] == "stopped"
    assert (await caseworker.next_event("recording:state"))["state"] == "stopped"
    await until(lambda: _tracks_ended(server, recording_id))

    # On disk: one sealed file per voice, no readable media in it.
    folder = Path(server.services.settings.recording_dir) / recording_id
    files = sorted(folder.glob(f"*{SUFFIX}"))
    assert len(files) == 2
    for path in files:
        raw = path.read_bytes()
        assert b"OggS" not in raw
        assert b"Opus" not in raw
        assert path.stat().st_mode & 0o077 == 0
        with pytest.raises(av.error.InvalidDataError):
            av.open(io.BytesIO(raw))

    coordinator = await client("coord.a", connect=False)
    status, shown = await send(coordinator, "GET", f"/api/recordings/{recording_id}")
    assert status == 200, shown
    assert shown["state"] == "complete"
    assert datetime.fromisoformat(shown["expires_at"]) > datetime.now(UTC)
    by_seat = {track["seat"]: track for track in shown["tracks"]}
    assert set(by_seat) == {"caseworker", "interpreter"}
    for seat, hz in (("caseworker", 440), ("interpreter", 880)):
        status, ogg = await send(
            coordinator, "GET", f"/api/recordings/{recording_id}/tracks/{by_seat[seat]['id']}"
        )
        assert status == 200
        assert ogg[:4] == b"OggS"
        seconds, frequency = decoded(ogg)
        assert seconds >= 1.5, (seat, seconds)
        assert abs(frequency - hz) < 30, (seat, frequency)

    # The caseworker who made the call may play it; the interpreter and another office may not.
    status, _ = await send(
        caseworker, "GET", f"/api/recordings/{recording_id}/tracks/{by_seat['caseworker']['id']}"
    )
    assert status == 200
    outsider = await client("cw.b", connect=False)
    status, _ = await send(
        outsider, "GET", f"/api/recordings/{recording_id}/tracks/{by_seat['caseworker']['id']}"
    )
    assert status == 404
    status, _ = await send(interpreter, "GET", f"/api/recordings/{recording_id}")
    assert status == 404
    status, _ = await send(await client("coord", connect=False), "GET", f"/api/recordings/{recording_id}")
    assert status == 404  # the operator runs the service; it does not hear interviews
    status, listed = await send(outsider, "GET", "/api/recordings")
    assert listed == {"recordings": []}

    status, audit = await send(coordinator, "GET", f"/api/recordings/{recording_id}/audit")
    assert status == 200
    trail = [(e["action"], e["actor_id"], e["detail"]) for e in audit["entries"]]
    cw, interp = world.id("cw.a"), world.id("ps.male")
    assert ("consented", cw, "caseworker") in trail
    assert ("consented", interp, "interpreter") in trail
    assert trail.index(("consented", interp, "interpreter")) < [a for a, _, _ in trail].index("started")
    assert ("leg_started", cw, "caseworker") in trail
    assert ("leg_started", interp, "interpreter") in trail
    assert ("stopped", interp, "stopped by the interpreter") in trail
    assert ("viewed", world.id("coord.a"), "") in trail
    assert ("played", world.id("coord.a"), "caseworker") in trail
    assert ("played", world.id("coord.a"), "interpreter") in trail
    assert ("played", cw, "caseworker") in trail
    denied = [actor for action, actor, _ in trail if action == "denied"]
    assert sorted(denied) == sorted([world.id("cw.b"), interp, world.id("coord")])
    status, _ = await send(caseworker, "GET", f"/api/recordings/{recording_id}/audit")
    assert status == 404  # the audit log is the coordinators'


async def test_hanging_up_stops_the_recording_and_the_scheduled_job_deletes_it_after_retention(
    server: RunningServer, world: World, client: ClientFactory, legs: list[RTCPeerConnection]
) -> None:
    services = server.services
    await allow_recording(await client("coord.a", connect=False), world.office_a, days=7)
    caseworker, interpreter, call_id = await in_a_call(client)
    await caseworker.call("recording:request", {"call_id": call_id})
    recording_id = (await interpreter.call("recording:consent", {"call_id": call_id, "agree": True}))[
        "recording_id"
    ]
    scheduled = await services.timed.scheduled_at(RECORDING_EXPIRY, recording_id)
    recording = await services.recordings.store.get(recording_id)
    assert recording is not None
    assert scheduled == recording.expires_at
    assert (recording.expires_at - recording.started_at).days == 7

    assert (await open_leg(caseworker, call_id, 440, legs))[0] == 201
    await until(lambda: _all_connected(legs))
    await asyncio.sleep(1.5)
    assert (await caseworker.call("call:hangup", {"call_id": call_id}))["ok"]
    await until(lambda: _tracks_ended(services, recording_id))
    assert (await services.recordings.store.get(recording_id)).state == "complete"  # type: ignore[union-attr]
    folder = Path(services.settings.recording_dir) / recording_id
    assert len(list(folder.glob(f"*{SUFFIX}"))) == 1

    # Seven days on: the same stored job, now due, runs through the timed work and deletes the files.
    await services.timed.schedule(RECORDING_EXPIRY, recording_id, datetime.now(UTC))

    async def deleted() -> bool:
        found = await services.recordings.store.get(recording_id)
        return found is not None and found.state == "deleted"

    await until(deleted)
    assert not folder.exists()
    coordinator = await client("coord.a", connect=False)
    status, shown = await send(coordinator, "GET", f"/api/recordings/{recording_id}")
    assert shown["state"] == "deleted"
    assert shown["deleted_at"]
    status, body = await send(
        coordinator, "GET", f"/api/recordings/{recording_id}/tracks/{shown['tracks'][0]['id']}"
    )
    assert status == 410, body
    status, audit = await send(coordinator, "GET", f"/api/recordings/{recording_id}/audit")
    actions = [e["action"] for e in audit["entries"]]
    assert actions[-2:] == ["deleted", "viewed"]
    assert ("stopped", "the call ended") in [(e["action"], e["detail"]) for e in audit["entries"]]


async def test_the_policy_is_set_by_the_organisation_and_checked(
    server: RunningServer, world: World, client: ClientFactory
) -> None:
    path = f"/api/organisations/{world.office_a}/recording-policy"
    coordinator = await client("coord.a", connect=False)
    status, policy = await send(coordinator, "GET", path)
    assert (status, policy["allowed"], policy["retention_days"]) == (200, False, None)
    for bad in (
        {"allowed": True},
        {"allowed": True, "retention_days": 0},
        {"allowed": True, "retention_days": 3651},
        {"allowed": "true", "retention_days": 30},
        {"allowed": True, "retention_days": 30, "extra": 1},
    ):
        status, body = await send(coordinator, "PUT", path, bad)
        assert (status, body["error"]["code"]) == (400, "invalid_input"), bad
    for other in ("cw.a", "coord", "ps.male"):  # a caseworker, the operator's coordinator, an interpreter
        status, _ = await send(
            await client(other, connect=False), "PUT", path, {"allowed": True, "retention_days": 9}
        )
        assert status == 403, other
    status, _ = await send(
        await client("coord.a", connect=False),
        "PUT",
        f"/api/organisations/{world.office_b}/recording-policy",
        {"allowed": True, "retention_days": 9},
    )
    assert status == 403
    status, policy = await send(coordinator, "GET", path)
    assert (policy["allowed"], policy["retention_days"]) == (False, None)  # nothing refused was written


async def _all_connected(legs: list[RTCPeerConnection]) -> bool:
    return all(pc.connectionState == "connected" for pc in legs)


async def _tracks_ended(server_or_services: Any, recording_id: str) -> bool:
    services = getattr(server_or_services, "services", server_or_services)
    tracks = await services.recordings.store.tracks(recording_id)
    return bool(tracks) and all(t.ended_at is not None for t in tracks)
