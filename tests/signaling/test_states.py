"""The transition tables are the lifecycle: every pair they list is allowed, every other is refused."""

from __future__ import annotations

import itertools

import pytest

from core.errors import Conflict
from signaling.states import (
    CALL_TRANSITIONS,
    OUTCOMES_FROM,
    PRESENCE_TRANSITIONS,
    CallState,
    Outcome,
    PresenceState,
    check_call_transition,
    check_outcome,
    check_presence_transition,
)


@pytest.mark.parametrize(("current", "new"), list(itertools.product(CallState, CallState)))
def test_call_transitions_follow_the_table(current: CallState, new: CallState) -> None:
    if new in CALL_TRANSITIONS[current]:
        check_call_transition(current, new)
    else:
        with pytest.raises(Conflict):
            check_call_transition(current, new)


@pytest.mark.parametrize(("current", "outcome"), list(itertools.product(CallState, Outcome)))
def test_outcomes_follow_the_table(current: CallState, outcome: Outcome) -> None:
    if outcome in OUTCOMES_FROM[current]:
        check_outcome(current, outcome)
    else:
        with pytest.raises(Conflict):
            check_outcome(current, outcome)


@pytest.mark.parametrize(("current", "new"), list(itertools.product(PresenceState, PresenceState)))
def test_presence_transitions_follow_the_table(current: PresenceState, new: PresenceState) -> None:
    if new == current or new in PRESENCE_TRANSITIONS[current]:
        check_presence_transition(current, new)
    else:
        with pytest.raises(Conflict):
            check_presence_transition(current, new)


def test_ended_is_terminal_and_every_live_state_can_end() -> None:
    assert CALL_TRANSITIONS[CallState.ENDED] == frozenset()
    for state in (CallState.SEARCHING, CallState.RINGING, CallState.ACTIVE):
        assert CallState.ENDED in CALL_TRANSITIONS[state]
        assert OUTCOMES_FROM[state]


def test_every_outcome_is_reachable() -> None:
    assert set().union(*OUTCOMES_FROM.values()) == set(Outcome)


def test_an_interpreter_can_always_go_offline() -> None:
    for state in PresenceState:
        if state != PresenceState.OFFLINE:
            assert PresenceState.OFFLINE in PRESENCE_TRANSITIONS[state]
