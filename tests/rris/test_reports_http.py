"""The usage report over HTTP: what it sums, who may read it, its CSV form, and refused requests."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from core.accounts import Role
from core.ids import OrganisationId, new_id
from core.models import BookingRow, CallRecordRow, OrganisationRow
from tests.rris.conftest import HttpFactory, count_rows, get_json, post_login
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

SPRING = "/api/reports/usage?from=2026-03&to=2026-04"
LAST_OF_MARCH = datetime(2026, 3, 31, 23, 50, tzinfo=UTC)
MID_APRIL = datetime(2026, 4, 15, 9, tzinfo=UTC)


def call_row(
    world: World,
    org: OrganisationId,
    caseworker: str,
    answered: datetime | None,
    length: timedelta,
    outcome: str,
    language: str = "ps",
) -> CallRecordRow:
    requested = (answered or MID_APRIL) - timedelta(minutes=1)
    return CallRecordRow(
        id=new_id(),
        organisation_id=org,
        caseworker_id=world.id(caseworker),
        interpreter_id=world.id("ps.female") if answered else None,
        language=language,
        requested_gender=None,
        requested_at=requested,
        rung_at=requested,
        answered_at=answered,
        ended_at=(answered or requested) + length,
        outcome=outcome,
        ring_attempts=1,
    )


def booking_row(
    world: World, org: OrganisationId, caseworker: str, start: datetime, state: str, language: str = "ps"
) -> BookingRow:
    return BookingRow(
        id=new_id(),
        organisation_id=org,
        caseworker_id=world.id(caseworker),
        language=language,
        dialect=None,
        start_at=start,
        end_at=start + timedelta(minutes=90),
        modality="video",
        state=state,
        interpreter_id=world.id("ps.female"),
        idempotency_key=None,
        request_fingerprint="0" * 64,
        created_at=start - timedelta(days=7),
        version=4,
    )


async def seed(server: RunningServer, world: World) -> None:
    a, b = world.office_a, world.office_b
    rows = [
        call_row(world, a, "cw.a", LAST_OF_MARCH, timedelta(minutes=30), "completed"),  # 30, March
        call_row(world, a, "cw.a", LAST_OF_MARCH, timedelta(seconds=61), "dropped"),  # 2, March
        call_row(world, a, "cw.a", None, timedelta(minutes=3), "cancelled"),
        call_row(world, a, "cw.a", None, timedelta(minutes=3), "no_interpreter"),
        call_row(world, a, "cw.a", datetime(2026, 2, 28, 12, tzinfo=UTC), timedelta(hours=1), "completed"),
        call_row(world, b, "cw.b", MID_APRIL, timedelta(minutes=5), "completed", "ar"),  # 5, April
        booking_row(world, a, "cw.a", MID_APRIL, "completed"),  # 90, April
        booking_row(world, a, "cw.a", MID_APRIL + timedelta(days=1), "cancelled"),
        booking_row(world, b, "cw.b", MID_APRIL, "confirmed", "ar"),
    ]
    async with server.services.db.transaction() as session:
        session.add_all(rows)


EXPECTED_A = [
    ("Test Office A", "ps", "2026-03", 32, 0, 32),
    ("Test Office A", "ps", "2026-04", 0, 90, 90),
]
EXPECTED_B = [("Test Office B", "ar", "2026-04", 5, 0, 5)]


def summary(rows: list[dict[str, Any]]) -> list[tuple[object, ...]]:
    return [
        (
            r["organisation"],
            r["language"],
            r["month"],
            r["on_demand_minutes"],
            r["booked_minutes"],
            r["total_minutes"],
        )
        for r in rows
    ]


async def logged_in(http: HttpFactory, username: str) -> Any:
    session = http()
    status, _ = await post_login(session, username)
    assert status == 200
    return session


async def test_usage_sums_interpreted_calls_and_completed_bookings_per_organisation_language_and_month(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    await seed(server, world)
    status, body = await get_json(await logged_in(http, "coord"), SPRING)
    assert status == 200
    assert summary(body["rows"]) == EXPECTED_A + EXPECTED_B
    assert body["rows"][0]["organisation_id"] == world.office_a


async def test_months_outside_the_range_are_left_out(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    await seed(server, world)
    status, body = await get_json(
        await logged_in(http, "coord"), "/api/reports/usage?from=2026-04&to=2026-04"
    )
    assert status == 200
    assert summary(body["rows"]) == EXPECTED_A[1:] + EXPECTED_B


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("coord", EXPECTED_A + EXPECTED_B),
        ("admin.pool", EXPECTED_A + EXPECTED_B),
        ("coord.a", EXPECTED_A),
        ("admin.b", EXPECTED_B),
    ],
)
async def test_the_operator_reads_everyones_usage_an_authority_its_own(
    server: RunningServer, world: World, http: HttpFactory, username: str, expected: list[tuple[object, ...]]
) -> None:
    accounts = server.services.accounts
    await accounts.create_user(world.pool, "admin.pool", "Pool admin", PASSWORD, Role.ADMIN)
    await accounts.create_user(world.office_b, "admin.b", "Office B admin", PASSWORD, Role.ADMIN)
    await seed(server, world)
    status, body = await get_json(await logged_in(http, username), SPRING)
    assert status == 200
    assert summary(body["rows"]) == expected


@pytest.mark.parametrize("username", ["cw.a", "ps.female"])
@pytest.mark.parametrize("query", ["", "&format=csv"])
async def test_caseworkers_and_interpreters_may_not_read_usage(
    server: RunningServer, world: World, http: HttpFactory, username: str, query: str
) -> None:
    await seed(server, world)
    status, body = await get_json(await logged_in(http, username), SPRING + query)
    assert (status, body["error"]["code"]) == (403, "forbidden")


async def test_usage_needs_a_session(server: RunningServer, world: World, http: HttpFactory) -> None:
    async with http().get(SPRING) as resp:
        assert resp.status == 401


async def test_the_csv_export_parses_and_matches_the_json(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    tricky = 'Office A, "Skopje" — Ünit'
    async with server.services.db.transaction() as session:
        await session.execute(
            update(OrganisationRow).where(OrganisationRow.id == world.office_a).values(name=tricky)
        )
    await seed(server, world)
    coordinator = await logged_in(http, "coord")
    _, body = await get_json(coordinator, SPRING)
    async with coordinator.get(SPRING + "&format=csv") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/csv"
        assert resp.charset == "utf-8"
        assert "attachment" in resp.headers["Content-Disposition"]
        raw = await resp.read()
    text = raw.decode("utf-8")
    assert '"Office A, ""Skopje"" — Ünit"' in text
    assert text.endswith("\r\n")
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(parsed[0]) == list(body["rows"][0])
    assert parsed == [{key: str(value) for key, value in row.items()} for row in body["rows"]]
    assert parsed[0]["organisation"] == tricky


async def test_an_empty_csv_has_its_header(server: RunningServer, world: World, http: HttpFactory) -> None:
    async with (await logged_in(http, "coord.a")).get(SPRING + "&format=csv") as resp:
        assert resp.status == 200
        text = await resp.text()
    assert text == (
        "organisation_id,organisation,language,month,on_demand_minutes,booked_minutes,total_minutes\r\n"
    )


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="no-months"),
        pytest.param("?from=2026-03", id="no-to"),
        pytest.param("?to=2026-03", id="no-from"),
        pytest.param("?from=2026-3&to=2026-04", id="one-digit-month"),
        pytest.param("?from=2026-13&to=2026-12", id="month-13"),
        pytest.param("?from=March&to=2026-04", id="not-a-month"),
        pytest.param("?from=2026-03-01&to=2026-04", id="a-date"),
        pytest.param("?from=2026-05&to=2026-04", id="from-after-to"),
        pytest.param("?from=2026-01&to=2028-01", id="25-months"),
        pytest.param("?from=2026-03&to=2026-04&format=xml", id="unknown-format"),
    ],
)
async def test_bad_input_is_400_and_changes_nothing(
    server: RunningServer, world: World, http: HttpFactory, query: str
) -> None:
    await seed(server, world)
    before = (await count_rows(server, CallRecordRow), await count_rows(server, BookingRow))
    status, body = await get_json(await logged_in(http, "coord"), "/api/reports/usage" + query)
    assert (status, body["error"]["code"]) == (400, "invalid_input")
    assert body["error"]["message"]
    assert (await count_rows(server, CallRecordRow), await count_rows(server, BookingRow)) == before


async def test_24_months_is_the_longest_report(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    await seed(server, world)
    status, body = await get_json(
        await logged_in(http, "coord"), "/api/reports/usage?from=2025-05&to=2027-04"
    )
    assert status == 200
    february = ("Test Office A", "ps", "2026-02", 60, 0, 60)
    assert summary(body["rows"]) == [february, *EXPECTED_A, *EXPECTED_B]
