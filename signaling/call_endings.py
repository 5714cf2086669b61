"""How a live call ends: the one compare-and-set to ``ended``, and the grace period that may lead to it.

Both on-demand calls and booked rooms end here. A grace timer is never cancelled: it re-reads the call and
ends it only if the side it was set for is still gone with the same deadline (see ``docs/architecture.md``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core.clock import Clock
from core.errors import Conflict, NotFound
from core.logging import log_event
from core.state_store import Document, StateStore
from signaling.call_documents import (
    INTERPRETER,
    LIVE_CALLS,
    absence_deadline,
    booking_of,
    call_key,
    caseworker_key,
    other_role,
    record_of,
)
from signaling.live import update
from signaling.presence import PresenceService
from signaling.records import CallRecords
from signaling.states import CallState, Outcome, PresenceState, check_call_transition, check_outcome

if TYPE_CHECKING:
    from signaling.calls import CallTimings, Notifier, TaskSpawner

log = logging.getLogger("rris.calls")


class CallEndings:
    def __init__(
        self,
        store: StateStore,
        presence: PresenceService,
        records: CallRecords,
        notifier: Notifier,
        clock: Clock,
        tasks: TaskSpawner,
        timings: CallTimings,
    ) -> None:
        self._store = store
        self._presence = presence
        self._records = records
        self._notify = notifier
        self._clock = clock
        self._tasks = tasks
        self._timings = timings

    async def finish(self, call_id: str, outcome: Outcome, by: str | None = None) -> None:
        """Move a call to ENDED once (compare-and-set), then tell both sides and write the record."""
        now = self._clock.now()

        def change(call: Document) -> Document:
            current = CallState(call["state"])
            check_call_transition(current, CallState.ENDED)
            check_outcome(current, outcome)
            return call | {"state": CallState.ENDED, "outcome": outcome, "ended_at": now.isoformat()}

        old, entry = await update(self._store, call_key(call_id), change, "no such call")
        call = entry.value
        booked = booking_of(call) is not None
        await self._store.delete(call_key(call_id))
        if not booked:  # a booked room never held the caseworker's one on-demand request
            await self._store.delete(caseworker_key(call["caseworker"]))
        await self._store.set_remove(LIVE_CALLS, call_id)
        if not booked:  # a booked session's durable trace is its booking (see signaling.booked_rooms)
            # The record first: a client told "ended" may read it at once.
            await self._records.progressed(record_of(call))
        interpreter, interpreter_sid = old["interpreter"], old["interpreter_sid"]
        reason = {"completed": "hangup"}.get(outcome, str(outcome))
        payload = {"call_id": call_id, "reason": reason, "outcome": outcome}
        if interpreter is not None and old["state"] == CallState.RINGING:
            await self._presence.move(interpreter, call_id, PresenceState.STANDBY)
            if interpreter_sid:
                await self._notify.send(
                    interpreter_sid, "call:ring-cancelled", {"call_id": call_id, "reason": reason}
                )
                await self._notify.send(interpreter_sid, "presence:state", {"state": PresenceState.STANDBY})
        elif interpreter is not None:
            # After a booked session the interpreter is away: they were not waiting to be rung.
            after = PresenceState.AWAY if booked else PresenceState.STANDBY
            dropped = INTERPRETER in old["disconnected"]
            await self._presence.move(
                interpreter, call_id, PresenceState.OFFLINE if dropped else after, busy_ended=True
            )
            if interpreter_sid:
                await self._notify.send(interpreter_sid, "call:ended", payload)
                await self._notify.send(
                    interpreter_sid, "presence:state", {"state": "offline" if dropped else after}
                )
        if old["caseworker_sid"]:
            await self._notify.send(old["caseworker_sid"], "call:ended", payload)
        log_event(log, "call.ended", call_id=call_id, outcome=outcome, by_participant=by is not None)

    async def start_grace(self, call_id: str, role: str, sid: str) -> None:
        """The socket ``sid`` holding ``role`` of an active call closed: keep the side open for a while."""
        now = self._clock.now().timestamp()
        deadline = 0.0

        def change(call: Document) -> Document:
            nonlocal deadline
            if call["state"] != CallState.ACTIVE or call[f"{role}_sid"] != sid:
                raise Conflict("socket no longer holds the call")
            deadline = absence_deadline(call, now, self._timings.grace_period_s)
            return call | {f"{role}_sid": None, "disconnected": call["disconnected"] | {role: deadline}}

        try:
            _, entry = await update(self._store, call_key(call_id), change)
        except (Conflict, NotFound):
            return
        call = entry.value
        if role == INTERPRETER:
            await self._presence.rebind(call["interpreter"], call_id, None)
        other_sid = call[f"{other_role(role)}_sid"]
        if other_sid:
            await self._notify.send(
                other_sid,
                "call:peer-disconnected",
                {"call_id": call_id, "role": role, "grace_s": deadline - now},
            )
        log_event(log, "call.grace_started", call_id=call_id, role=role)
        self._clock.call_later(
            deadline - now, lambda: self._tasks.spawn(self.grace_expired(call_id, role, deadline))
        )

    async def grace_expired(self, call_id: str, role: str, deadline: float) -> None:
        """End the call as dropped if ``role`` is still gone with this very deadline."""
        entry = await self._store.get(call_key(call_id))
        if entry is None or entry.value["disconnected"].get(role) != deadline:
            return  # rejoined, or already ended
        try:
            await self.finish(call_id, Outcome.DROPPED)
        except (Conflict, NotFound):
            return
