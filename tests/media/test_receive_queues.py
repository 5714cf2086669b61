"""The server's peers bound aiortc's receive queues: a reader that stalls (a starved node) keeps the newest
frames up to the bound instead of every frame since it stalled."""

from __future__ import annotations

import asyncio

import pytest
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

from media.receive_queues import (
    DECODED_BACKLOG,
    DECODER_BACKLOG,
    DropOldestAsyncQueue,
    DropOldestQueue,
    bound_receive_queues,
)
from media.rtc_config import rtc_configuration
from media.synthetic_peer import SyntheticPeer

pytestmark = pytest.mark.media


def test_the_thread_queue_keeps_the_newest_items_when_full() -> None:
    bounded = DropOldestQueue(maxsize=3)
    for item in range(10):
        bounded.put(item)
    assert [bounded.get_nowait() for _ in range(bounded.qsize())] == [7, 8, 9]


async def test_the_asyncio_queue_keeps_the_newest_and_always_takes_the_end_of_track() -> None:
    bounded = DropOldestAsyncQueue(maxsize=3)
    for item in range(10):
        await bounded.put(item)
    await bounded.put(None)
    assert [bounded.get_nowait() for _ in range(bounded.qsize())] == [8, 9, None]


async def stalled_receiver(sender: SyntheticPeer, bound: bool) -> tuple[RTCPeerConnection, MediaStreamTrack]:
    """A peer that receives ``sender``'s media and never reads it: its queues fill as media arrives."""
    receiver = RTCPeerConnection(configuration=rtc_configuration())
    audio: list[MediaStreamTrack] = []

    def on_track(track: MediaStreamTrack) -> None:
        if bound:
            bound_receive_queues(receiver, track)
        if track.kind == "audio":
            audio.append(track)

    receiver.on("track", on_track)
    offer = await sender.offer()
    await receiver.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
    await receiver.setLocalDescription(await receiver.createAnswer())
    await sender.accept_answer({"type": "answer", "sdp": receiver.localDescription.sdp})
    return receiver, audio[0]


@pytest.mark.parametrize("bound", [True, False])
async def test_a_stalled_reader_holds_at_most_the_bound_of_decoded_audio(bound: bool) -> None:
    sender = SyntheticPeer()
    receiver, track = await stalled_receiver(sender, bound)
    try:
        await asyncio.sleep(3)  # about 150 audio frames arrive (50 a second) and nobody reads them
        waiting = track._queue.qsize()  # type: ignore[attr-defined]
        decoder = receiver.getReceivers()[0]._RTCRtpReceiver__decoder_queue  # type: ignore[attr-defined]
        if bound:
            assert 0 < waiting <= DECODED_BACKLOG
            assert decoder.qsize() <= DECODER_BACKLOG
        else:  # what aiortc does by itself: every frame since the reader stalled
            assert waiting > 3 * DECODED_BACKLOG
    finally:
        await sender.close()
        await receiver.close()
