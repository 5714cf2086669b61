"""Consent to record a call: asked by the caseworker, confirmed by every participant, visible to all.

Recording is off unless the call's organisation allows it (:class:`RecordingArchive.refusal`). The
caseworker asks (``recording:request``), which is their own confirmation, and also their statement that
the applicant beside them agreed; each interpreter then agrees or declines (``recording:consent``).
Only when every seat of the call agreed does the archive begin a recording, and every participant is
told at each step (``recording:state``), so the indicator is on before any audio can reach the
recorder: no recording ever starts silently. Anyone may stop it at any time (``recording:stop``), and it
stops when the call ends.

The state lives in the call document (``recording``), changed by compare-and-set like the rest::

    asking --every seat agreed--> starting --archive began--> recording --stop / call ended--> stopped
    asking --a decline--> declined              asking/starting --stop--> stopped

``starting`` is taken by exactly one compare-and-set, so two last consents cannot begin two recordings.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from core.accounts import Principal, Role
from core.errors import Conflict, DomainError, Forbidden
from core.logging import log_event
from core.state_store import Document, StateStore
from signaling.call_documents import CASEWORKER, call_key, read_call, recording_view, role_in, roles_of
from signaling.live import update
from signaling.states import CallState

log = logging.getLogger("rris.recording")

ASKING, STARTING, RECORDING, DECLINED, STOPPED = "asking", "starting", "recording", "declined", "stopped"
OPEN = (ASKING, STARTING, RECORDING)


class RecordingForbidden(DomainError):
    """This call cannot be recorded: the organisation's policy does not allow it."""

    code = "recording_forbidden"


class RecordingArchive(Protocol):
    """Where recordings are made and kept (:class:`media.recordings.Recordings`)."""

    async def refusal(self, organisation_id: str) -> str | None: ...

    async def begin(
        self,
        call_id: str,
        organisation_id: str,
        caseworker_id: str,
        language: str,
        consents: Sequence[tuple[str, str]],
    ) -> str: ...

    async def stop(self, recording_id: str, by: str | None, reason: str) -> None: ...


class NoArchive:
    """Nothing is ever recorded (a deployment or test without the media side)."""

    async def refusal(self, organisation_id: str) -> str | None:
        return "recording is not available on this server"

    async def begin(
        self,
        call_id: str,
        organisation_id: str,
        caseworker_id: str,
        language: str,
        consents: Sequence[tuple[str, str]],
    ) -> str:
        raise Conflict("recording is not available on this server")

    async def stop(self, recording_id: str, by: str | None, reason: str) -> None:
        return None


class Notifier(Protocol):
    async def send(self, sid: str, event: str, payload: dict[str, Any]) -> None: ...


