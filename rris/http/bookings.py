"""Scheduled bookings over HTTP: caseworkers book, coordinators assign, interpreters answer offers.

Who sees a booking: its organisation's staff, the interpreter it is assigned to, and the operator's
coordinators and admins. A booking someone cannot see answers 404, exactly like a missing one, so ids of
other organisations' bookings cannot be probed. The routes are described in ``docs/openapi-bookings.yaml``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Literal

from aiohttp import web
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    field_validator,
)

from core.accounts import Principal, Role
from core.errors import InvalidInput, NotFound
from core.ids import UserId
from rris.http.auth import read_json, require_session
from rris.http.idempotency import idempotency_key
from rris.http.keys import services
from rris.http.query import limit_param
from scheduler.booking_access import (
    calendar_shows,
    listing_scope,
    require_may_assign,
    require_may_book,
    require_may_cancel,
    require_may_read_calendar,
    require_offered_to,
    sees,
)
from scheduler.booking_states import BookingState
from scheduler.bookings import Booking, BookingRequest
from scheduler.constraints import Specialisation
from scheduler.icalendar_feed import FeedBooking, FeedStatus, render_feed
from scheduler.icalendar_feed import Modality as FeedModality
from scheduler.requirements import MAX_ATTRIBUTES, MAX_EXCLUDED, BookingRequirements

MAX_DURATION_MIN = 12 * 60
MAX_DAYS_AHEAD = 2 * 366  # keeps every booking inside what a calendar feed can state
FEED_PAST = timedelta(days=90)  # how far back the calendar feed reaches
# A finished booking was confirmed and its time kept: the calendar keeps showing it as such.
FEED_STATUS = {
    BookingState.CONFIRMED: FeedStatus.CONFIRMED,
    BookingState.COMPLETED: FeedStatus.CONFIRMED,
    BookingState.NO_SHOW: FeedStatus.CONFIRMED,
    BookingState.CANCELLED: FeedStatus.CANCELLED,
}

Text = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=35)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class ApplicantAttribute(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Text
    value: Text


class NewBooking(BaseModel):
    """A booking request; everything after ``modality`` is optional and constrains the matching."""

    model_config = ConfigDict(extra="forbid")
    language: Tag
    dialect: Text | None = None
    start: AwareDatetime
    duration_min: Annotated[StrictInt, Field(gt=0, le=MAX_DURATION_MIN)]
    modality: Literal["video", "audio"]
    counterpart_language: Tag | None = None
    gender: Literal["female", "male", "non_binary"] | None = None
    specialisations: Annotated[list[Specialisation], Field(max_length=len(Specialisation))] = []
    min_accreditation: Literal["none", "trained", "certified", "sworn"] = "none"
    excluded_interpreters: Annotated[list[Id], Field(max_length=MAX_EXCLUDED)] = []
    applicant_attributes: Annotated[list[ApplicantAttribute], Field(max_length=MAX_ATTRIBUTES)] = []
    preferred_interpreter: Id | None = None

    def requirements(self) -> BookingRequirements:
        return BookingRequirements.parse(
            {
                "gender": self.gender,
                "specialisations": self.specialisations,
                "min_accreditation": self.min_accreditation,
                "excluded": self.excluded_interpreters,
                "applicant_attributes": [a.model_dump() for a in self.applicant_attributes],
                "preferred_interpreter": self.preferred_interpreter,
                "counterpart_language": self.counterpart_language,
            }
        )

    @field_validator("start", mode="before")
    @classmethod
    def _iso_text(cls, value: object) -> object:
        # Pydantic would also read a number as a Unix time; the API promises ISO 8601 with an offset.
        if not isinstance(value, str):
            raise ValueError("start must be an ISO 8601 date-time with an offset")
        return value


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    interpreter_id: Annotated[str, StringConstraints(min_length=1, max_length=32)]


class Acceptance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Annotated[StrictInt, Field(ge=1)]


def booking_json(booking: Booking, who: Principal | None = None) -> dict[str, object]:
    """The booking as its viewer may see it: interpreters do not see the applicant's attributes, the
    exclusions or why others were (not) chosen; staff of the organisation and coordinators do."""
    shown: dict[str, object] = {
        "id": booking.id,
        "organisation_id": booking.organisation_id,
        "caseworker_id": booking.caseworker_id,
        "language": booking.language.tag,
        "dialect": booking.dialect,
        "start": booking.interval.start_utc.isoformat(),
        "end": booking.interval.end_utc.isoformat(),
        "duration_min": booking.interval.duration // timedelta(minutes=1),
        "modality": booking.modality.value,
        "state": booking.state.value,
        "interpreter_id": booking.interpreter_id,
        "pivot_language": booking.pivot_language.tag if booking.pivot_language else None,
        "relay_interpreter_id": booking.relay_interpreter_id,
        "created_at": booking.created_at.isoformat(),
        "version": booking.version,
    }
    if who is not None and who.role is not Role.INTERPRETER:
        shown["requirements"] = json.loads(booking.requirements.to_json())
        shown["explanation"] = booking.explanation
    return shown


async def _visible_booking(request: web.Request, who: Principal) -> Booking:
    booking = await services(request).bookings.get(request.match_info["booking_id"])
    if not sees(who, booking):
        raise NotFound("no such booking")
    return booking


async def create_booking(request: web.Request) -> web.Response:
    who = require_session(request).principal
    require_may_book(who)
    key = idempotency_key(request)
    body = NewBooking.model_validate(await read_json(request))
    svc = services(request)
    if body.start - svc.clock.now() > timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(f"a booking can start at most {MAX_DAYS_AHEAD} days ahead")
    booking_request = BookingRequest.parse(
        who.organisation_id,
        who.user_id,
        body.language,
        body.start,
        body.start + timedelta(minutes=body.duration_min),
        body.modality,
        body.dialect,
        body.requirements(),
    )
    booking, created = await svc.engine.book(booking_request, key)
    return web.json_response(booking_json(booking, who), status=201 if created else 200)


async def list_bookings(request: web.Request) -> web.Response:
    who = require_session(request).principal
    limit = limit_param(request)
    scope = listing_scope(who)
    found = await services(request).bookings.visible(
        organisation_id=scope.organisation_id, interpreter_id=scope.interpreter_id, limit=limit
    )
    return web.json_response({"bookings": [booking_json(b, who) for b in found]})


async def get_booking(request: web.Request) -> web.Response:
    who = require_session(request).principal
    return web.json_response(booking_json(await _visible_booking(request, who), who))


async def cancel_booking(request: web.Request) -> web.Response:
    who = require_session(request).principal
    booking = await _visible_booking(request, who)
    require_may_cancel(who, booking)
    return web.json_response(booking_json(await services(request).engine.cancel(booking.id), who))


async def assign_booking(request: web.Request) -> web.Response:
    who = require_session(request).principal
    booking = await _visible_booking(request, who)
    require_may_assign(who)
    body = Assignment.model_validate(await read_json(request))
    assigned = await services(request).engine.assign_by_hand(booking.id, UserId(body.interpreter_id))
    return web.json_response(booking_json(assigned, who))


async def accept_booking(request: web.Request) -> web.Response:
    who = require_session(request).principal
    booking = await _visible_booking(request, who)
    require_offered_to(who, booking)
    body = Acceptance.model_validate(await read_json(request))
    accepted = await services(request).engine.accept(booking.id, who.user_id, body.version)
    return web.json_response(booking_json(accepted, who))


async def decline_booking(request: web.Request) -> web.Response:
    who = require_session(request).principal
    booking = await _visible_booking(request, who)
    require_offered_to(who, booking)
    declined = await services(request).engine.decline(booking.id, who.user_id)
    return web.json_response(booking_json(declined, who))


async def withdraw_booking(request: web.Request) -> web.Response:
    """An interpreter gives back a booking they accepted; the engine offers it to someone else."""
    who = require_session(request).principal
    booking = await _visible_booking(request, who)
    require_offered_to(who, booking)
    withdrawn = await services(request).engine.withdraw(booking.id, who.user_id)
    return web.json_response(booking_json(withdrawn, who))


async def interpreter_calendar(request: web.Request) -> web.Response:
    who = require_session(request).principal
    interpreter_id = UserId(request.match_info["interpreter_id"])
    require_may_read_calendar(who, interpreter_id)
    svc = services(request)
    interpreter = await svc.accounts.principal(interpreter_id)
    if interpreter is None or interpreter.role is not Role.INTERPRETER:
        raise NotFound("no such interpreter")
    now = svc.clock.now()
    entries = await svc.bookings.feed_entries(interpreter_id, frozenset(FEED_STATUS), now - FEED_PAST)
    entries = [(b, name) for b, name in entries if calendar_shows(who, interpreter_id, b)]
    feed = render_feed(
        f"RRIS bookings: {interpreter.display_name}",
        [_feed_booking(booking, organisation_name) for booking, organisation_name in entries],
        now,
    )
    return web.Response(text=feed, content_type="text/calendar", charset="utf-8")


def _feed_booking(booking: Booking, organisation_name: str) -> FeedBooking:
    status = FEED_STATUS[booking.state]
    return FeedBooking(
        booking_id=booking.id,
        start_utc=booking.interval.start_utc,
        end_utc=booking.interval.end_utc,
        language=booking.language,
        # langcodes needs the optional language_data package for names; the tag is what we have.
        language_name=booking.language.tag,
        dialect=booking.dialect,
        organisation_name=organisation_name,
        modality=FeedModality(booking.modality.value),
        status=status,
        # No change time is stored; the version says the cancelled event supersedes the confirmed one.
        last_modified_utc=booking.created_at,
        sequence=1 if status is FeedStatus.CANCELLED else 0,
    )


def routes() -> list[web.RouteDef]:
    return [
        web.post("/api/bookings", create_booking),
        web.get("/api/bookings", list_bookings),
        web.get("/api/bookings/{booking_id}", get_booking),
        web.post("/api/bookings/{booking_id}/cancel", cancel_booking),
        web.post("/api/bookings/{booking_id}/assign", assign_booking),
        web.post("/api/bookings/{booking_id}/accept", accept_booking),
        web.post("/api/bookings/{booking_id}/decline", decline_booking),
        web.post("/api/bookings/{booking_id}/withdraw", withdraw_booking),
        web.get("/api/interpreters/{interpreter_id}/calendar.ics", interpreter_calendar),
    ]
