"""The live call document: its keys in the state store, its shape, and what is told or recorded of it.

A call lives in the :class:`~core.state_store.StateStore` as one JSON document, changed only by
compare-and-set (see :mod:`signaling.calls`); this module knows its fields.

A call has a seat per participant role, each with the user (``<role>``) and the socket holding it
(``<role>_sid``): the caseworker and the interpreter, plus, in a relay booking's room only, the
from-pivot interpreter (``relay_interpreter``). Every other participant can be reached from a seat, so
negotiation in a three-party room names its target (:func:`relay_target`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.accounts import Principal
from core.errors import Forbidden, InvalidInput, NotFound
from core.ids import CallId, OrganisationId, UserId
from core.state_store import Document, StateStore
from signaling.records import CallRecord
from signaling.states import CallState

CASEWORKER = "caseworker"
INTERPRETER = "interpreter"  # in a relay booking's room, the to-pivot interpreter
RELAY_INTERPRETER = "relay_interpreter"  # the from-pivot interpreter: relay booking rooms only
TWO_SEATS = (CASEWORKER, INTERPRETER)
THREE_SEATS = (CASEWORKER, INTERPRETER, RELAY_INTERPRETER)  # the order also says who offers to whom


def call_key(call_id: str) -> str:
    return f"call:{call_id}"


def caseworker_key(user_id: str) -> str:
    return f"caseworker-call:{user_id}"


LIVE_CALLS = "calls:live"  # every live call id, so any node can sweep for overdue deadlines


async def read_call(store: StateStore, call_id: str) -> Document:
    entry = await store.get(call_key(call_id))
    if entry is None:
        raise NotFound("no such call")
    return entry.value


def roles_of(call: Document) -> tuple[str, ...]:
    """Every seat of the call, in order: two, or three in a relay booking's room."""
    return THREE_SEATS if RELAY_INTERPRETER in call else TWO_SEATS


def role_in(call: Document, user_id: str) -> str:
    """The sender's seat; an interpreter has one only once the call is active (accepted or booked)."""
    if call["caseworker"] == user_id:
        return CASEWORKER
    if call["state"] == CallState.ACTIVE:
        if call["interpreter"] == user_id:
            return INTERPRETER
        if call.get(RELAY_INTERPRETER) == user_id:
            return RELAY_INTERPRETER
    raise Forbidden("you are not a participant of this call")


def seat_of(call: Document, user_id: str) -> str | None:
    """Which seat ``user_id`` has, whatever the call's state; None for anyone else."""
    return next((role for role in roles_of(call) if call[role] == user_id), None)


def others(call: Document, role: str) -> tuple[str, ...]:
    return tuple(r for r in roles_of(call) if r != role)


def relay_target(call: Document, sender: str, to: str | None) -> str:
    """The seat a negotiation message from ``sender`` goes to.

    ``to`` must name another seat of this call; it may be left out where there is exactly one other (a
    two-party call), so two-party clients need not know of it. Refused as :class:`InvalidInput`.
    """
    if to is None:
        if RELAY_INTERPRETER in call:
            raise InvalidInput("to: name the participant this is for; three take part in this room")
        return INTERPRETER if sender == CASEWORKER else CASEWORKER
    if to == sender:
        raise InvalidInput("to: you cannot send negotiation to yourself")
    if to not in roles_of(call):
        raise InvalidInput(f"to: this call has no {to}")
    return to


def public_view(call: Document) -> dict[str, Any]:
    """What participants are told about a call (no socket ids, no other users' names)."""
    view = {
        "call_id": call["id"],
        "state": call["state"],
        "language": call["language"],
        "organisation": call["organisation_name"],
        "attempt": call["attempt"],
    }
    recording = recording_view(call)
    if recording is not None:  # a rejoining client shows the indicator and reopens its recording leg
        view["recording"] = recording
    return view