class CallRecording:
    def __init__(self, store: StateStore, notifier: Notifier, archive: RecordingArchive) -> None:
        self._store = store
        self._notify = notifier
        self.archive = archive

    async def allowed_for(self, who: Principal) -> bool:
        """Whether ``who``'s calls may be recorded at all (the console shows the button only then)."""
        return who.role == Role.CASEWORKER and await self.archive.refusal(who.organisation_id) is None

    async def request(self, who: Principal, call_id: str) -> dict[str, Any]:
        """The caseworker asks, confirming their own and the applicant's consent."""
        call = await read_call(self._store, call_id)
        if role_in(call, who.user_id) != CASEWORKER:
            raise Forbidden("only the caseworker asks to record a call")
        reason = await self.archive.refusal(call["organisation_id"])
        if reason is not None:
            raise RecordingForbidden(f"this call cannot be recorded: {reason}")

        def change(call: Document) -> Document:
            if call["state"] != CallState.ACTIVE:
                raise Conflict("the call is not active")
            if (call.get("recording") or {}).get("state") in OPEN:
                raise Conflict("recording was already asked for in this call")
            return call | {"recording": {"state": ASKING, "consents": [CASEWORKER], "id": None}}

        _, entry = await update(self._store, call_key(call_id), change, "no such call")
        log_event(log, "recording.asked", call_id=call_id)
        return await self._tell_everyone(entry.value)

    async def consent(self, who: Principal, call_id: str, agree: bool) -> dict[str, Any]:
        """An interpreter agrees or declines; the last agreement starts the recording."""
        role = ""
        complete = False

        def change(call: Document) -> Document:
            nonlocal role, complete
            role = role_in(call, who.user_id)
            recording = dict(call.get("recording") or {})
            if recording.get("state") != ASKING:
                raise Conflict("nobody is asking to record this call now")
            if role in recording["consents"]:
                raise Conflict("you have agreed already")
            if not agree:
                return call | {"recording": recording | {"state": DECLINED, "declined_by": role}}
            consents = [*recording["consents"], role]
            complete = set(consents) == set(roles_of(call))
            state = STARTING if complete else ASKING
            return call | {"recording": recording | {"consents": consents, "state": state}}

        _, entry = await update(self._store, call_key(call_id), change, "no such call")
        log_event(log, "recording.consent", call_id=call_id, role=role, agree=agree)
        view = await self._tell_everyone(entry.value)
        if complete:
            return await self._begin(entry.value)
        return view

    async def _begin(self, call: Document) -> dict[str, Any]:
        call_id = call["id"]
        consents = [(call[seat], seat) for seat in call["recording"]["consents"]]
        try:
            recording_id = await self.archive.begin(
                call_id, call["organisation_id"], call["caseworker"], call["language"], consents
            )
        except DomainError:
            entry = await self._settle(call_id, STARTING, {"state": STOPPED, "failed": True})
            if entry is not None:
                await self._tell_everyone(entry)
            raise
        entry = await self._settle(call_id, STARTING, {"state": RECORDING, "id": recording_id})
        if entry is None:  # stopped or ended while the archive began: nothing may be recorded
            await self.archive.stop(recording_id, None, "stopped before it started")
            raise Conflict("recording was stopped before it started")
        return await self._tell_everyone(entry)

    async def _settle(self, call_id: str, expected: str, change_to: dict[str, Any]) -> Document | None:
        def change(call: Document) -> Document:
            recording = call.get("recording") or {}
            if call["state"] != CallState.ACTIVE or recording.get("state") != expected:
                raise Conflict("recording state moved on")
            return call | {"recording": recording | change_to}

        try:
            _, entry = await update(self._store, call_key(call_id), change)
        except DomainError:
            return None
        return entry.value

    async def stop(self, who: Principal, call_id: str) -> dict[str, Any]:
        """Any participant stops it, or withdraws the question, at any time."""
        stopped: Document = {}

        def change(call: Document) -> Document:
            nonlocal stopped
            role = role_in(call, who.user_id)
            stopped = dict(call.get("recording") or {})
            if stopped.get("state") not in OPEN:
                raise Conflict("this call is not being recorded")
            return call | {"recording": stopped | {"state": STOPPED, "stopped_by": role}}

        _, entry = await update(self._store, call_key(call_id), change, "no such call")
        if stopped.get("id"):
            await self.archive.stop(
                stopped["id"], who.user_id, f"stopped by the {entry.value['recording']['stopped_by']}"
            )
        log_event(log, "recording.stopped", call_id=call_id)
        return await self._tell_everyone(entry.value)

    async def leg_allowed(self, who: Principal, call_id: str) -> tuple[str, str]:
        """The recording id and seat for which ``who`` may send audio to the recorder now."""
        call = await read_call(self._store, call_id)
        seat = role_in(call, who.user_id)
        recording = call.get("recording") or {}
        if recording.get("state") != RECORDING or call["state"] != CallState.ACTIVE:
            raise Conflict("this call is not being recorded")
        return recording["id"], seat

    async def is_recording(self, call_id: str, recording_id: str) -> bool:
        entry = await self._store.get(call_key(call_id))
        if entry is None or entry.value["state"] != CallState.ACTIVE:
            return False
        recording = entry.value.get("recording") or {}
        return bool(recording.get("state") == RECORDING and recording.get("id") == recording_id)

    async def call_ended(self, call: Document) -> None:
        """The call ended (its last document, before ``ended``): a running recording stops with it."""
        recording = call.get("recording") or {}
        if recording.get("id") and recording.get("state") == RECORDING:
            await self.archive.stop(recording["id"], None, "the call ended")

    async def _tell_everyone(self, call: Document) -> dict[str, Any]:
        view = recording_view(call) or {}
        for seat in roles_of(call):
            sid = call.get(f"{seat}_sid")
            if sid:
                await self._notify.send(sid, "recording:state", view)
        return view
