"""The call lifecycle: request, ring one interpreter at a time, accept, relay, hang up, rejoin.

Live calls are documents in the :class:`~core.state_store.StateStore`, changed only by compare-and-set
through the transition table in :mod:`signaling.states`; so any node may handle any event, and timers
that fire late (a ring timeout after an accept, a grace expiry after a rejoin) find nothing to do.

The ring hunt is :mod:`signaling.ring_hunt`; the end of a call and its grace period are
:mod:`signaling.call_endings`. Booked rooms (:mod:`signaling.booked_rooms`) are calls active from the
start, and share everything an accepted call does; a relay booking's room has three participants, so
what one does is told to every other, and negotiation names its target.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from core.accounts import Principal, Role
from core.clock import Clock
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.ids import CallId, UserId, new_id
from core.interpreters import Gender
from core.languages import LanguageTag
from core.logging import log_event
from core.state_store import Document, StateStore
from signaling.call_documents import (
    CASEWORKER,
    INTERPRETER,
    LIVE_CALLS,
    RELAY_INTERPRETER,
    call_key,
    caseworker_key,
    new_call,
    others,
    public_view,
    read_call,
    record_of,
    relay_target,
    role_in,
    seat_of,
)
from signaling.call_endings import CallEndings
from signaling.call_quality import CallQuality
from signaling.call_recording import CallRecording, NoArchive, RecordingArchive
from signaling.candidates import CandidateSource
from signaling.live import update
from signaling.presence import PresenceService
from signaling.records import CallRecords
from signaling.ring_hunt import RingHunt
from signaling.states import CallState, Outcome, PresenceState, check_call_transition

log = logging.getLogger("rris.calls")


class PeerUnavailable(DomainError):
    """The other participant is reconnecting; try again once they are back."""

    code = "peer_unavailable"


class Notifier(Protocol):
    """How the domain reaches a client socket; the transport implements it."""

    async def send(self, sid: str, event: str, payload: dict[str, Any]) -> None: ...


class TaskSpawner(Protocol):
    def spawn(self, coro: Coroutine[Any, Any, None]) -> None: ...


SWEEP_SLACK_S = 1.0  # a node's own timer normally acts first; the sweep catches what a lost node left


@dataclass(frozen=True)
class CallTimings:
    ring_timeout_s: float
    grace_period_s: float
    sweep_interval_s: float = 5.0


class CallService:
    """The events of a call's participants; the ring hunt and the endings are its parts."""

    def __init__(
        self,
        store: StateStore,
        presence: PresenceService,
        candidates: CandidateSource,
        records: CallRecords,
        notifier: Notifier,
        clock: Clock,
        tasks: TaskSpawner,
        timings: CallTimings,
        archive: RecordingArchive | None = None,
    ) -> None:
        self._store = store
        self._presence = presence
        self._records = records
        self._notify = notifier
        self._clock = clock
        self._tasks = tasks
        self._timings = timings
        self.quality = CallQuality(store, notifier, clock)  # telemetry of the active calls
        self.endings = CallEndings(store, presence, records, notifier, clock, tasks, timings)
        self.recording = CallRecording(store, notifier, archive or NoArchive())  # consent to record
        self.endings.ended_hooks.append(self.recording.call_ended)
        self._hunt = RingHunt(store, presence, candidates, notifier, clock, tasks, timings, self.endings)

    # -- caseworker side -------------------------------------------------------------------------

    async def request(self, who: Principal, sid: str, language: str, gender: str | None) -> dict[str, Any]:
        """Open an on-demand request and start ringing; one live request per caseworker."""
        if who.role != Role.CASEWORKER:
            raise Forbidden("only caseworkers request interpreters")
        tag = LanguageTag.parse(language)
        wanted_gender = Gender(gender) if gender else None
        call_id = CallId(new_id())
        await self._claim_caseworker(who.user_id, call_id)
        now = self._clock.now()
        call = new_call(call_id, who, sid, tag.tag, wanted_gender.value if wanted_gender else None, now)
        try:
            await self._store.create(call_key(call_id), call)
            await self._store.set_add(LIVE_CALLS, call_id)
        except BaseException:
            # Never strand the caseworker behind a half-made request.
            await self._store.delete(call_key(call_id))
            await self._store.delete(caseworker_key(who.user_id))
            raise
        log_event(log, "call.requested", call_id=call_id, language=tag.tag, organisation=who.organisation_id)
        await self._hunt.ring_next(call_id)
        # Ringing first, the durable trace next: record writes are upserts, so order does not matter,
        # and a request whose record cannot be written yet is still rung; every later write carries
        # the full record again.
        self._tasks.spawn(self._records.opened(record_of(call)))
        entry = await self._store.get(call_key(call_id))
        return public_view(entry.value) if entry else {"call_id": call_id, "state": CallState.ENDED}

    async def _claim_caseworker(self, user_id: str, call_id: CallId) -> None:
        """One live request per caseworker; a marker left by a lost node (no call behind it) is cleared."""
        key = caseworker_key(user_id)
        for _ in range(2):
            if await self._store.create(key, {"call_id": call_id}) is not None:
                return
            marker = await self._store.get(key)
            if marker is not None and await self._store.get(call_key(marker.value["call_id"])) is not None:
                break
            if marker is not None:
                await self._store.delete(key, marker)
        raise Conflict("you already have a call in progress")

    async def cancel(self, who: Principal, call_id: str) -> None:
        call = await read_call(self._store, call_id)
        if call["caseworker"] != who.user_id:
            raise Forbidden("only the requesting caseworker can cancel")
        await self.endings.finish(call_id, Outcome.CANCELLED)

    # -- interpreter side ------------------------------------------------------------------------

    async def accept(self, who: Principal, sid: str, call_id: str) -> dict[str, Any]:
        """Compare-and-set ringing(me) -> active: of two accepts, or an accept racing a timeout, one wins."""
        now = self._clock.now().isoformat()

        def change(call: Document) -> Document:
            if call["state"] != CallState.RINGING or call["interpreter"] != who.user_id:
                raise Conflict("this call is no longer ringing for you")
            check_call_transition(CallState.RINGING, CallState.ACTIVE)
            return call | {"state": CallState.ACTIVE, "interpreter_sid": sid, "answered_at": now}

        _, entry = await update(self._store, call_key(call_id), change, "no such call")
        call = entry.value
        await self._presence.move(who.user_id, call_id, PresenceState.IN_CALL)
        await self._presence.rebind(who.user_id, call_id, sid)
        view = public_view(call)
        await self._notify.send(call["caseworker_sid"], "call:accepted", view | {"role": CASEWORKER})
        await self._records.progressed(record_of(call))
        log_event(log, "call.accepted", call_id=call_id, attempt=call["attempt"])
        return view | {"role": INTERPRETER}

    async def decline(self, who: Principal, call_id: str) -> None:
        await self._hunt.release_ring(
            call_id, who.user_id, expected_attempt=None, presence_to=PresenceState.STANDBY
        )

    # -- both sides ------------------------------------------------------------------------------

    async def hang_up(self, who: Principal, call_id: str) -> None:
        call = await read_call(self._store, call_id)
        role_in(call, who.user_id)
        if call["state"] in (CallState.SEARCHING, CallState.RINGING):
            await self.endings.finish(call_id, Outcome.CANCELLED)
        else:
            await self.endings.finish(call_id, Outcome.COMPLETED, by=who.user_id)

    async def relay(
        self, who: Principal, call_id: str, event: str, payload: dict[str, Any], to: str | None = None
    ) -> None:
        """Pass negotiation to one other participant of an active call (``to``), and to nobody else.

        The hot path: one read of the live call, no database; the receiver learns the sender's role.
        """
        call = await read_call(self._store, call_id)
        role = role_in(call, who.user_id)
        if call["state"] != CallState.ACTIVE:
            raise Conflict("the call is not active")
        target = call[f"{relay_target(call, role, to)}_sid"]
        if target is None:
            raise PeerUnavailable()
        await self._notify.send(target, event, payload | {"call_id": call_id, "from": role})

    async def current_call(self, who: Principal) -> dict[str, Any] | None:
        """The live call this user takes part in, so a reconnecting client can rejoin it."""
        if who.role == Role.CASEWORKER:
            ref = await self._store.get(caseworker_key(who.user_id))
            call_id = ref.value["call_id"] if ref else None
        else:
            presence = await self._presence.get(who.user_id)
            call_id = presence.call_id if presence else None
        if call_id is None:
            return None
        entry = await self._store.get(call_key(call_id))
        if entry is None:
            return None
        try:
            role = role_in(entry.value, who.user_id)
        except Forbidden:
            return None
        return public_view(entry.value) | {"role": role, "disconnected": sorted(entry.value["disconnected"])}

    async def rejoin(self, who: Principal, sid: str, call_id: str) -> dict[str, Any]:
        """Take a call back from a new socket within the grace period; the client then restarts ICE."""

        def change(call: Document) -> Document:
            role = role_in(call, who.user_id)
            if call["state"] != CallState.ACTIVE:
                raise Conflict("the call is not active")
            disconnected = {k: v for k, v in call["disconnected"].items() if k != role}
            return call | {f"{role}_sid": sid, "disconnected": disconnected}

        _, entry = await update(self._store, call_key(call_id), change, "no such call")
        call = entry.value
        role = role_in(call, who.user_id)
        if role != CASEWORKER:
            await self._presence.rebind(who.user_id, call_id, sid)
        present = [r for r in others(call, role) if call[f"{r}_sid"]]
        for other in present:
            await self._notify.send(
                call[f"{other}_sid"], "call:peer-rejoined", {"call_id": call_id, "role": role}
            )
        log_event(log, "call.rejoined", call_id=call_id, role=role)
        view = public_view(call) | {"role": role, "ice_restart": True}
        # peer_present: everyone else is there; a three-party room also says who is (``present``).
        view["peer_present"] = len(present) == len(others(call, role))
        if RELAY_INTERPRETER in call:
            view["present"] = present
        return view

    async def socket_closed(self, who: Principal, sid: str) -> None:
        """A socket went away: end what it was doing, or start the grace period of its active call."""
        if who.role == Role.INTERPRETER:
            presence = await self._presence.get(who.user_id)
            if presence is None or presence.sid != sid:
                return
            if presence.state == PresenceState.RINGING and presence.call_id:
                try:
                    await self._hunt.release_ring(presence.call_id, who.user_id, None, PresenceState.OFFLINE)
                except (Conflict, NotFound):  # the call moved on meanwhile
                    await self._presence.go_offline(who.user_id, sid=sid)
                return
            if presence.state != PresenceState.IN_CALL or presence.call_id is None:
                await self._presence.go_offline(who.user_id, sid=sid)
                return
            call_id: str | None = presence.call_id
        else:
            ref = await self._store.get(caseworker_key(who.user_id))
            call_id = ref.value["call_id"] if ref else None
        if call_id is None:
            return
        entry = await self._store.get(call_key(call_id))
        if entry is None:
            return
        call = entry.value
        role = seat_of(call, who.user_id)
        if role is None or call[f"{role}_sid"] != sid:
            return  # another socket of this user holds the call
        if call["state"] in (CallState.SEARCHING, CallState.RINGING):
            await self.endings.finish(call_id, Outcome.CANCELLED)
            return
        await self.endings.start_grace(call_id, role, sid)

    # -- timers that survive a lost node ---------------------------------------------------------

    def start_sweeping(self) -> None:
        """Every node sweeps all live calls periodically; late or repeated sweeps are harmless."""
        self._clock.call_later(
            self._timings.sweep_interval_s, lambda: self._tasks.spawn(self._sweep_then_rearm())
        )

    async def _sweep_then_rearm(self) -> None:
        try:
            await self.sweep()
        finally:
            self.start_sweeping()

    async def sweep(self) -> None:
        """Apply every overdue deadline: a ring nobody timed out, a grace nobody expired, a stalled search.

        The timers of the node that set a deadline normally act first; this catches what a node that
        died (or restarted) left behind, through the same compare-and-set transitions.
        """
        now = self._clock.now().timestamp()
        for call_id in await self._store.set_members(LIVE_CALLS):
            entry = await self._store.get(call_key(call_id))
            if entry is None:
                await self._store.set_remove(LIVE_CALLS, call_id)
                continue
            call = entry.value
            state = call["state"]
            if state == CallState.RINGING and call["ring_deadline"] + SWEEP_SLACK_S < now:
                await self._hunt.ring_timed_out(CallId(call_id), UserId(call["interpreter"]), call["attempt"])
            elif state == CallState.SEARCHING and call["searching_since"] + SWEEP_SLACK_S < now:
                await self._hunt.ring_next(CallId(call_id))
            for role, deadline in call["disconnected"].items():
                if deadline + SWEEP_SLACK_S < now:
                    await self.endings.grace_expired(call_id, role, deadline)
