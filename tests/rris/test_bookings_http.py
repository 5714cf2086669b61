"""The bookings API: idempotent creation, refusals that change nothing, visibility, offers, the feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import icalendar
import pytest

from core.models import BookingRow, InterpreterAssignmentRow
from tests.rris.conftest import HttpFactory, count_rows, post_login
from tests.support.server import RunningServer
from tests.support.world import World

TOMORROW_10 = (datetime.now(UTC) + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)


@dataclass
class User:
    http: aiohttp.ClientSession
    csrf: str

    async def post(
        self, path: str, body: object = None, key: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        headers = {"X-CSRF-Token": self.csrf}
        if key is not None:
            headers["Idempotency-Key"] = key
        async with self.http.post(path, json=body if body is not None else {}, headers=headers) as resp:
            return resp.status, await resp.json()

    async def get(self, path: str) -> tuple[int, dict[str, Any]]:
        async with self.http.get(path) as resp:
            return resp.status, await resp.json()


async def login(http: HttpFactory, username: str) -> User:
    session = http()
    status, body = await post_login(session, username)
    assert status == 200
    return User(session, body["csrf_token"])


def booking_body(at: datetime = TOMORROW_10, **changes: object) -> dict[str, object]:
    return {
        "language": "ps-AF",
        "start": at.isoformat(),
        "duration_min": 60,
        "modality": "video",
        **changes,
    }


async def book(user: User, key: str, at: datetime = TOMORROW_10, **changes: object) -> dict[str, Any]:
    status, body = await user.post("/api/bookings", booking_body(at, **changes), key=key)
    assert status == 201, body
    return body


async def bookings_rows(server: RunningServer) -> int:
    return await count_rows(server, BookingRow)


async def test_a_caseworker_books_and_a_repeated_key_returns_the_same_booking(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    caseworker = await login(http, "cw.a")
    start = TOMORROW_10
    status, first = await caseworker.post("/api/bookings", booking_body(start), key="key-00000001")
    assert status == 201
    assert first["state"] == "requested"
    assert first["organisation_id"] == world.office_a
    assert first["caseworker_id"] == world.id("cw.a")
    assert first["duration_min"] == 60
    assert datetime.fromisoformat(first["end"]) - datetime.fromisoformat(first["start"]) == timedelta(hours=1)

    status, again = await caseworker.post("/api/bookings", booking_body(start), key="key-00000001")
    assert (status, again) == (200, first)

    other = booking_body(start, duration_min=90)
    status, body = await caseworker.post("/api/bookings", other, key="key-00000001")
    assert (status, body["error"]["code"]) == (409, "idempotency_key_reused")
    assert await bookings_rows(server) == 1


async def test_a_start_with_an_offset_is_stored_as_the_same_instant_in_utc(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    caseworker = await login(http, "cw.a")
    local = TOMORROW_10.astimezone(ZoneInfo("Europe/Skopje"))
    made = await book(caseworker, "offset-key-1", at=local)
    assert datetime.fromisoformat(made["start"]) == TOMORROW_10
    assert made["start"].endswith("+00:00")


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        pytest.param({"language": "xx-Nowhere"}, "bad-input-1", id="unknown-language-tag"),
        pytest.param({"language": "zz"}, "bad-input-1", id="unassigned-language"),
        pytest.param({"duration_min": 0}, "bad-input-1", id="zero-duration"),
        pytest.param({"duration_min": -30}, "bad-input-1", id="negative-duration"),
        pytest.param({"duration_min": "60"}, "bad-input-1", id="duration-as-text"),
        pytest.param({"start": "2020-01-01T10:00:00+00:00"}, "bad-input-1", id="start-in-the-past"),
        pytest.param({"start": "2030-01-01T10:00:00"}, "bad-input-1", id="start-without-offset"),
        pytest.param({"start": 1900000000}, "bad-input-1", id="start-as-number"),
        pytest.param({"start": "2200-01-01T10:00:00Z"}, "bad-input-1", id="start-too-far-ahead"),
        pytest.param({"modality": "carrier-pigeon"}, "bad-input-1", id="unknown-modality"),
        pytest.param({"end": "2030-01-01T10:00:00Z"}, "bad-input-1", id="unknown-field"),
        pytest.param({"dialect": ""}, "bad-input-1", id="empty-dialect"),
        pytest.param({"gender": "undisclosed"}, "bad-input-1", id="gender-undisclosed"),
        pytest.param({"specialisations": ["astrology"]}, "bad-input-1", id="unknown-specialisation"),
        pytest.param({"min_accreditation": "genius"}, "bad-input-1", id="unknown-accreditation"),
        pytest.param({"counterpart_language": "xx-Nowhere"}, "bad-input-1", id="unknown-counterpart"),
        pytest.param({"counterpart_language": "ps"}, "bad-input-1", id="counterpart-is-the-language"),
        pytest.param({"excluded_interpreters": ["x"] * 51}, "bad-input-1", id="too-many-exclusions"),
        pytest.param(
            {"applicant_attributes": [{"key": "nationality"}]}, "bad-input-1", id="attribute-without-value"
        ),
        pytest.param(
            {"preferred_interpreter": "a", "excluded_interpreters": ["a"]},
            "bad-input-1",
            id="preferred-and-excluded",
        ),
        pytest.param({}, None, id="missing-idempotency-key"),
        pytest.param({}, "short", id="idempotency-key-too-short"),
        pytest.param({}, "k" * 101, id="idempotency-key-too-long"),
    ],
)
async def test_bad_input_is_400_and_creates_nothing(
    server: RunningServer, world: World, http: HttpFactory, changes: dict[str, object], key: str | None
) -> None:
    caseworker = await login(http, "cw.a")
    status, body = await caseworker.post("/api/bookings", booking_body(**changes), key=key)
    assert (status, body["error"]["code"]) == (400, "invalid_input")
    assert body["error"]["message"]
    assert await bookings_rows(server) == 0


@pytest.mark.parametrize("username", ["coord", "coord.a", "ps.female"])
async def test_only_caseworkers_book(
    server: RunningServer, world: World, http: HttpFactory, username: str
) -> None:
    user = await login(http, username)
    status, body = await user.post("/api/bookings", booking_body(), key="only-caseworkers")
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert await bookings_rows(server) == 0


async def test_each_role_sees_only_the_bookings_it_may_see(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    made_a = await book(await login(http, "cw.a"), "visibility-a")
    made_b = await book(await login(http, "cw.b"), "visibility-b")
    coordinator = await login(http, "coord")
    status, _ = await coordinator.post(
        f"/api/bookings/{made_a['id']}/assign", {"interpreter_id": world.id("ps.female")}
    )
    assert status == 200

    expected = {
        "cw.a": {made_a["id"]},
        "cw.a2": {made_a["id"]},
        "coord.a": {made_a["id"]},
        "cw.b": {made_b["id"]},
        "coord": {made_a["id"], made_b["id"]},
        "ps.female": {made_a["id"]},
        "ps.male": set(),
    }
    for username, ids in expected.items():
        user = await login(http, username)
        status, body = await user.get("/api/bookings")
        assert status == 200
        assert {b["id"] for b in body["bookings"]} == ids, username
        for booking in (made_a, made_b):
            status, body = await user.get(f"/api/bookings/{booking['id']}")
            if booking["id"] in ids:
                assert status == 200, username
            else:
                # Exactly the answer for an id that does not exist.
                assert (status, body["error"]["code"]) == (404, "not_found"), username
        status, body = await user.get("/api/bookings/no-such-booking")
        assert (status, body["error"]["code"]) == (404, "not_found")


async def test_bookings_need_a_session(server: RunningServer, world: World, http: HttpFactory) -> None:
    async with http().get("/api/bookings") as resp:
        assert resp.status == 401


async def test_another_organisations_booking_cannot_be_cancelled_or_assigned(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    made = await book(await login(http, "cw.a"), "other-org-1")
    for username, action, body in (
        ("cw.b", "cancel", {}),
        ("cw.b", "assign", {"interpreter_id": world.id("ps.female")}),
    ):
        user = await login(http, username)
        status, answer = await user.post(f"/api/bookings/{made['id']}/{action}", body)
        assert (status, answer["error"]["code"]) == (404, "not_found")
    status, now = await (await login(http, "cw.a")).get(f"/api/bookings/{made['id']}")
    assert now == made
    assert await count_rows(server, InterpreterAssignmentRow) == 0


async def test_a_second_overlapping_assignment_of_one_interpreter_is_409_slot_taken(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    caseworker = await login(http, "cw.a")
    first = await book(caseworker, "overlap-first")
    # Not the same slot: starts half-way through the first.
    second = await book(caseworker, "overlap-second", at=TOMORROW_10 + timedelta(minutes=30))
    coordinator = await login(http, "coord")
    interpreter = {"interpreter_id": world.id("ps.female")}

    status, assigned = await coordinator.post(f"/api/bookings/{first['id']}/assign", interpreter)
    assert status == 200
    assert (assigned["state"], assigned["interpreter_id"]) == ("offered", world.id("ps.female"))

    status, body = await coordinator.post(f"/api/bookings/{second['id']}/assign", interpreter)
    assert (status, body["error"]["code"]) == (409, "slot_taken")
    status, unchanged = await coordinator.get(f"/api/bookings/{second['id']}")
    assert unchanged == second
    assert await count_rows(server, InterpreterAssignmentRow) == 1


async def test_the_buffer_keeps_back_to_back_bookings_apart(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    caseworker = await login(http, "cw.a")
    first = await book(caseworker, "buffer-first")
    # Starts five minutes after the first ends: inside the default ten-minute buffer.
    later = await book(caseworker, "buffer-later", at=TOMORROW_10 + timedelta(minutes=65))
    coordinator = await login(http, "coord")
    interpreter = {"interpreter_id": world.id("ps.female")}
    assert (await coordinator.post(f"/api/bookings/{first['id']}/assign", interpreter))[0] == 200
    status, body = await coordinator.post(f"/api/bookings/{later['id']}/assign", interpreter)
    assert (status, body["error"]["code"]) == (409, "slot_taken")


async def test_only_coordinators_assign_and_only_suitable_interpreters(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    caseworker = await login(http, "cw.a")
    made = await book(caseworker, "assign-rules")
    status, body = await caseworker.post(
        f"/api/bookings/{made['id']}/assign", {"interpreter_id": world.id("ps.female")}
    )
    assert (status, body["error"]["code"]) == (403, "forbidden")
    coordinator = await login(http, "coord")
    for interpreter, code in (
        (world.id("ar.male"), "interpreter_unsuitable"),  # no Pashto
        (world.id("cw.a"), "not_found"),  # not an interpreter
    ):
        status, body = await coordinator.post(
            f"/api/bookings/{made['id']}/assign", {"interpreter_id": interpreter}
        )
        assert body["error"]["code"] == code
        assert status in (404, 422)
    assert await count_rows(server, InterpreterAssignmentRow) == 0


async def test_the_offered_interpreter_accepts_and_nobody_else_may(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    caseworker = await login(http, "cw.a")
    made = await book(caseworker, "accept-key")
    coordinator = await login(http, "coord")
    _, offered = await coordinator.post(
        f"/api/bookings/{made['id']}/assign", {"interpreter_id": world.id("ps.female")}
    )
    path = f"/api/bookings/{made['id']}/accept"

    status, body = await caseworker.post(path, {"version": offered["version"]})
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = await (await login(http, "ps.male")).post(path, {"version": offered["version"]})
    assert (status, body["error"]["code"]) == (404, "not_found")

    interpreter = await login(http, "ps.female")
    status, body = await interpreter.post(path, {"version": offered["version"] - 1})
    assert (status, body["error"]["code"]) == (409, "conflict")
    status, accepted = await interpreter.post(path, {"version": offered["version"]})
    assert status == 200
    assert (accepted["state"], accepted["version"]) == ("confirmed", offered["version"] + 1)


async def test_the_offered_interpreter_declines_and_the_time_is_freed(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    made = await book(await login(http, "cw.a"), "decline-key")
    coordinator = await login(http, "coord")
    await coordinator.post(f"/api/bookings/{made['id']}/assign", {"interpreter_id": world.id("ps.female")})
    status, declined = await (await login(http, "ps.female")).post(f"/api/bookings/{made['id']}/decline")
    assert status == 200
    assert (declined["state"], declined["interpreter_id"]) == ("requested", None)
    assert await server.services.bookings.active_assignments(world.id("ps.female")) == []


async def test_the_caseworker_or_a_coordinator_cancels_a_colleague_may_not(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    caseworker = await login(http, "cw.a")
    mine = await book(caseworker, "cancel-mine")
    theirs = await book(caseworker, "cancel-coord", at=TOMORROW_10 + timedelta(hours=3))

    status, body = await (await login(http, "cw.a2")).post(f"/api/bookings/{mine['id']}/cancel")
    assert (status, body["error"]["code"]) == (403, "forbidden")

    status, cancelled = await caseworker.post(f"/api/bookings/{mine['id']}/cancel")
    assert (status, cancelled["state"]) == (200, "cancelled")
    status, body = await caseworker.post(f"/api/bookings/{mine['id']}/cancel")
    assert (status, body["error"]["code"]) == (409, "conflict")

    status, cancelled = await (await login(http, "coord.a")).post(f"/api/bookings/{theirs['id']}/cancel")
    assert (status, cancelled["state"]) == (200, "cancelled")


async def test_the_calendar_feed_shows_the_confirmed_booking_at_its_utc_time(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    caseworker = await login(http, "cw.a")
    confirmed = await book(caseworker, "feed-confirmed")
    pending = await book(caseworker, "feed-pending", at=TOMORROW_10 + timedelta(hours=4))
    coordinator = await login(http, "coord")
    interpreter_id = world.id("ps.female")
    for made in (confirmed, pending):
        await coordinator.post(f"/api/bookings/{made['id']}/assign", {"interpreter_id": interpreter_id})
    interpreter = await login(http, "ps.female")
    await interpreter.post(f"/api/bookings/{confirmed['id']}/accept", {"version": 2})

    async with interpreter.http.get(f"/api/interpreters/{interpreter_id}/calendar.ics") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/calendar"
        calendar = icalendar.Calendar.from_ical(await resp.read())
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"{confirmed['id']}@rris"]  # an offer is not in the feed
    [event] = events
    assert event.decoded("DTSTART") == TOMORROW_10
    assert event.decoded("DTEND") == TOMORROW_10 + timedelta(hours=1)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "Test Office A" in str(event["SUMMARY"])

    await caseworker.post(f"/api/bookings/{confirmed['id']}/cancel")
    async with coordinator.http.get(f"/api/interpreters/{interpreter_id}/calendar.ics") as resp:
        assert resp.status == 200
        [event] = icalendar.Calendar.from_ical(await resp.read()).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"


@pytest.mark.parametrize("username", ["cw.a", "ps.male"])
async def test_the_calendar_is_the_interpreters_and_coordinators_only(
    server: RunningServer, world: World, http: HttpFactory, username: str
) -> None:
    user = await login(http, username)
    status, body = await user.get(f"/api/interpreters/{world.id('ps.female')}/calendar.ics")
    assert (status, body["error"]["code"]) == (403, "forbidden")
