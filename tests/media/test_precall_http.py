"""The pre-call connection test through the HTTP API of a running server, from an aiortc client: its own
video comes back, the server measures the link and gives a verdict; every refusal leaves nothing running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import av
import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, MediaStreamTrack, VideoStreamTrack

from media.precall import PrecallLimits
from media.rtc_config import rtc_configuration
from signaling.client import SignalingClient
from tests.conftest import ClientFactory
from tests.support.server import RunningServer
from tests.support.world import World

pytestmark = pytest.mark.media

# A colour the synthetic peers never send (aiortc's VideoStreamTrack is all zeros): luma 180.
LUMA = 180


class ColourTrack(VideoStreamTrack):
    """320x240 frames of one colour, so the client can tell its own video when it comes back."""

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(320, 240, "yuv420p")
        for plane, value in zip(frame.planes, (LUMA, 60, 200), strict=True):
            plane.update(bytes([value]) * plane.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


class EchoClient:
    """An aiortc client of the pre-call test: sends audio and its coloured video, counts what comes back."""

    def __init__(self, video: bool = True) -> None:
        self.pc = RTCPeerConnection(configuration=rtc_configuration())
        self.pc.addTrack(AudioStreamTrack())
        if video:
            self.pc.addTrack(ColourTrack())
        self.frames = {"audio": 0, "video": 0, "own_video": 0}
        self._tasks: set[asyncio.Task[None]] = set()
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        task = asyncio.get_running_loop().create_task(self._consume(track))
        self._tasks.add(task)

    async def _consume(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                self.frames[track.kind] += 1
                if track.kind == "video":
                    luma = frame.planes[0]
                    middle = bytes(luma)[luma.line_size * (frame.height // 2) :][: frame.width]
                    if abs(sum(middle) / len(middle) - LUMA) < 20:
                        self.frames["own_video"] += 1
        except MediaStreamError:
            return

    async def offer(self) -> dict[str, str]:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return {"type": "offer", "sdp": self.pc.localDescription.sdp}

    async def accept(self, answer: dict[str, Any]) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))

    async def close(self) -> None:
        await self.pc.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def send(who: SignalingClient, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    headers = {"X-CSRF-Token": who.csrf_token or ""}
    async with who.http.request(method, f"{who.base_url}{path}", json=body, headers=headers) as resp:
        return resp.status, await resp.json()


@pytest.fixture
async def echo_clients() -> AsyncIterator[list[EchoClient]]:
    made: list[EchoClient] = []
    yield made
    for echo_client in made:
        await echo_client.close()


def echo_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if "EchoPeer" in t.get_coro().__qualname__]  # type: ignore[union-attr]


async def eventually(check: Any, timeout: float = 15) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_a_client_sees_its_own_video_come_back_and_gets_a_verdict(
    server: RunningServer, world: World, client: ClientFactory, echo_clients: list[EchoClient]
) -> None:
    caseworker = await client("cw.a", connect=False)
    echo_client = EchoClient()
    echo_clients.append(echo_client)
    status, started = await send(caseworker, "POST", "/api/precall", await echo_client.offer())
    assert status == 201, started
    assert started["type"] == "answer"
    test_id = started["test_id"]
    await echo_client.accept(started)

    async def echoed() -> bool:
        return echo_client.frames["own_video"] >= 20 and echo_client.frames["audio"] >= 50

    assert await eventually(echoed), echo_client.frames

    async def measured() -> bool:
        status, report = await send(caseworker, "GET", f"/api/precall/{test_id}")
        assert status == 200, report
        measured.report = report  # type: ignore[attr-defined]
        return report["rtt_ms"] is not None and report["elapsed_s"] >= 3

    assert await eventually(measured), measured.report  # type: ignore[attr-defined]
    report = measured.report  # type: ignore[attr-defined]
    assert report["state"] == "connected"
    assert report["verdict"] in {"good", "poor"}, report  # loopback on a busy test machine: never failing
    assert report["advice"]
    assert report["packets_received"] > 0
    assert report["bitrate_kbps"] > 8
    assert 0 <= report["rtt_ms"] < 1000
    assert report["loss_pct"] < 15
    assert report["echoed_frames"]["video"] > 0
    assert report["echoed_frames"]["audio"] > 0

    status, body = await send(caseworker, "DELETE", f"/api/precall/{test_id}")
    assert (status, body) == (200, {"ok": True})
    assert server.services.precall.running == 0
    assert echo_tasks() == []
    assert (await send(caseworker, "GET", f"/api/precall/{test_id}"))[0] == 404


async def test_refused_requests_start_nothing(
    server: RunningServer, world: World, client: ClientFactory, echo_clients: list[EchoClient]
) -> None:
    echo_client = EchoClient(video=False)
    echo_clients.append(echo_client)
    offer = await echo_client.offer()
    precall = server.services.precall

    anonymous = await client()
    assert (await send(anonymous, "POST", "/api/precall", offer))[0] == 401
    caseworker = await client("cw.a", connect=False)
    refused = [
        {**offer, "type": "answer"},
        {"sdp": offer["sdp"]},
        {**offer, "extra": 1},
        {**offer, "sdp": "hello"},
        {**offer, "sdp": "v=0\r\nm=audio nonsense\r\n"},
        {**offer, "sdp": "v=0\r\n" + "a=x\r\n" * 7_000},
        {"type": "offer", "sdp": 42},
        [offer],
    ]
    for body in refused:
        status, answer = await send(caseworker, "POST", "/api/precall", body)
        assert (status, answer["error"]["code"]) == (400, "invalid_input"), body
    assert precall.running == 0
    assert echo_tasks() == []

    precall.limits = PrecallLimits(max_concurrent=1)
    status, started = await send(caseworker, "POST", "/api/precall", offer)
    assert status == 201
    test_id = started["test_id"]
    other = await client("cw.b", connect=False)
    status, busy = await send(other, "POST", "/api/precall", offer)
    assert (status, busy["error"]["code"]) == (503, "precall_busy")
    assert precall.running == 1

    # Someone else's test does not exist for them: they can neither read nor end it.
    assert (await send(other, "GET", f"/api/precall/{test_id}"))[0] == 404
    assert (await send(other, "DELETE", f"/api/precall/{test_id}"))[0] == 404
    assert (await send(anonymous, "GET", f"/api/precall/{test_id}"))[0] == 401
    assert precall.running == 1
    assert (await send(caseworker, "GET", f"/api/precall/{test_id}"))[0] == 200

    await send(caseworker, "DELETE", f"/api/precall/{test_id}")
    assert precall.running == 0


async def test_a_test_ends_by_itself_after_its_lifetime(
    server: RunningServer, world: World, client: ClientFactory, echo_clients: list[EchoClient]
) -> None:
    server.services.precall.limits = PrecallLimits(max_lifetime_s=1.0)
    interpreter = await client("ps.male", connect=False)
    echo_client = EchoClient(video=False)
    echo_clients.append(echo_client)
    status, started = await send(interpreter, "POST", "/api/precall", await echo_client.offer())
    assert status == 201
    await echo_client.accept(started)

    async def ended() -> bool:
        return server.services.precall.running == 0

    assert await eventually(ended, timeout=5)
    await server.services.tasks.drain()
    assert echo_tasks() == []
    assert (await send(interpreter, "GET", f"/api/precall/{started['test_id']}"))[0] == 404
