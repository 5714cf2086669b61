"""How a live call ends: the one compare-and-set to ``ended``, and the absences that may lead to it.

Both on-demand calls and booked rooms end here. A side is absent when its socket closed (the grace
period) or, in a relay booking's room, when an interpreter hung up (:meth:`CallEndings.leave`): the room
goes on for the others and waits for them. A grace timer is never cancelled: it re-reads the call and ends
it only if the side it was set for is still gone with the same deadline (see ``docs/architecture.md``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from core.clock import Clock
from core.errors import Conflict, NotFound
from core.logging import log_event
from core.state_store import Document, StateStore
from signaling.call_documents import (
    CASEWORKER,
    LIVE_CALLS,
    absence_deadline,
    booking_of,
    call_key,
    caseworker_key,
    others,
    record_of,
)
from signaling.call_quality import quality_key
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
        # Told of each call that ended, with its last document (a running recording stops with it).
        self.ended_hooks: list[Callable[[Document], Awaitable[None]]] = []

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
        await self._store.delete(quality_key(call_id))  # the telemetry series goes with the call
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
            # After a booked session an interpreter is away: they were not waiting to be rung.
            after = PresenceState.AWAY if booked else PresenceState.STANDBY
            for role in others(old, CASEWORKER):  # every interpreter's seat: one, or both legs of a relay
                dropped = role in old["disconnected"]
                to = PresenceState.OFFLINE if dropped else after
                await self._presence.move(old[role], call_id, to, busy_ended=True)
                if old[f"{role}_sid"]:
                    await self._notify.send(old[f"{role}_sid"], "call:ended", payload)
                    await self._notify.send(old[f"{role}_sid"], "presence:state", {"state": str(to)})
        if old["caseworker_sid"]:
            await self._notify.send(old["caseworker_sid"], "call:ended", payload)
        for hook in self.ended_hooks:
            try:
                await hook(old)
            except Exception:  # the call has ended whatever a hook meets; each hook has its own safety net
                log.exception("a call-ended hook failed")
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
        if role != CASEWORKER:
            await self._presence.rebind(call[role], call_id, None)
        await self._tell_others(call, role, "call:peer-disconnected", deadline - now)
        log_event(log, "call.grace_started", call_id=call_id, role=role)
        self._wait_for(call_id, role, deadline, now)

    async def leave(self, call_id: str, role: str) -> float:
        """An interpreter of a relay room hangs up: the room goes on, and waits for them as for a closed
        socket (they may come back with ``room:join``). Returns how long it waits, in seconds.

        Their presence is freed (``away``) at once: leaving is on purpose, unlike a lost connection.
        """
        now = self._clock.now().timestamp()
        held_by: str | None = None
        deadline = 0.0

        def change(call: Document) -> Document:
            nonlocal held_by, deadline
            if call["state"] != CallState.ACTIVE:
                raise Conflict("the call is not active")
            held_by = call[f"{role}_sid"]
            deadline = call["disconnected"].get(role) or absence_deadline(
                call, now, self._timings.grace_period_s
            )
            return call | {f"{role}_sid": None, "disconnected": call["disconnected"] | {role: deadline}}

        _, entry = await update(self._store, call_key(call_id), change, "no such call")
        call = entry.value
        await self._presence.move(call[role], call_id, PresenceState.AWAY, busy_ended=True)
        if held_by is not None:  # they were in the room, not already gone: the others hear of it
            await self._tell_others(call, role, "call:peer-left", deadline - now)
            self._wait_for(call_id, role, deadline, now)
        log_event(log, "call.left", call_id=call_id, role=role)
        return deadline - now

    async def _tell_others(self, call: Document, role: str, event: str, grace_s: float) -> None:
        payload = {"call_id": call["id"], "role": role, "grace_s": grace_s}
        for other in others(call, role):
            if call[f"{other}_sid"]:
                await self._notify.send(call[f"{other}_sid"], event, payload)

    def _wait_for(self, call_id: str, role: str, deadline: float, now: float) -> None:
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
