"""The server's side of one participant's recording leg: an aiortc peer that only receives.

Each participant's browser, once everyone has consented, sends its microphone to one of these. Every
audio track is re-encoded to Opus in Ogg by aiortc's :class:`MediaRecorder`, straight into a
:class:`~media.recording_cipher.SealedWriter`, so no plain audio is written anywhere. Anything else
that arrives (a video track) is read and dropped, so no receive queue grows. Nothing is sent back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, BinaryIO

from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRecorder
from aiortc.mediastreams import MediaStreamError

from media.receive_queues import bound_receive_queues
from media.rtc_config import rtc_configuration

TrackSink = Callable[[], BinaryIO]  # opens where one received audio track is written (sealed)


class RecorderPeer:
    """One RTCPeerConnection answering a participant's audio offer and recording what arrives."""

    def __init__(
        self,
        open_sink: TrackSink,
        ice_servers: Iterable[Mapping[str, Any]] = (),
        on_ended: Callable[[], None] | None = None,
    ) -> None:
        self.pc = RTCPeerConnection(configuration=rtc_configuration(ice_servers))
        self._open_sink = open_sink
        self._on_ended = on_ended
        self._recorders: list[MediaRecorder] = []
        self._drains: set[asyncio.Task[None]] = set()
        self._closed = False
        self.audio_tracks = 0
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_state)

    @property
    def state(self) -> str:
        return str(self.pc.connectionState)

    def _on_state(self) -> None:
        if self.pc.connectionState in ("failed", "closed") and self._on_ended is not None:
            self._on_ended()

    def _on_track(self, track: MediaStreamTrack) -> None:
        bound_receive_queues(self.pc, track)
        if track.kind == "audio" and not self.audio_tracks:
            self.audio_tracks += 1
            recorder = MediaRecorder(self._open_sink(), format="ogg")
            recorder.addTrack(track)
            self._recorders.append(recorder)
            return
        task = asyncio.get_running_loop().create_task(self._drain(track))
        self._drains.add(task)
        task.add_done_callback(self._drains.discard)

    @staticmethod
    async def _drain(track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()

    async def answer(self, offer_sdp: str) -> str:
        """The answer to ``offer_sdp`` (all candidates gathered); ValueError when it sends no audio."""
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        if not self._recorders:
            raise ValueError("the offer sends no audio to record")
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        for recorder in self._recorders:
            await recorder.start()
        return str(self.pc.localDescription.sdp)

    async def close(self) -> None:
        """Stop receiving and seal every file; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        await self.pc.close()
        for recorder in self._recorders:
            await recorder.stop()
        for task in list(self._drains):
            task.cancel()
        await asyncio.gather(*self._drains, return_exceptions=True)
