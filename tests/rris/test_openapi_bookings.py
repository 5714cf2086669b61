"""docs/openapi-bookings.yaml documents exactly the booking and notification routes the app serves, and holds.

Its request examples are read by the real request model, its error statuses are the edge's, and its schemas
name the fields the routes write.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.accounts import OrganisationKind, Principal, Role
from core.ids import OrganisationId, UserId
from core.interpreters import Accreditation, Gender, Specialisation
from core.languages import LanguageTag
from rris.http.bookings import NewBooking, booking_json
from rris.http.errors import STATUS_BY_CODE
from scheduler.booking_jobs import NO_SHOW_CHECK, ROOM_OPEN, reminder_kind
from scheduler.booking_states import BookingState
from scheduler.booking_types import Booking, BookingId, BookingRequest, Modality
from scheduler.intervals import Interval
from scheduler.requirements import MAX_ATTRIBUTES, MAX_EXCLUDED, BookingRequirements
from tests.support.openapi import METHODS, load_spec, operations, refs, resolve
from tests.support.server import RunningServer

PREFIXES = ("/api/bookings", "/api/notifications")
CALENDAR = "/api/interpreters/{interpreter_id}/calendar.ics"
# An error response's description opens with the codes it may carry: "slot_taken, conflict: ...".
CODES = re.compile(r"^([a-z_]+(?:, [a-z_]+)*): ")


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return load_spec("openapi-bookings.yaml")


def schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    found = spec["components"]["schemas"][name]
    assert isinstance(found, dict)
    return found


def create(spec: dict[str, Any]) -> dict[str, Any]:
    post = spec["paths"]["/api/bookings"]["post"]
    assert isinstance(post, dict)
    return post


def a_booking(requirements: BookingRequirements) -> Booking:
    start = datetime(2030, 3, 4, 8, tzinfo=UTC)
    return Booking(
        id=BookingId("b1"),
        organisation_id=OrganisationId("o1"),
        caseworker_id=UserId("c1"),
        language=LanguageTag.parse("ps-AF"),
        dialect=None,
        interval=Interval(start, start.replace(hour=9)),
        modality=Modality.VIDEO,
        state=BookingState.OFFERED,
        interpreter_id=UserId("i1"),
        created_at=start.replace(month=2),
        version=2,
        requirements=requirements,
        explanation={"mode": "manual", "matched_at": start.isoformat()},
    )


def someone(role: Role) -> Principal:
    return Principal(
        UserId("u1"), OrganisationId("o1"), OrganisationKind.AUTHORITY, role, "Someone", "Office"
    )


async def test_every_booking_and_notification_route_the_app_serves_is_documented_and_nothing_else(
    server: RunningServer, spec: dict[str, Any]
) -> None:
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in server.app.router.routes()
        if route.resource is not None
        and (route.resource.canonical.startswith(PREFIXES) or route.resource.canonical == CALENDAR)
        and route.method.lower() in METHODS
    }
    documented = {(method, path) for method, path, _ in operations(spec)}
    assert served == documented
    assert {("post", "/api/bookings/{booking_id}/withdraw"), ("get", "/api/notifications")} <= served


def test_the_document_is_openapi_3_1_and_every_reference_resolves(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    for reference in refs(spec):
        assert reference.startswith("#/")
        assert resolve(spec, {"$ref": reference}) is not None, reference


def test_every_error_response_names_codes_the_edge_answers_with_that_status(spec: dict[str, Any]) -> None:
    enum = set(schema(spec, "Error")["properties"]["error"]["properties"]["code"]["enum"])
    named: set[str] = set()
    for method, path, operation in operations(spec):
        responses = operation["responses"]
        assert "401" in responses, (method, path)
        assert operation.get("operationId"), (method, path)
        # Reads need the session only; every POST the CSRF token as well (the document's default).
        assert (operation.get("security") == [{"session": []}]) == (method == "get"), (method, path)
        for status, response in responses.items():
            if int(status) < 400:
                continue
            response = resolve(spec, response)
            body = response["content"]["application/json"]
            assert body["schema"] == {"$ref": "#/components/schemas/Error"}, (method, path, status)
            opening = CODES.match(response["description"])
            assert opening, (method, path, status)
            for code in opening.group(1).split(", "):
                assert code in enum, (method, path, code)
                assert STATUS_BY_CODE.get(code) == int(status), (method, path, code)
                named.add(code)
    assert named == enum


def test_the_new_booking_schema_is_the_request_model(spec: dict[str, Any]) -> None:
    documented = schema(spec, "NewBooking")
    assert list(documented["properties"]) == list(NewBooking.model_fields)
    assert set(documented["required"]) == {n for n, f in NewBooking.model_fields.items() if f.is_required()}
    fields = documented["properties"]
    assert fields["excluded_interpreters"]["maxItems"] == MAX_EXCLUDED
    assert fields["applicant_attributes"]["maxItems"] == MAX_ATTRIBUTES
    assert fields["specialisations"]["maxItems"] == len(Specialisation)
    assert fields["specialisations"]["items"]["enum"] == list(Specialisation)
    assert fields["min_accreditation"]["enum"] == [a.label for a in Accreditation]
    assert fields["gender"]["enum"] == [*(g for g in Gender if g is not Gender.UNDISCLOSED), None]


def test_each_request_example_is_read_by_the_api_into_the_requirements_its_booking_shows(
    spec: dict[str, Any],
) -> None:
    post = create(spec)
    requests = post["requestBody"]["content"]["application/json"]["examples"]
    created = post["responses"]["201"]["content"]["application/json"]["examples"]
    assert set(requests) == set(created)
    assert len(requests) >= 2
    for name, example in requests.items():
        body = NewBooking.model_validate(example["value"])
        requirements = body.requirements()
        assert isinstance(requirements, BookingRequirements)
        end = body.start + timedelta(minutes=body.duration_min)
        request = BookingRequest.parse(
            OrganisationId("o1"),
            UserId("c1"),
            body.language,
            body.start,
            end,
            body.modality,
            body.dialect,
            requirements,
        )
        booking = created[name]["value"]
        assert booking["requirements"] == json.loads(request.requirements.to_json()), name
        assert booking["language"] == request.language.tag, name
        assert booking["dialect"] == request.dialect, name
        assert (booking["modality"], booking["duration_min"]) == (body.modality, body.duration_min), name
        assert datetime.fromisoformat(booking["start"]) == request.interval.start_utc, name
        assert datetime.fromisoformat(booking["end"]) == request.interval.end_utc, name


def test_the_booking_schema_names_what_each_viewer_is_shown(spec: dict[str, Any]) -> None:
    documented = schema(spec, "Booking")
    booking = a_booking(BookingRequirements(gender=Gender.FEMALE))
    staff = booking_json(booking, someone(Role.CASEWORKER))
    interpreter = booking_json(booking, someone(Role.INTERPRETER))
    assert set(staff) == set(documented["properties"])
    assert set(interpreter) == set(documented["required"])
    requirements = staff["requirements"]
    assert isinstance(requirements, dict)
    assert set(schema(spec, "Requirements")["properties"]) == set(requirements)
    assert set(schema(spec, "Requirements")["required"]) == set(requirements)
    for example in create(spec)["responses"]["201"]["content"]["application/json"]["examples"].values():
        assert set(example["value"]) == set(documented["properties"])


def test_the_explanation_examples_use_only_documented_fields(spec: dict[str, Any]) -> None:
    explanation = schema(spec, "Explanation")
    outcome = schema(spec, "PreferenceOutcome")
    modes = set()
    for example in create(spec)["responses"]["201"]["content"]["application/json"]["examples"].values():
        shown = example["value"]["explanation"]
        assert set(explanation["required"]) <= set(shown) <= set(explanation["properties"])
        assert shown["mode"] in explanation["properties"]["mode"]["enum"]
        modes.add(shown["mode"])
        for preference in shown["preferences"]:
            assert set(preference) == set(outcome["properties"])
            assert preference["preference"] in outcome["properties"]["preference"]["enum"]
            assert preference["resolution"] in outcome["properties"]["resolution"]["enum"]
    assert modes == {"direct", "relay"}


def test_the_notifications_example_matches_its_schema(spec: dict[str, Any]) -> None:
    notification = schema(spec, "Notification")
    body = schema(spec, "NotificationBody")
    kind = re.compile(notification["properties"]["kind"]["pattern"])
    content = spec["paths"]["/api/notifications"]["get"]["responses"]["200"]["content"]["application/json"]
    for example in content["example"]["notifications"]:
        assert set(example) == set(notification["properties"]) == set(notification["required"])
        assert kind.match(example["kind"])
        assert set(body["required"]) <= set(example["body"]) <= set(body["properties"])
    # The kinds the timed work sends (scheduler.booking_jobs), and only those.
    assert kind.match(reminder_kind(timedelta(hours=24)))
    assert kind.match(ROOM_OPEN)
    assert not kind.match("reminder_")
    assert not kind.match(NO_SHOW_CHECK)
