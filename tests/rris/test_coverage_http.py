"""The coverage report over HTTP: who may read it, whose demand and interpreters it holds, its CSV form."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from core.accounts import Role
from core.ids import OrganisationId, new_id
from core.models import CallRecordRow, InterpreterAvailabilityRow
from scheduler.availability import Availability, Weekday, WeeklySlot
from tests.rris.conftest import HttpFactory, count_rows, get_json, post_login
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

DAY = "/api/reports/coverage?from=2026-01-13&to=2026-01-14"
NINE = datetime(2026, 1, 13, 9, tzinfo=UTC)


def call_row(world: World, org: OrganisationId, caseworker: str, requested: datetime) -> CallRecordRow:
    return CallRecordRow(
        id=new_id(),
        organisation_id=org,
        caseworker_id=world.id(caseworker),
        interpreter_id=None,
        language="ps-AF",
        requested_gender=None,
        requested_at=requested,
        rung_at=requested,
        answered_at=None,
        ended_at=requested + timedelta(minutes=1),
        outcome="no_interpreter",
        ring_attempts=1,
    )


async def seed(server: RunningServer, world: World) -> None:
    """ps.male (serves A and B) and ps.only.b at 09-10 UTC; one request from each office at 09."""
    nine_to_ten = Availability("UTC", tuple(WeeklySlot(Weekday(d), time(9), time(10)) for d in Weekday))
    for name in ("ps.male", "ps.only.b"):
        await server.services.availability.put(world.id(name), nine_to_ten)
    async with server.services.db.transaction() as session:
        session.add(call_row(world, world.office_a, "cw.a", NINE + timedelta(minutes=5)))
        session.add(call_row(world, world.office_b, "cw.b", NINE + timedelta(minutes=10)))
        session.add(call_row(world, world.office_b, "cw.b", NINE + timedelta(minutes=15)))


ROW = {"hour": "2026-01-13T09:00:00+00:00", "language": "ps", "rostered": 0, "booked": 0}
EVERYONE = [{**ROW, "available": 2, "on_demand": 3, "gap": 1}]
OFFICE_A = [{**ROW, "available": 1, "on_demand": 1, "gap": 0}]
OFFICE_B = [{**ROW, "available": 2, "on_demand": 2, "gap": 0}]


async def logged_in(http: HttpFactory, username: str) -> Any:
    session = http()
    status, _ = await post_login(session, username)
    assert status == 200
    return session


@pytest.mark.parametrize(
    ("username", "expected"),
    [("coord", EVERYONE), ("admin.pool", EVERYONE), ("coord.a", OFFICE_A), ("admin.b", OFFICE_B)],
)
async def test_the_operator_sees_all_coverage_an_authority_its_demand_and_its_interpreters(
    server: RunningServer, world: World, http: HttpFactory, username: str, expected: list[dict[str, object]]
) -> None:
    accounts = server.services.accounts
    await accounts.create_user(world.pool, "admin.pool", "Pool admin", PASSWORD, Role.ADMIN)
    await accounts.create_user(world.office_b, "admin.b", "Office B admin", PASSWORD, Role.ADMIN)
    await seed(server, world)
    status, body = await get_json(await logged_in(http, username), DAY)
    assert status == 200
    assert [{key: row[key] for key in expected[0]} for row in body["rows"]] == expected
    assert list(body["rows"][0]) == [
        "hour",
        "language",
        "available",
        "rostered",
        "booked",
        "on_demand",
        "gap",
    ]


@pytest.mark.parametrize("username", ["cw.a", "ps.male"])
@pytest.mark.parametrize("query", ["", "&format=csv"])
async def test_caseworkers_and_interpreters_may_not_read_coverage(
    server: RunningServer, world: World, http: HttpFactory, username: str, query: str
) -> None:
    status, body = await get_json(await logged_in(http, username), DAY + query)
    assert (status, body["error"]["code"]) == (403, "forbidden")


async def test_coverage_needs_a_session(server: RunningServer, world: World, http: HttpFactory) -> None:
    async with http().get(DAY) as resp:
        assert resp.status == 401


async def test_the_csv_export_parses_and_matches_the_json(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    await seed(server, world)
    coordinator = await logged_in(http, "coord")
    _, body = await get_json(coordinator, DAY)
    async with coordinator.get(DAY + "&format=csv") as resp:
        assert resp.status == 200
        assert (resp.content_type, resp.charset) == ("text/csv", "utf-8")
        assert resp.headers["Content-Disposition"] == (
            'attachment; filename="coverage-20260113T0000Z-to-20260114T0000Z.csv"'
        )
        text = await resp.text()
    assert text.endswith("\r\n")
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert parsed == [{key: str(value) for key, value in row.items()} for row in body["rows"]]


async def test_an_empty_report_has_its_header(server: RunningServer, world: World, http: HttpFactory) -> None:
    coordinator = await logged_in(http, "coord")
    assert await get_json(coordinator, DAY) == (200, {"rows": []})
    async with coordinator.get(DAY + "&format=csv") as resp:
        assert await resp.text() == "hour,language,available,rostered,booked,on_demand,gap\r\n"


async def test_an_offset_must_be_sent_percent_encoded(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    await seed(server, world)
    coordinator = await logged_in(http, "coord")
    status, body = await get_json(
        coordinator, "/api/reports/coverage?from=2026-01-13T10:00%2B01:00&to=2026-01-13T11:00%2B01:00"
    )
    assert (status, [row["hour"] for row in body["rows"]]) == (200, ["2026-01-13T09:00:00+00:00"])


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="no-window"),
        pytest.param("?from=2026-01-13", id="no-to"),
        pytest.param("?to=2026-01-13", id="no-from"),
        pytest.param("?from=2026-01-14&to=2026-01-13", id="backwards"),
        pytest.param("?from=2026-01-13&to=2026-01-13", id="empty"),
        pytest.param("?from=2026-01-01&to=2026-02-02", id="32-days"),
        pytest.param("?from=2026-01-13T09:30Z&to=2026-01-14", id="half-hour"),
        pytest.param("?from=2026-01-13T09:00&to=2026-01-14", id="no-offset"),
        pytest.param("?from=2026-01-13T09:00+01:00&to=2026-01-14", id="unencoded-plus"),
        pytest.param("?from=13/01/2026&to=2026-01-14", id="not-iso"),
        pytest.param("?from=2026-01-13&to=2026-01-14&format=xlsx", id="unknown-format"),
    ],
)
async def test_bad_input_is_400_with_a_clear_message_and_changes_nothing(
    server: RunningServer, world: World, http: HttpFactory, query: str
) -> None:
    await seed(server, world)
    before = (await count_rows(server, CallRecordRow), await count_rows(server, InterpreterAvailabilityRow))
    status, body = await get_json(await logged_in(http, "coord"), "/api/reports/coverage" + query)
    assert (status, body["error"]["code"]) == (400, "invalid_input")
    assert body["error"]["message"]
    after = (await count_rows(server, CallRecordRow), await count_rows(server, InterpreterAvailabilityRow))
    assert after == before


async def test_31_days_is_the_longest_report(server: RunningServer, world: World, http: HttpFactory) -> None:
    await seed(server, world)
    status, body = await get_json(
        await logged_in(http, "coord"), "/api/reports/coverage?from=2026-01-01&to=2026-02-01"
    )
    assert status == 200
    assert len([row for row in body["rows"] if row["available"] == 2]) == 31
