"""Interpreter presence: who is on standby, ringing or in a call, visible to every signalling node."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from core.clock import Clock
from core.errors import Conflict, Forbidden, NotFound
from core.ids import CallId, UserId
from core.state_store import Document, StateStore
from signaling.live import update
from signaling.states import PresenceState, check_presence_transition

ONLINE_SET = "interpreters:online"


def presence_key(user_id: str) -> str:
    return f"presence:{user_id}"


@dataclass(frozen=True)
class Presence:
    user_id: UserId
    state: PresenceState
    sid: str | None
    call_id: CallId | None
    since: datetime
    last_busy_at: datetime | None

    @classmethod
    def from_doc(cls, doc: Document) -> Presence:
        return cls(
            user_id=UserId(doc["user_id"]),
            state=PresenceState(doc["state"]),
            sid=doc.get("sid"),
            call_id=CallId(doc["call_id"]) if doc.get("call_id") else None,
            since=datetime.fromisoformat(doc["since"]),
            last_busy_at=datetime.fromisoformat(doc["last_busy_at"]) if doc.get("last_busy_at") else None,
        )


class PresenceService:
    """Owns the presence documents; every change goes through the transition table."""

    def __init__(self, store: StateStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def get(self, user_id: str) -> Presence | None:
        entry = await self._store.get(presence_key(user_id))
        return Presence.from_doc(entry.value) if entry else None

    async def get_many(self, user_ids: list[UserId]) -> list[Presence | None]:
        entries = await self._store.get_many([presence_key(u) for u in user_ids])
        return [Presence.from_doc(e.value) if e else None for e in entries]

    async def set_standby(self, user_id: UserId, sid: str, on: bool) -> Presence:
        """Go on or off standby from socket ``sid``; refused while ringing or in a call."""
        wanted = PresenceState.STANDBY if on else PresenceState.AWAY
        now = self._clock.now().isoformat()
        doc = {
            "user_id": user_id,
            "state": wanted,
            "sid": sid,
            "call_id": None,
            "since": now,
            "last_busy_at": None,
        }
        if await self._store.create(presence_key(user_id), doc) is not None:
            await self._store.set_add(ONLINE_SET, user_id)
            return Presence.from_doc(doc)

        def change(current: Document) -> Document:
            state = PresenceState(current["state"])
            if state in (PresenceState.RINGING, PresenceState.IN_CALL):
                raise Conflict(f"cannot change standby while {state}")
            check_presence_transition(state, wanted)
            since = current["since"] if state == wanted else now
            return current | {"state": wanted, "sid": sid, "since": since}

        _, entry = await update(self._store, presence_key(user_id), change, "not online")
        return Presence.from_doc(entry.value)

    async def claim_for_ring(self, user_id: UserId, call_id: CallId) -> Presence | None:
        """Standby -> ringing for ``call_id``; None when someone else got the interpreter first."""
        key = presence_key(user_id)
        entry = await self._store.get(key)
        if entry is None or entry.value["state"] != PresenceState.STANDBY:
            return None
        new = entry.value | {
            "state": PresenceState.RINGING,
            "call_id": call_id,
            "since": self._clock.now().isoformat(),
        }
        written = await self._store.replace(key, entry, new)
        return Presence.from_doc(written.value) if written else None

    async def hold_for_call(self, user_id: UserId, call_id: CallId, sid: str) -> None:
        """In a call joined without a ring (a booked room), on socket ``sid``; from offline, away or standby.

        Refused with :class:`Conflict` while being rung or in another call.
        """
        now = self._clock.now().isoformat()
        doc = {
            "user_id": user_id,
            "state": PresenceState.IN_CALL,
            "sid": sid,
            "call_id": call_id,
            "since": now,
            "last_busy_at": None,
        }

        def change(current: Document) -> Document:
            if current.get("call_id") == call_id:
                return current | {"sid": sid}  # joined again, from this socket
            state = PresenceState(current["state"])
            if state == PresenceState.RINGING:
                raise Conflict("answer or decline the ringing call first")
            if state == PresenceState.IN_CALL:
                raise Conflict("you are in another call")
            check_presence_transition(state, PresenceState.IN_CALL)
            return current | {"state": PresenceState.IN_CALL, "sid": sid, "call_id": call_id, "since": now}

        for _ in range(2):  # the document may go (a socket closing) between the two steps
            if await self._store.create(presence_key(user_id), doc) is not None:
                await self._store.set_add(ONLINE_SET, user_id)
                return
            with contextlib.suppress(NotFound):
                await update(self._store, presence_key(user_id), change)
                return
        raise Conflict("presence kept changing; try again")

    async def move(self, user_id: str, call_id: str, to: PresenceState, *, busy_ended: bool = False) -> None:
        """Move an interpreter out of the state held for ``call_id``; no-op if they moved on already.

        ``to=OFFLINE`` removes the document. ``busy_ended`` stamps the end of a call for the
        least-recently-busy ranking.
        """
        if to == PresenceState.OFFLINE:
            await self.go_offline(user_id, expected_call=call_id)
            return
        now = self._clock.now().isoformat()

        def change(current: Document) -> Document:
            if current.get("call_id") != call_id:
                raise Forbidden("presence no longer bound to this call")
            check_presence_transition(PresenceState(current["state"]), to)
            new = current | {"state": to, "since": now}
            if to in (PresenceState.STANDBY, PresenceState.AWAY):
                new["call_id"] = None
            if busy_ended:
                new["last_busy_at"] = now
            return new

        with contextlib.suppress(Forbidden, NotFound):
            await update(self._store, presence_key(user_id), change)

    async def rebind(self, user_id: str, call_id: str, sid: str | None) -> None:
        """Point an in-call interpreter's presence at a new socket (rejoin) or at none (dropped)."""

        def change(current: Document) -> Document:
            if current.get("call_id") != call_id:
                raise Forbidden("presence no longer bound to this call")
            return current | {"sid": sid}

        with contextlib.suppress(Forbidden, NotFound):
            await update(self._store, presence_key(user_id), change)

    async def go_offline(
        self, user_id: str, sid: str | None = None, expected_call: str | None = None
    ) -> None:
        """Drop presence, but only the socket's own (a newer tab may have taken over)."""
        key = presence_key(user_id)
        entry = await self._store.get(key)
        if entry is None:
            return
        if sid is not None and entry.value.get("sid") != sid:
            return
        if expected_call is not None and entry.value.get("call_id") != expected_call:
            return
        if await self._store.delete(key, entry):
            await self._store.set_remove(ONLINE_SET, user_id)

    async def online(self) -> list[Presence]:
        ids = sorted(await self._store.set_members(ONLINE_SET))
        return [p for p in await self.get_many([UserId(i) for i in ids]) if p is not None]
