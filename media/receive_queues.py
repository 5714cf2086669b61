"""Bounded receive queues for the server's aiortc peers.

aiortc gives each received track two unbounded queues: encoded frames waiting for the decoder thread, and
decoded frames waiting for whoever reads the track. While the server keeps up they stay short; on a starved
node they grow without limit (the soak in ``bench/media.py`` saw memory in use rise by half under load).
Late media is useless to an echo or a recording, so both are swapped for queues that drop their oldest
entry when full. The swap must happen when the peer announces the track (``track`` event, during
``setRemoteDescription``), before the receiver starts its decoder thread with them; it reaches into one
private attribute of ``RTCRtpReceiver``, checked here so that an aiortc upgrade that renames it fails loudly
in the tests rather than silently unbounding the queue.

Dropping encoded video costs a few frames until the next keyframe; dropping audio, a gap of some
milliseconds: both better than a node running out of memory.
"""

from __future__ import annotations

import asyncio
import queue
from typing import Any

from aiortc import MediaStreamTrack, RTCPeerConnection

DECODER_BACKLOG = 64  # encoded frames: a second of Opus, a few seconds of video
DECODED_BACKLOG = 16  # decoded frames waiting for the reader
_DECODER_QUEUE = "_RTCRtpReceiver__decoder_queue"


class DropOldestQueue(queue.Queue[Any]):
    """A thread-safe queue that, when full, makes room by dropping its oldest item (never blocks a put)."""

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        with self.mutex:
            if 0 < self.maxsize <= self._qsize():
                self.queue.popleft()
            self._put(item)
            self.unfinished_tasks += 1
            self.not_empty.notify()


class DropOldestAsyncQueue(asyncio.Queue[Any]):
    """An asyncio queue that, when full, drops its oldest item; the end-of-track ``None`` always gets in."""

    def put_nowait(self, item: Any) -> None:
        if self.full():
            self.get_nowait()
        super().put_nowait(item)

    async def put(self, item: Any) -> None:
        self.put_nowait(item)


def bound_receive_queues(pc: RTCPeerConnection, track: MediaStreamTrack) -> None:
    """Replace ``track``'s two receive queues with bounded ones; call from the ``track`` event."""
    receiver = next(r for r in pc.getReceivers() if r.track is track)
    if not hasattr(receiver, _DECODER_QUEUE) or not hasattr(track, "_queue"):
        raise RuntimeError("aiortc's receive queues moved: media/receive_queues.py needs updating")
    setattr(receiver, _DECODER_QUEUE, DropOldestQueue(maxsize=DECODER_BACKLOG))
    track._queue = DropOldestAsyncQueue(maxsize=DECODED_BACKLOG)
