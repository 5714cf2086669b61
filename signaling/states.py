"""The call lifecycle and interpreter presence as tables: every change is checked against them."""

from __future__ import annotations

from enum import StrEnum

from core.errors import Conflict


class CallState(StrEnum):
    SEARCHING = "searching"  # looking for the next free interpreter
    RINGING = "ringing"  # one interpreter is being rung
    ACTIVE = "active"  # accepted: media is negotiated between the two participants
    ENDED = "ended"  # terminal; the outcome says how


class Outcome(StrEnum):
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_INTERPRETER = "no_interpreter"
    DROPPED = "dropped"


CALL_TRANSITIONS: dict[CallState, frozenset[CallState]] = {
    CallState.SEARCHING: frozenset({CallState.RINGING, CallState.ENDED}),
    CallState.RINGING: frozenset({CallState.SEARCHING, CallState.ACTIVE, CallState.ENDED}),
    CallState.ACTIVE: frozenset({CallState.ENDED}),
    CallState.ENDED: frozenset(),
}

# Which outcomes can close a call from which state.
OUTCOMES_FROM: dict[CallState, frozenset[Outcome]] = {
    CallState.SEARCHING: frozenset({Outcome.CANCELLED, Outcome.NO_INTERPRETER}),
    CallState.RINGING: frozenset({Outcome.CANCELLED}),
    CallState.ACTIVE: frozenset({Outcome.COMPLETED, Outcome.DROPPED}),
    CallState.ENDED: frozenset(),
}


class PresenceState(StrEnum):
    AWAY = "away"  # connected, not taking calls (also after a missed ring)
    STANDBY = "standby"  # free to be rung
    RINGING = "ringing"
    IN_CALL = "in_call"
    OFFLINE = "offline"  # no live socket; stored as the absence of a presence document


# Into IN_CALL from OFFLINE, AWAY or STANDBY: joining a booked room; IN_CALL -> AWAY: a booked session ended.
PRESENCE_TRANSITIONS: dict[PresenceState, frozenset[PresenceState]] = {
    PresenceState.OFFLINE: frozenset({PresenceState.AWAY, PresenceState.STANDBY, PresenceState.IN_CALL}),
    PresenceState.AWAY: frozenset({PresenceState.STANDBY, PresenceState.IN_CALL, PresenceState.OFFLINE}),
    PresenceState.STANDBY: frozenset(
        {PresenceState.AWAY, PresenceState.RINGING, PresenceState.IN_CALL, PresenceState.OFFLINE}
    ),
    PresenceState.RINGING: frozenset(
        {PresenceState.STANDBY, PresenceState.AWAY, PresenceState.IN_CALL, PresenceState.OFFLINE}
    ),
    PresenceState.IN_CALL: frozenset({PresenceState.STANDBY, PresenceState.AWAY, PresenceState.OFFLINE}),
}


def check_call_transition(current: CallState, new: CallState) -> None:
    if new not in CALL_TRANSITIONS[current]:
        raise Conflict(f"a call cannot go from {current} to {new}")


def check_outcome(current: CallState, outcome: Outcome) -> None:
    if outcome not in OUTCOMES_FROM[current]:
        raise Conflict(f"a {current} call cannot end as {outcome}")


def check_presence_transition(current: PresenceState, new: PresenceState) -> None:
    if new != current and new not in PRESENCE_TRANSITIONS[current]:
        raise Conflict(f"presence cannot go from {current} to {new}")
