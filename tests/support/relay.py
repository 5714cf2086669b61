"""A relay booking made and confirmed over HTTP as people would, for the end-to-end tests of its room.

In the test world nobody covers Pashto and Macedonian: ``ps.female`` works Pashto and English, and
``fa.iran`` becomes an English-Macedonian interpreter, so a Pashto booking with Macedonian as the
counterpart language goes through English, ``ps.female`` the to-pivot leg and ``fa.iran`` the other.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from core.interpreters import Accreditation, Gender, InterpreterDirectory, WorkingLanguage
from core.languages import LanguageTag
from scheduler.availability import Availability, Weekday, WeeklySlot
from scheduler.availability_store import AvailabilityStore
from signaling.client import SignalingClient
from tests.support.world import World

TO_PIVOT, FROM_PIVOT = "ps.female", "fa.iran"
# The relay room's seats, and whose they are.
SEATS = {"caseworker": "cw.a", "interpreter": TO_PIVOT, "relay_interpreter": FROM_PIVOT}
ALL_WEEK = Availability(
    "UTC",
    tuple(WeeklySlot(Weekday(d), time(0), time(12)) for d in range(7))
    + tuple(WeeklySlot(Weekday(d), time(12), time(0)) for d in range(7)),
)


async def make_relay_possible(
    directory: InterpreterDirectory, availability: AvailabilityStore, world: World
) -> None:
    """``fa.iran`` works English and Macedonian; both legs have hours round the clock."""
    english_macedonian = [
        WorkingLanguage(LanguageTag.parse(t), None, Accreditation.CERTIFIED) for t in ("en", "mk")
    ]
    await directory.set_profile(
        world.id(FROM_PIVOT), Gender.FEMALE, english_macedonian, [world.office_a, world.office_b]
    )
    for name in (TO_PIVOT, FROM_PIVOT):
        await availability.put(world.id(name), ALL_WEEK)


async def post(client: SignalingClient, path: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    assert client.csrf_token is not None
    headers = {"X-CSRF-Token": client.csrf_token, **headers}
    async with client.http.post(f"{client.base_url}{path}", json=body, headers=headers) as resp:
        answer: dict[str, Any] = await resp.json()
        assert resp.status in (200, 201), answer
        return answer


async def get(client: SignalingClient, path: str) -> dict[str, Any]:
    async with client.http.get(f"{client.base_url}{path}") as resp:
        answer: dict[str, Any] = await resp.json()
        assert resp.status == 200, answer
        return answer


async def book_relay(
    caseworker: SignalingClient, legs: dict[str, SignalingClient], start: datetime, world: World
) -> dict[str, Any]:
    """Book Pashto with Macedonian as the counterpart language; both legs (by username) accept it."""
    booking = await post(
        caseworker,
        "/api/bookings",
        {
            "language": "ps",
            "counterpart_language": "mk",
            "start": start.isoformat(),
            "duration_min": 30,
            "modality": "video",
        },
        **{"Idempotency-Key": uuid.uuid4().hex},
    )
    assert booking["state"] == "offered", booking
    assert booking["pivot_language"] == "en"
    assert (booking["interpreter_id"], booking["relay_interpreter_id"]) == (
        world.id(TO_PIVOT),
        world.id(FROM_PIVOT),
    )
    for name in (TO_PIVOT, FROM_PIVOT):  # each accepts the version they see: the first accept moves it
        seen = await get(legs[name], f"/api/bookings/{booking['id']}")
        accepted = await post(
            legs[name], f"/api/bookings/{booking['id']}/accept", {"version": seen["version"]}
        )
    assert accepted["state"] == "confirmed", accepted
    return accepted
