"""A WebRTC peer with generated audio and video, counting the frames it decodes from the other side.

It proves media really flows (the demo call, the end-to-end tests) without a camera or microphone.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, MediaStreamError, VideoStreamTrack

from media.rtc_config import rtc_configuration


class SyntheticPeer:
    def __init__(self, ice_servers: Iterable[Mapping[str, Any]] = ()) -> None:
        self.pc = RTCPeerConnection(configuration=rtc_configuration(ice_servers))
        self.pc.addTrack(AudioStreamTrack())
        self.pc.addTrack(VideoStreamTrack())
        self.frames: dict[str, int] = {"audio": 0, "video": 0}
        self._consumers: set[asyncio.Task[None]] = set()
        self.pc.on("track", self._on_track)

    def _on_track(self, track: MediaStreamTrack) -> None:
        task = asyncio.get_running_loop().create_task(self._consume(track))
        self._consumers.add(task)
        task.add_done_callback(self._consumers.discard)

    async def _consume(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.frames[track.kind] += 1

    async def offer(self) -> dict[str, str]:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return {"type": self.pc.localDescription.type, "sdp": self.pc.localDescription.sdp}

    async def answer(self, offer: Mapping[str, str]) -> dict[str, str]:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type=offer["type"]))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return {"type": self.pc.localDescription.type, "sdp": self.pc.localDescription.sdp}

    async def accept_answer(self, answer: Mapping[str, str]) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))

    async def wait_for_frames(self, audio: int, video: int, timeout: float = 20) -> bool:
        """True once at least ``audio`` and ``video`` decoded frames have arrived."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if self.frames["audio"] >= audio and self.frames["video"] >= video:
                return True
            await asyncio.sleep(0.05)
        return False

    async def close(self) -> None:
        await self.pc.close()
        for task in list(self._consumers):
            task.cancel()
        await asyncio.gather(*self._consumers, return_exceptions=True)
