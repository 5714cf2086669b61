"""Who may see and act on a booking, and who may be assigned to it: the rules, apart from any transport.

A booking someone cannot see is, to them, a booking that does not exist (the edge answers 404 alike).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts import Principal, Role
from core.errors import Forbidden, InvalidInput
from core.ids import OrganisationId, UserId
from scheduler.bookings import Booking


class InterpreterUnsuitable(InvalidInput):
    """The interpreter does not work in the booking's language or does not serve its organisation."""

    code = "interpreter_unsuitable"


def sees(who: Principal, booking: Booking) -> bool:
    if who.sees_all_organisations:
        return True
    if who.role is Role.INTERPRETER:
        return who.user_id in booking.interpreters
    return booking.organisation_id == who.organisation_id


@dataclass(frozen=True)
class ListingScope:
    """Which bookings a listing may return: one organisation's, one interpreter's, or (both None) all."""

    organisation_id: OrganisationId | None = None
    interpreter_id: UserId | None = None


def listing_scope(who: Principal) -> ListingScope:
    if who.sees_all_organisations:
        return ListingScope()
    if who.role is Role.INTERPRETER:
        return ListingScope(interpreter_id=who.user_id)
    return ListingScope(organisation_id=who.organisation_id)


def require_may_book(who: Principal) -> None:
    if who.role is not Role.CASEWORKER:
        raise Forbidden("only caseworkers book interpreters")


def require_may_read_calendar(who: Principal, interpreter_id: UserId) -> None:
    if who.user_id != interpreter_id and who.role is not Role.COORDINATOR:
        raise Forbidden("only the interpreter or a coordinator may read this calendar")


def calendar_shows(who: Principal, interpreter_id: UserId, booking: Booking) -> bool:
    """An authority's coordinator sees the interpreter's time with their own organisation only."""
    return (
        who.user_id == interpreter_id
        or who.sees_all_organisations
        or booking.organisation_id == who.organisation_id
    )


def require_may_cancel(who: Principal, booking: Booking) -> None:
    if who.user_id != booking.caseworker_id and who.role is not Role.COORDINATOR:
        raise Forbidden("only the booking's caseworker or a coordinator may cancel it")


def require_may_assign(who: Principal) -> None:
    if who.role is not Role.COORDINATOR:
        raise Forbidden("only coordinators assign interpreters by hand")


def require_offered_to(who: Principal, booking: Booking) -> None:
    if who.role is not Role.INTERPRETER or who.user_id not in booking.interpreters:
        raise Forbidden("only the interpreter the booking is offered to may answer the offer")