def recording_view(call: Document) -> dict[str, Any] | None:
    """The consent and recording state everyone in the call sees (:mod:`signaling.call_recording`)."""
    recording = call.get("recording")
    if not recording:
        return None
    consents = list(recording["consents"])
    return {
        "call_id": call["id"],
        "state": recording["state"],
        "consents": consents,
        "waiting_for": [seat for seat in roles_of(call) if seat not in consents],
        "recording_id": recording.get("id"),
    }


def new_call(
    call_id: CallId, who: Principal, sid: str, language: str, gender: str | None, now: datetime
) -> Document:
    """A new request, searching; deadlines are stored so any node can apply them (see ``sweep``)."""
    return {
        "id": call_id,
        "state": CallState.SEARCHING,
        "organisation_id": who.organisation_id,
        "organisation_name": who.organisation_name,
        "caseworker": who.user_id,
        "caseworker_sid": sid,
        "interpreter": None,
        "interpreter_sid": None,
        "language": language,
        "gender": gender,
        "attempt": 0,
        "tried": [],
        "requested_at": now.isoformat(),
        "rung_at": None,
        "answered_at": None,
        "ring_deadline": None,
        "searching_since": now.timestamp(),
        "disconnected": {},
    }


def booked_call(
    call_id: CallId,
    booking_id: str,
    organisation_id: OrganisationId,
    organisation_name: str,
    caseworker_id: UserId,
    interpreter_id: UserId,
    language: str,
    now: datetime,
    closes_at: datetime,
    relay_interpreter_id: UserId | None = None,
) -> Document:
    """A booked room: active from the start, every participant known, nobody joined yet.

    Each side starts out "disconnected" with ``closes_at`` as its deadline, so the room waits for them
    until the booking closes instead of ending after one grace period, and the same sweep applies it.
    A relay booking's room has a third seat, for its from-pivot interpreter.
    """
    closes = closes_at.timestamp()
    call: Document = {
        "id": call_id,
        "state": CallState.ACTIVE,
        "organisation_id": organisation_id,
        "organisation_name": organisation_name,
        "caseworker": caseworker_id,
        "caseworker_sid": None,
        "interpreter": interpreter_id,
        "interpreter_sid": None,
        "language": language,
        "gender": None,
        "attempt": 0,
        "tried": [],
        "requested_at": now.isoformat(),
        "rung_at": None,
        "answered_at": None,
        "ring_deadline": None,
        "searching_since": None,
        "disconnected": {CASEWORKER: closes, INTERPRETER: closes},
        "booking": {"id": booking_id, "closes_at": closes},
    }
    if relay_interpreter_id is not None:
        call |= {RELAY_INTERPRETER: relay_interpreter_id, f"{RELAY_INTERPRETER}_sid": None}
        call["disconnected"][RELAY_INTERPRETER] = closes
    return call


def booking_of(call: Document) -> Document | None:
    """``{"id", "closes_at"}`` of the booking a booked room serves; None for an on-demand call."""
    booking: Document | None = call.get("booking")
    return booking


def absence_deadline(call: Document, now_s: float, grace_s: float) -> float:
    """When a side whose socket just closed is given up: after the grace period, and never before a
    booked room closes (a participant may step out of a booked session and come back)."""
    booking = booking_of(call)
    return max(now_s + grace_s, booking["closes_at"]) if booking else now_s + grace_s


def record_of(call: Document) -> CallRecord:
    """The durable facts of a live call document (who, when, how it ended; never content)."""

    def ts(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return CallRecord(
        id=CallId(call["id"]),
        organisation_id=call["organisation_id"],
        caseworker_id=call["caseworker"],
        interpreter_id=call["interpreter"] if call["answered_at"] else None,
        language=call["language"],
        requested_gender=call["gender"],
        requested_at=datetime.fromisoformat(call["requested_at"]),
        rung_at=ts(call["rung_at"]),
        answered_at=ts(call["answered_at"]),
        ended_at=ts(call.get("ended_at")),
        outcome=call.get("outcome"),
        ring_attempts=call["attempt"],
    )
