"""A booking's life as a table: every change of state is checked against it."""

from __future__ import annotations

from enum import StrEnum

from core.errors import Conflict


class BookingState(StrEnum):
    REQUESTED = "requested"  # waiting for an interpreter (again, after a decline or an expired offer)
    OFFERED = "offered"  # offered to one interpreter, whose time is held until they answer
    CONFIRMED = "confirmed"  # the interpreter accepted
    COMPLETED = "completed"  # terminal: the session took place
    NO_SHOW = "no_show"  # terminal: the session did not take place although the time was kept
    CANCELLED = "cancelled"  # terminal: called off before it took place


BOOKING_TRANSITIONS: dict[BookingState, frozenset[BookingState]] = {
    BookingState.REQUESTED: frozenset({BookingState.OFFERED, BookingState.CANCELLED}),
    # Back to REQUESTED when the interpreter declines or the offer expires.
    BookingState.OFFERED: frozenset({BookingState.CONFIRMED, BookingState.REQUESTED, BookingState.CANCELLED}),
    # Back to REQUESTED when the interpreter withdraws before the start (the engine offers it again).
    BookingState.CONFIRMED: frozenset(
        {BookingState.COMPLETED, BookingState.NO_SHOW, BookingState.CANCELLED, BookingState.REQUESTED}
    ),
    BookingState.COMPLETED: frozenset(),
    BookingState.NO_SHOW: frozenset(),
    BookingState.CANCELLED: frozenset(),
}

LIVE_STATES = frozenset(state for state, onward in BOOKING_TRANSITIONS.items() if onward)

# States in which the booking's interpreter assignment is active, i.e. the interpreter's time is taken.
HOLDS_SLOT = frozenset(
    {BookingState.OFFERED, BookingState.CONFIRMED, BookingState.COMPLETED, BookingState.NO_SHOW}
)


def check_booking_transition(current: BookingState, new: BookingState) -> None:
    if new not in BOOKING_TRANSITIONS[current]:
        raise Conflict(f"a booking cannot go from {current} to {new}")
