"""The booking engine over HTTP: automatic offers with their explanation, who sees what, relay,
withdrawal, and the notifications that follow."""

from __future__ import annotations

from datetime import time

import pytest

from core.interpreters import Accreditation, Gender, WorkingLanguage
from core.languages import LanguageTag
from core.models import InterpreterAssignmentRow
from scheduler.availability import Availability, Weekday, WeeklySlot
from tests.rris.conftest import HttpFactory, count_rows
from tests.rris.test_bookings_http import TOMORROW_10, book, login
from tests.support.server import RunningServer
from tests.support.world import World

ALL_WEEK = Availability(
    "UTC",
    tuple(WeeklySlot(Weekday(d), time(0), time(12)) for d in range(7))
    + tuple(WeeklySlot(Weekday(d), time(12), time(0)) for d in range(7)),
)


@pytest.fixture
async def hours(server: RunningServer, world: World) -> None:
    """Round-the-clock hours for the two Pashto interpreters and the English-speaking one."""
    for name in ("ps.female", "ps.male"):
        await server.services.availability.put(world.id(name), ALL_WEEK)


async def test_a_booking_is_offered_at_once_and_explained_to_staff_only(
    server: RunningServer, world: World, http: HttpFactory, hours: None
) -> None:
    caseworker = await login(http, "cw.a")
    booking = await book(
        caseworker,
        "engine-0001",
        gender="female",
        applicant_attributes=[{"key": "nationality", "value": "af"}],
    )

    assert booking["state"] == "offered"
    assert booking["interpreter_id"] == world.id("ps.female")
    assert booking["requirements"]["gender"] == "female"
    assert booking["explanation"]["mode"] == "direct"
    interpreter = await login(http, "ps.female")
    status, seen = await interpreter.get(f"/api/bookings/{booking['id']}")
    assert status == 200
    assert "requirements" not in seen  # the applicant's attributes are not the interpreter's business
    assert "explanation" not in seen


async def test_nobody_suitable_leaves_the_booking_requested_with_the_reason(
    server: RunningServer, world: World, http: HttpFactory, hours: None
) -> None:
    caseworker = await login(http, "cw.a")
    booking = await book(caseworker, "engine-0002", specialisations=["gender_based_violence"])

    assert booking["state"] == "requested"
    assert booking["explanation"]["mode"] == "none"
    assert await count_rows(server, InterpreterAssignmentRow) == 0


async def test_the_interpreter_withdraws_and_the_booking_goes_to_the_next(
    server: RunningServer, world: World, http: HttpFactory, hours: None
) -> None:
    caseworker = await login(http, "cw.a")
    booking = await book(caseworker, "engine-0003")
    first = await login(
        http, "ps.female" if booking["interpreter_id"] == world.id("ps.female") else "ps.male"
    )
    status, accepted = await first.post(
        f"/api/bookings/{booking['id']}/accept", {"version": booking["version"]}
    )
    assert (status, accepted["state"]) == (200, "confirmed")

    status, withdrawn = await first.post(f"/api/bookings/{booking['id']}/withdraw")

    assert status == 200
    assert withdrawn["state"] == "offered"
    assert withdrawn["interpreter_id"] not in (None, booking["interpreter_id"])


async def test_a_caseworker_cannot_withdraw_and_nothing_changes(
    server: RunningServer, world: World, http: HttpFactory, hours: None
) -> None:
    caseworker = await login(http, "cw.a")
    booking = await book(caseworker, "engine-0004")

    status, _body = await caseworker.post(f"/api/bookings/{booking['id']}/withdraw")

    assert status == 403
    status, now = await caseworker.get(f"/api/bookings/{booking['id']}")
    assert (now["state"], now["version"]) == ("offered", booking["version"])


async def test_confirmation_is_a_notification_for_both_sides(
    server: RunningServer, world: World, http: HttpFactory, hours: None
) -> None:
    caseworker = await login(http, "cw.a")
    booking = await book(caseworker, "engine-0005", gender="male")
    interpreter = await login(http, "ps.male")
    await interpreter.post(f"/api/bookings/{booking['id']}/accept", {"version": booking["version"]})

    for person in (caseworker, interpreter):
        status, body = await person.get("/api/notifications")
        assert status == 200
        confirmed = [n for n in body["notifications"] if n["kind"] == "booking_confirmed"]
        assert [n["subject_id"] for n in confirmed] == [booking["id"]]
        assert confirmed[0]["body"]["start"] == TOMORROW_10.isoformat()


async def test_notifications_need_a_session_and_a_sane_limit(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    async with http().get("/api/notifications") as resp:
        assert resp.status == 401
    caseworker = await login(http, "cw.a")
    status, _body = await caseworker.get("/api/notifications?limit=0")
    assert status == 400


async def test_a_relay_is_proposed_when_nobody_covers_the_pair(
    server: RunningServer, world: World, http: HttpFactory, hours: None
) -> None:
    caseworker = await login(http, "cw.a")
    alone = await book(caseworker, "engine-0006", counterpart_language="mk")
    assert alone["state"] == "requested"  # ps.female works Pashto and English; nobody English-Macedonian

    # fa.iran becomes an English-Macedonian interpreter with hours.
    svc = server.services
    english_macedonian = [
        WorkingLanguage(LanguageTag.parse(t), None, Accreditation.CERTIFIED) for t in ("en", "mk")
    ]
    await svc.directory.set_profile(
        world.id("fa.iran"), Gender.FEMALE, english_macedonian, [world.office_a, world.office_b]
    )
    await svc.availability.put(world.id("fa.iran"), ALL_WEEK)
    relay = await book(caseworker, "engine-0007", counterpart_language="mk")

    assert relay["state"] == "offered"
    assert relay["pivot_language"] == "en"
    assert relay["interpreter_id"] == world.id("ps.female")
    assert relay["relay_interpreter_id"] == world.id("fa.iran")
    assert relay["explanation"]["mode"] == "relay"
    second_leg = await login(http, "fa.iran")
    status, seen = await second_leg.get(f"/api/bookings/{relay['id']}")
    assert (status, seen["id"]) == (200, relay["id"])  # both legs see the booking they hold
