"""Who sees and acts on a booking: the rules on their own, whatever the transport."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.accounts import OrganisationKind, Principal, Role
from core.errors import Forbidden
from core.ids import OrganisationId, UserId
from core.languages import LanguageTag
from scheduler.booking_access import (
    calendar_shows,
    listing_scope,
    require_may_assign,
    require_may_book,
    require_may_cancel,
    require_offered_to,
    sees,
)
from scheduler.booking_states import BookingState
from scheduler.bookings import Booking, BookingId, Modality
from scheduler.intervals import Interval

OFFICE_A, OFFICE_B, POOL = OrganisationId("a"), OrganisationId("b"), OrganisationId("pool")
START = datetime(2026, 4, 1, 7, tzinfo=UTC)


def person(user: str, role: Role, org: OrganisationId) -> Principal:
    kind = OrganisationKind.OPERATOR if org == POOL else OrganisationKind.AUTHORITY
    return Principal(UserId(user), org, kind, role, user, str(org))


BOOKING = Booking(
    id=BookingId("b1"),
    organisation_id=OFFICE_A,
    caseworker_id=UserId("cw.a"),
    language=LanguageTag.parse("ps"),
    dialect=None,
    interval=Interval(START, START + timedelta(hours=1)),
    modality=Modality("video"),
    state=BookingState.OFFERED,
    interpreter_id=UserId("int.1"),
    created_at=START - timedelta(days=1),
    version=2,
)
CW_A = person("cw.a", Role.CASEWORKER, OFFICE_A)
CW_A2 = person("cw.a2", Role.CASEWORKER, OFFICE_A)
CW_B = person("cw.b", Role.CASEWORKER, OFFICE_B)
COORD_A = person("coord.a", Role.COORDINATOR, OFFICE_A)
COORD_POOL = person("coord", Role.COORDINATOR, POOL)
OFFERED = person("int.1", Role.INTERPRETER, POOL)
OTHER_INTERPRETER = person("int.2", Role.INTERPRETER, POOL)


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        (CW_A, True),
        (CW_A2, True),
        (CW_B, False),
        (COORD_A, True),
        (COORD_POOL, True),
        (OFFERED, True),
        (OTHER_INTERPRETER, False),
    ],
)
def test_who_sees_a_booking(who: Principal, visible: bool) -> None:
    assert sees(who, BOOKING) is visible


def test_listing_scopes() -> None:
    assert listing_scope(COORD_POOL).organisation_id is None
    assert listing_scope(COORD_POOL).interpreter_id is None
    assert listing_scope(CW_B).organisation_id == OFFICE_B
    assert listing_scope(OFFERED).interpreter_id == OFFERED.user_id


def test_only_caseworkers_book_only_coordinators_assign() -> None:
    require_may_book(CW_A)
    require_may_assign(COORD_A)
    for who in (COORD_A, OFFERED):
        with pytest.raises(Forbidden):
            require_may_book(who)
    for who in (CW_A, OFFERED):
        with pytest.raises(Forbidden):
            require_may_assign(who)


def test_the_requester_or_a_coordinator_cancels_and_only_the_offered_interpreter_answers() -> None:
    require_may_cancel(CW_A, BOOKING)
    require_may_cancel(COORD_A, BOOKING)
    with pytest.raises(Forbidden):
        require_may_cancel(CW_A2, BOOKING)
    require_offered_to(OFFERED, BOOKING)
    for who in (OTHER_INTERPRETER, CW_A):
        with pytest.raises(Forbidden):
            require_offered_to(who, BOOKING)


def test_an_authority_coordinator_sees_only_their_own_organisations_time_in_a_calendar() -> None:
    assert calendar_shows(OFFERED, OFFERED.user_id, BOOKING)
    assert calendar_shows(COORD_POOL, OFFERED.user_id, BOOKING)
    assert calendar_shows(COORD_A, OFFERED.user_id, BOOKING)
    coord_b = person("coord.b", Role.COORDINATOR, OFFICE_B)
    assert not calendar_shows(coord_b, OFFERED.user_id, BOOKING)
