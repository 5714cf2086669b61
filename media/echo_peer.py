"""The server's side of one pre-call test: an aiortc peer that sends every received track straight back and
measures the link from its side (RTT from RTCP receiver reports, jitter, loss, bitrate received)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from core.clock import Clock
from media.receive_queues import bound_receive_queues
from media.rtc_config import rtc_configuration
from media.verdict import LinkFigures

# Frames waiting to be re-encoded; when the encoder falls behind the oldest go (late echo is useless).
ECHO_QUEUE_FRAMES = 8
# RTP clock rates browsers use (Opus, every video codec): jitter arrives in RTP timestamp units.
CLOCK_RATE_HZ = {"audio": 48_000, "video": 90_000}
# Bitrate is measured over the time since the previous sample once at least this much has passed.
BITRATE_WINDOW_S = 1.0


class EchoTrack(MediaStreamTrack):
    """Sends the frames of a received track back, through a small bounded queue."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._frames: asyncio.Queue[Any] = asyncio.Queue(maxsize=ECHO_QUEUE_FRAMES)

    def push(self, frame: Any) -> None:
        if self._frames.full():
            self._frames.get_nowait()
        self._frames.put_nowait(frame)

    async def recv(self) -> Any:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self._frames.get()
        if frame is None:
            raise MediaStreamError
        return frame

    def stop(self) -> None:
        super().stop()
        with contextlib.suppress(asyncio.QueueFull):
            self._frames.put_nowait(None)


class EchoPeer:
    """One RTCPeerConnection answering a client's offer; every received track is consumed and echoed."""

    def __init__(
        self,
        clock: Clock,
        ice_servers: Iterable[Mapping[str, Any]] = (),
        on_failed: Callable[[], None] | None = None,
    ) -> None:
        self._clock = clock
        self.pc = RTCPeerConnection(configuration=rtc_configuration(ice_servers))
        self.echoed: dict[str, int] = {"audio": 0, "video": 0}
        self._echoes: list[EchoTrack] = []
        self._consumers: set[asyncio.Task[None]] = set()
        self._sample: tuple[float, int] | None = None
        self._bitrate_kbps = 0.0
        self._on_failed = on_failed
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_state)

    @property
    def state(self) -> str:
        return str(self.pc.connectionState)

    def _on_state(self) -> None:
        if self.pc.connectionState == "failed" and self._on_failed is not None:
            self._on_failed()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind not in CLOCK_RATE_HZ:
            return
        bound_receive_queues(self.pc, track)
        echo = EchoTrack(track.kind)
        self._echoes.append(echo)
        self.pc.addTrack(echo)
        task = asyncio.get_running_loop().create_task(self._forward(track, echo))
        self._consumers.add(task)
        task.add_done_callback(self._consumers.discard)

    async def _forward(self, track: MediaStreamTrack, echo: EchoTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                self.echoed[track.kind] += 1
                echo.push(frame)

    async def answer(self, offer_sdp: str) -> str:
        """The answer to ``offer_sdp`` with all candidates gathered (no trickle); ValueError when the offer
        carries no audio or video to echo."""
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        if not self._echoes:
            raise ValueError("the offer sends no audio or video")
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        self._sample = (self._clock.monotonic(), 0)
        return str(self.pc.localDescription.sdp)

    async def figures(self) -> LinkFigures:
        """The link as measured so far on the server's side."""
        report = await self.pc.getStats()
        received = lost = received_bytes = 0
        rtts: list[float] = []
        jitter_ms: dict[str, float] = {}
        for stat in report.values():
            if stat.type == "inbound-rtp":
                received += stat.packetsReceived
                lost += max(0, stat.packetsLost)
                jitter_ms[stat.kind] = 1000 * stat.jitter / CLOCK_RATE_HZ[stat.kind]
            elif stat.type == "remote-inbound-rtp" and stat.roundTripTime is not None:
                rtts.append(1000 * stat.roundTripTime)
            elif stat.type == "transport":
                received_bytes += stat.bytesReceived
        return LinkFigures(
            rtt_ms=max(rtts) if rtts else None,
            jitter_ms=jitter_ms.get("audio", jitter_ms.get("video")),
            loss_pct=100 * lost / (received + lost) if received + lost else 0.0,
            bitrate_kbps=self._bitrate(received_bytes),
            packets_received=received,
        )

    def _bitrate(self, received_bytes: int) -> float:
        now = self._clock.monotonic()
        if self._sample is None:
            self._sample = (now, received_bytes)
        elif now - self._sample[0] >= BITRATE_WINDOW_S:
            then, before = self._sample
            self._bitrate_kbps = 8 * (received_bytes - before) / (now - then) / 1000
            self._sample = (now, received_bytes)
        return self._bitrate_kbps

    async def close(self) -> None:
        for echo in self._echoes:
            echo.stop()
        await self.pc.close()
        for task in list(self._consumers):
            task.cancel()
        await asyncio.gather(*self._consumers, return_exceptions=True)
