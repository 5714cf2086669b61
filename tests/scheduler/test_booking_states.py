"""The booking transition table is the booking's life: every pair it lists is allowed, every other refused."""

from __future__ import annotations

import itertools

import pytest

from core.errors import Conflict
from scheduler.booking_states import (
    BOOKING_TRANSITIONS,
    HOLDS_SLOT,
    LIVE_STATES,
    BookingState,
    check_booking_transition,
)


@pytest.mark.parametrize(("current", "new"), list(itertools.product(BookingState, BookingState)))
def test_booking_transitions_follow_the_table(current: BookingState, new: BookingState) -> None:
    if new in BOOKING_TRANSITIONS[current]:
        check_booking_transition(current, new)
    else:
        with pytest.raises(Conflict):
            check_booking_transition(current, new)


def test_every_state_has_a_row() -> None:
    assert set(BOOKING_TRANSITIONS) == set(BookingState)


def test_every_live_booking_can_be_cancelled_and_the_terminal_states_are_final() -> None:
    assert {BookingState.REQUESTED, BookingState.OFFERED, BookingState.CONFIRMED} == LIVE_STATES
    for state in LIVE_STATES:
        assert BookingState.CANCELLED in BOOKING_TRANSITIONS[state]
    for state in set(BookingState) - LIVE_STATES:
        assert BOOKING_TRANSITIONS[state] == frozenset()


def test_a_declined_or_expired_offer_goes_back_to_requested() -> None:
    assert BookingState.REQUESTED in BOOKING_TRANSITIONS[BookingState.OFFERED]
    assert BOOKING_TRANSITIONS[BookingState.REQUESTED] == {BookingState.OFFERED, BookingState.CANCELLED}


def test_only_a_confirmed_booking_can_complete_or_be_missed() -> None:
    for state in BookingState:
        ends = {BookingState.COMPLETED, BookingState.NO_SHOW} & BOOKING_TRANSITIONS[state]
        assert bool(ends) == (state is BookingState.CONFIRMED)


def test_every_state_is_reachable_from_requested() -> None:
    seen = {BookingState.REQUESTED}
    frontier = [BookingState.REQUESTED]
    while frontier:
        for onward in BOOKING_TRANSITIONS[frontier.pop()] - seen:
            seen.add(onward)
            frontier.append(onward)
    assert seen == set(BookingState)


def test_a_slot_is_held_from_the_offer_on_and_freed_by_cancelling_or_going_back() -> None:
    assert BookingState.REQUESTED not in HOLDS_SLOT
    assert BookingState.CANCELLED not in HOLDS_SLOT
    assert set(BookingState) - {BookingState.REQUESTED, BookingState.CANCELLED} == HOLDS_SLOT
