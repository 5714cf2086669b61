"""``rris demo-call``: a demo caseworker calls a demo interpreter through a running server, with media.

Shows a newcomer the whole path: login, standby, request, ring, accept, offer/answer, decoded frames
both ways, hang-up and the resulting call record.
"""

from __future__ import annotations

import asyncio
from typing import Any

from media.synthetic_peer import SyntheticPeer
from signaling.client import SignalingClient

INTERPRETER_FOR = {"ps": "demo.interpreter.ps", "ar": "demo.interpreter.ar", "fa": "demo.interpreter.fa"}


def _step(text: str) -> None:
    print(f"  - {text}", flush=True)


def _expect_ok(ack: dict[str, Any], what: str) -> dict[str, Any]:
    if not ack.get("ok"):
        raise RuntimeError(f"{what} refused: {ack.get('error')}")
    return ack


async def run_demo_call(base_url: str, password: str, language: str, seconds: float) -> bool:
    if language not in INTERPRETER_FOR:
        print(f"no demo interpreter for {language!r}; choose one of {sorted(INTERPRETER_FOR)}")
        return False
    caseworker, interpreter = SignalingClient(base_url), SignalingClient(base_url)
    cw_peer: SyntheticPeer | None = None
    in_peer: SyntheticPeer | None = None
    try:
        await interpreter.login(INTERPRETER_FOR[language], password)
        await caseworker.login("demo.caseworker", password)
        await interpreter.connect()
        await caseworker.connect()
        _step("both logged in and connected")
        ice = (await caseworker.call("session:info"))["ice_servers"]
        _expect_ok(await interpreter.call("presence:standby", {"on": True}), "standby")
        _step("interpreter on standby")
        call = _expect_ok(await caseworker.call("call:request", {"language": language}), "request")
        call_id = call["call_id"]
        ring = await interpreter.next_event("call:ring")
        _step(f"interpreter rung for {ring['language']} (call {call_id[:8]}…)")
        _expect_ok(await interpreter.call("call:accept", {"call_id": call_id}), "accept")
        await caseworker.next_event("call:accepted")
        _step("accepted; negotiating media")
        cw_peer, in_peer = SyntheticPeer(ice), SyntheticPeer(ice)
        offer = await cw_peer.offer()
        _expect_ok(await caseworker.call("signal:description", {"call_id": call_id, **offer}), "offer")
        relayed = await interpreter.next_event("signal:description")
        answer = await in_peer.answer(relayed)
        _expect_ok(await interpreter.call("signal:description", {"call_id": call_id, **answer}), "answer")
        await cw_peer.accept_answer(await caseworker.next_event("signal:description"))
        both = await cw_peer.wait_for_frames(10, 10) and await in_peer.wait_for_frames(10, 10)
        _step(f"media flowing: {both} (caseworker got {cw_peer.frames}, interpreter got {in_peer.frames})")
        if both and seconds > 0:
            await asyncio.sleep(seconds)
        _expect_ok(await caseworker.call("call:hangup", {"call_id": call_id}), "hang-up")
        ended = await interpreter.next_event("call:ended")
        _step(f"hung up; interpreter told: {ended['reason']}")
        async with caseworker.http.get(f"{base_url}/api/calls/{call_id}") as resp:
            record = await resp.json()
        _step(f"call record: outcome={record['outcome']} answered_at={record['answered_at']}")
        return both and record["outcome"] == "completed"
    finally:
        for peer in (cw_peer, in_peer):
            if peer is not None:
                await peer.close()
        await caseworker.close()
        await interpreter.close()
