"""The ring hunt of an on-demand request: ring one free interpreter at a time until one accepts.

Who may be rung comes from the :class:`~signaling.candidates.CandidateSource`; who is free, and in which
order, from presence (:mod:`signaling.matching`). Every step is a compare-and-set on the call and on the
interpreter's presence, so two requests never ring the same interpreter and a late ring timer does nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core.clock import Clock
from core.errors import Conflict, NotFound
from core.ids import CallId, OrganisationId, UserId
from core.interpreters import Gender
from core.languages import LanguageTag
from core.logging import log_event
from core.state_store import Document, StateStore
from signaling.call_documents import call_key, public_view, read_call
from signaling.call_endings import CallEndings
from signaling.candidates import CandidateSource
from signaling.live import update
from signaling.matching import rank_free_interpreters
from signaling.presence import PresenceService
from signaling.states import CallState, Outcome, PresenceState, check_call_transition

if TYPE_CHECKING:
    from signaling.calls import CallTimings, Notifier, TaskSpawner

log = logging.getLogger("rris.calls")


class RingHunt:
    def __init__(
        self,
        store: StateStore,
        presence: PresenceService,
        candidates: CandidateSource,
        notifier: Notifier,
        clock: Clock,
        tasks: TaskSpawner,
        timings: CallTimings,
        endings: CallEndings,
    ) -> None:
        self._store = store
        self._presence = presence
        self._candidates = candidates
        self._notify = notifier
        self._clock = clock
        self._tasks = tasks
        self._timings = timings
        self._endings = endings

    async def ring_next(self, call_id: CallId) -> None:
        """Ring the least recently busy free interpreter not yet tried, or end with no_interpreter."""
        call = await read_call(self._store, call_id)
        if call["state"] != CallState.SEARCHING:
            return
        eligible = await self._candidates.on_demand(
            OrganisationId(call["organisation_id"]),
            LanguageTag.parse(call["language"]),
            Gender(call["gender"]) if call["gender"] else None,
        )
        tried = call["tried"]
        untried = [uid for uid in eligible if uid not in tried]
        ranked = rank_free_interpreters(untried, await self._presence.get_many(untried))
        for interpreter in ranked:
            claimed = await self._presence.claim_for_ring(interpreter.user_id, call_id)
            if claimed is None:
                continue
            if await self._start_ringing(call_id, claimed.user_id, claimed.sid):
                return
            await self._presence.move(claimed.user_id, call_id, PresenceState.STANDBY)
            return  # the call moved on (cancelled) while we claimed
        await self._endings.finish(call_id, Outcome.NO_INTERPRETER)

    async def _start_ringing(self, call_id: CallId, interpreter: UserId, interpreter_sid: str | None) -> bool:
        now = self._clock.now().isoformat()

        def change(call: Document) -> Document:
            if call["state"] != CallState.SEARCHING:
                raise Conflict("no longer searching")
            check_call_transition(CallState.SEARCHING, CallState.RINGING)
            return call | {
                "state": CallState.RINGING,
                "interpreter": interpreter,
                "interpreter_sid": interpreter_sid,
                "attempt": call["attempt"] + 1,
                "tried": [*call["tried"], interpreter],
                "rung_at": call["rung_at"] or now,
                "ring_deadline": self._clock.now().timestamp() + self._timings.ring_timeout_s,
            }

        try:
            _, entry = await update(self._store, call_key(call_id), change)
        except (Conflict, NotFound):
            return False
        call = entry.value
        attempt = call["attempt"]
        self._clock.call_later(
            self._timings.ring_timeout_s,
            lambda: self._tasks.spawn(self.ring_timed_out(call_id, interpreter, attempt)),
        )
        view = public_view(call)
        if interpreter_sid:
            await self._notify.send(
                interpreter_sid,
                "call:ring",
                view | {"gender_requested": call["gender"], "timeout_s": self._timings.ring_timeout_s},
            )
        await self._notify.send(call["caseworker_sid"], "call:status", view)
        log_event(log, "call.ringing", call_id=call_id, attempt=attempt)
        return True

    async def ring_timed_out(self, call_id: CallId, interpreter: UserId, attempt: int) -> None:
        # A missed ring puts the interpreter "away" (redirection on no answer), so the next
        # request does not ring an empty chair again; they go back on standby themselves.
        await self.release_ring(call_id, interpreter, attempt, PresenceState.AWAY, reason="timeout")

    async def release_ring(
        self,
        call_id: str,
        interpreter: str,
        expected_attempt: int | None,
        presence_to: PresenceState,
        reason: str = "declined",
    ) -> None:
        """Ringing(interpreter) -> searching, then ring the next one."""

        def change(call: Document) -> Document:
            if call["state"] != CallState.RINGING or call["interpreter"] != interpreter:
                raise Conflict("this call is no longer ringing for you")
            if expected_attempt is not None and call["attempt"] != expected_attempt:
                raise Conflict("a later ring is in progress")
            check_call_transition(CallState.RINGING, CallState.SEARCHING)
            return call | {
                "state": CallState.SEARCHING,
                "interpreter": None,
                "interpreter_sid": None,
                "ring_deadline": None,
                "searching_since": self._clock.now().timestamp(),
            }

        try:
            old, _ = await update(self._store, call_key(call_id), change, "no such call")
        except (Conflict, NotFound):
            if expected_attempt is not None:
                return  # a timer that lost the race: nothing to do
            raise
        await self._presence.move(interpreter, call_id, presence_to)
        if reason == "timeout" and old["interpreter_sid"]:
            await self._notify.send(
                old["interpreter_sid"], "call:ring-cancelled", {"call_id": call_id, "reason": reason}
            )
            await self._notify.send(old["interpreter_sid"], "presence:state", {"state": presence_to})
        log_event(log, "call.ring_released", call_id=call_id, reason=reason)
        await self.ring_next(CallId(call_id))
