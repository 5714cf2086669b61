"""Media between the participants of a call (two, or a relay room's three), negotiated through the server."""

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


@asynccontextmanager
async def media_mesh(
    clients: Mapping[str, SignalingClient],
    call_id: str,
    ice: Iterable[Mapping[str, Any]] = (),
    frames: tuple[int, int] = (10, 5),
) -> AsyncIterator[dict[tuple[str, str], SyntheticPeer]]:
    """Media among every pair of a relay room's participants (``clients`` by seat, in the room's order).

    Each pair negotiates its own peer connection through the server: the seat listed first offers and
    names its target with ``to``; every message arrives unchanged, marked with its sender. Yields each
    seat's peer towards each other seat, keyed (seat, other seat), once ``frames`` (audio, video) decoded
    frames have arrived on every one of them; closes them all afterwards.
    """
    seats = list(clients)
    peers: dict[tuple[str, str], SyntheticPeer] = {}
    try:
        for i, offerer in enumerate(seats):
            for answerer in seats[i + 1 :]:
                mine = peers[(offerer, answerer)] = SyntheticPeer(ice)
                theirs = peers[(answerer, offerer)] = SyntheticPeer(ice)
                offer = await mine.offer()
                sent = {"call_id": call_id, "to": answerer, **offer}
                assert (await clients[offerer].call("signal:description", sent))["ok"]
                relayed_offer = await clients[answerer].next_event("signal:description")
                assert relayed_offer == {**offer, "call_id": call_id, "from": offerer}
                answer = await theirs.answer(relayed_offer)
                sent = {"call_id": call_id, "to": offerer, **answer}
                assert (await clients[answerer].call("signal:description", sent))["ok"]
                relayed_answer = await clients[offerer].next_event("signal:description")
                assert relayed_answer == {**answer, "call_id": call_id, "from": answerer}
                await mine.accept_answer(relayed_answer)
        audio, video = frames
        for key, peer in peers.items():
            assert await peer.wait_for_frames(audio, video), (key, peer.frames)
        yield peers
    finally:
        for peer in peers.values():
            await peer.close()
