"""Media between a caseworker and an interpreter in an accepted call, negotiated through the server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from media.synthetic_peer import SyntheticPeer
from signaling.client import SignalingClient


@asynccontextmanager
async def media_between(
    caseworker: SignalingClient,
    interpreter: SignalingClient,
    call_id: str,
    ice: Iterable[Mapping[str, Any]] = (),
    frames: tuple[int, int] = (20, 10),
) -> AsyncIterator[tuple[SyntheticPeer, SyntheticPeer]]:
    """The caseworker offers, the interpreter answers, each relayed unchanged and marked with its sender.

    Yields (caseworker's peer, interpreter's peer) once ``frames`` (audio, video) decoded frames have
    arrived on both sides; closes both peers afterwards.
    """
    cw_peer, in_peer = SyntheticPeer(ice), SyntheticPeer(ice)
    try:
        offer = await cw_peer.offer()
        assert (await caseworker.call("signal:description", {"call_id": call_id, **offer}))["ok"]
        relayed_offer = await interpreter.next_event("signal:description")
        assert relayed_offer == {**offer, "call_id": call_id, "from": "caseworker"}
        answer = await in_peer.answer(relayed_offer)
        assert (await interpreter.call("signal:description", {"call_id": call_id, **answer}))["ok"]
        relayed_answer = await caseworker.next_event("signal:description")
        assert relayed_answer == {**answer, "call_id": call_id, "from": "interpreter"}
        await cw_peer.accept_answer(relayed_answer)
        audio, video = frames
        assert await cw_peer.wait_for_frames(audio, video), cw_peer.frames
        assert await in_peer.wait_for_frames(audio, video), in_peer.frames
        yield cw_peer, in_peer
    finally:
        await cw_peer.close()
        await in_peer.close()
