"""The regional migration-data exchange over HTTP: data officers submit for their own authority, the hub
accepts, everyone in the exchange reads published figures, and raw figures never leave but to their own
authority; uploads are refused whole, corrections keep history, SDMX-CSV goes out and back in unchanged."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from openpyxl import Workbook, load_workbook

from core.accounts import OrganisationKind, Role
from core.clock import FakeClock
from core.config import Settings
from core.demo import OFFICE_A_COUNTRY, load_demo
from core.ids import UserId, new_id
from core.migrate import upgrade
from core.models import CallRecordRow, MigrationSubmissionRow, MigrationSubmissionVersionRow
from migration_data.authorities import KOSOVO_FOOTNOTE
from migration_data.demo import load_demo_submissions
from rris.app import create_app, services_of
from rris.http.migration_data import MAX_UPLOAD_BYTES, XLSX
from tests.rris.conftest import ApiUser, HttpFactory, count_rows
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

BASE = "/api/migration-data"
# ASY_PEND: monthly, CITIZEN x SEX x AGE. The clock starts 2026-01-05: 2025-11 is due 2026-02-01 (on time),
# 2025-10 was due 2026-01-01 (late).
ON_TIME, LATE = "2025-11", "2025-10"
MK_CELLS = [  # 13 is the raw figure that must never leave but to MK itself; AF's 3 is confidential
    {"CITIZEN": "TOTAL", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": 16},
    {"CITIZEN": "SY", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": 13},
    {"CITIZEN": "AF", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": 3},
]
RS_CELLS = [
    {"CITIZEN": "TOTAL", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": 7},
    {"CITIZEN": "SY", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": 7},
]
TABLES = (MigrationSubmissionRow, MigrationSubmissionVersionRow)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[RunningServer]:
    """The real server on a fake clock (deadlines and late flags depend on the date)."""
    app = create_app(settings, FakeClock(), configure_logs=False)
    await upgrade(services_of(app).db)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield RunningServer(f"http://127.0.0.1:{runner.addresses[0][1]}", app)
    finally:
        await runner.cleanup()


class User(ApiUser):
    async def send(self, path: str, body: object = None) -> tuple[int, Any]:
        return await self.request("POST", path, body)

    async def upload(self, path: str, data: bytes | io.BytesIO, content_type: str) -> tuple[int, Any]:
        return await self.post_bytes(path, data, content_type)

    async def create(
        self, period: str, cells: list[dict[str, Any]], flow: str = "ASY_PEND"
    ) -> dict[str, Any]:
        status, body = await self.send(
            f"{BASE}/submissions", {"dataflow": flow, "period": period, "cells": cells}
        )
        assert status == 201, body
        return body


async def login(http: aiohttp.ClientSession, username: str) -> User:
    return await User.log_in(http, username)


@pytest.fixture
async def users(server: RunningServer, http: HttpFactory, world: World) -> dict[str, User]:
    """Data officers of MK (office A), RS (office B) and of an office with no country; the hub (the
    operator's coordinator), MK's own coordinator, a caseworker and an interpreter; and nobody."""
    accounts = server.services.accounts
    office_c = (await accounts.create_organisation("Test Office C", OrganisationKind.AUTHORITY)).id
    for name, org in (("do.a", world.office_a), ("do.b", world.office_b), ("do.none", office_c)):
        await accounts.create_user(org, name, f"Test {name}", PASSWORD, Role.DATA_OFFICER)
    made = {
        name: await login(http(), name)
        for name in ("do.a", "do.b", "do.none", "coord", "coord.a", "cw.a", "ps.female")
    }
    made["anonymous"] = User(http(), "")
    return made


async def stored(server: RunningServer) -> list[int]:
    return [await count_rows(server, table) for table in TABLES]


async def accepted(users: dict[str, User], officer: str, period: str, cells: list[dict[str, Any]]) -> str:
    made = await users[officer].create(period, cells)
    assert made["state"] == "validated", made
    status, body = await users[officer].send(f"{BASE}/submissions/{made['id']}/submit", {"version": 1})
    assert status == 200, body
    status, body = await users["coord"].send(f"{BASE}/submissions/{made['id']}/accept", {"version": 1})
    assert status == 200, body
    assert body["state"] == "accepted"
    return str(made["id"])


def error(body: Any) -> str:
    return str(body["error"]["code"])


async def test_the_template_is_readable_by_everyone_signed_in_with_kosovo_footnoted(
    users: dict[str, User],
) -> None:
    for name in ("do.a", "coord", "cw.a", "ps.female"):
        status, body = await users[name].get(f"{BASE}/dataflows")
        assert status == 200
    flows = {f["id"]: f for f in body["dataflows"]}
    assert flows["ASY_APP"]["legal_reference"] == "Art. 4(1)(a)"
    assert flows["ASY_APP"]["frequency"] == "M"
    assert flows["REG_ARRIVALS"]["regional_extension"] is True
    assert [d["id"] for d in flows["ASY_DEC"]["dimensions"]] == ["CITIZEN", "SEX", "AGE", "DECISION"]
    kosovo = next(a for a in body["authorities"] if a["code"] == "XK")
    assert kosovo["footnote"] == KOSOVO_FOOTNOTE
    assert KOSOVO_FOOTNOTE in kosovo["display_name"]
    assert [a["code"] for a in body["authorities"]] == ["AL", "BA", "XK", "ME", "MK", "RS", "TR"]
    assert body["computed"][0]["regional_extension"] is True
    assert (await users["anonymous"].get(f"{BASE}/dataflows"))[0] == 401


async def test_who_may_submit_decide_and_read_each_submission(
    users: dict[str, User], server: RunningServer
) -> None:
    # Creating: only data officers of a reporting authority.
    body = {"dataflow": "ASY_PEND", "period": ON_TIME, "cells": MK_CELLS}
    for name, status, code in (
        ("do.none", 403, "no_reporting_authority"),
        ("coord", 403, "forbidden"),
        ("coord.a", 403, "forbidden"),
        ("cw.a", 403, "forbidden"),
        ("ps.female", 403, "forbidden"),
        ("anonymous", 401, "not_authenticated"),
    ):
        got, answer = await users[name].send(f"{BASE}/submissions", body)
        assert (got, error(answer)) == (status, code), name
    assert await stored(server) == [0, 0]

    draft = await users["do.a"].create(ON_TIME, MK_CELLS)
    assert draft["authority"]["code"] == "MK"
    assert draft["state"] == "validated"
    path = f"{BASE}/submissions/{draft['id']}"
    # Not yet accepted: only MK and the hub see it.
    for name, status in (("do.a", 200), ("coord.a", 200), ("coord", 200), ("do.b", 404), ("cw.a", 403)):
        assert (await users[name].get(path))[0] == status, name
    assert [s["id"] for s in (await users["do.b"].get(f"{BASE}/submissions"))[1]["submissions"]] == []
    # Submitting: MK's data officer only.
    for name, status in (("do.b", 404), ("coord", 403), ("coord.a", 403)):
        assert (await users[name].send(f"{path}/submit", {"version": 1}))[0] == status, name
    assert (await users["do.a"].send(f"{path}/submit", {"version": 1}))[0] == 200
    # Accepting and returning: the hub only.
    for name, status in (("do.a", 403), ("coord.a", 403), ("do.b", 404), ("cw.a", 403)):
        assert (await users[name].send(f"{path}/accept", {"version": 1}))[0] == status, name
        assert (await users[name].send(f"{path}/return", {"version": 1}))[0] == status, name
    assert (await users["coord"].send(f"{path}/accept", {"version": 1}))[0] == 200
    # Accepted: everyone in the exchange reads it, published; MK itself reads its raw figures.
    for name, status in (("do.b", 200), ("do.none", 200), ("coord", 200), ("cw.a", 403), ("ps.female", 403)):
        assert (await users[name].get(f"{path}?cells=true"))[0] == status, name
    # Correcting: MK's data officer only.
    for name, status in (("do.b", 403), ("coord", 403), ("coord.a", 403)):
        assert (await users[name].send(f"{path}/correct", {"version": 1, "cells": MK_CELLS}))[0] == status, (
            name
        )
    # Reading the exchange's figures: members of the exchange only.
    for route in (
        f"{BASE}/regional?dataflow=ASY_PEND&from=2025-01&to=2025-12",
        f"{BASE}/activity?from=2025-01&to=2025-12",
        f"{BASE}/export.sdmx.csv?dataflow=ASY_PEND&from=2025&to=2025",
        f"{BASE}/export.xlsx?from=2025&to=2025",
        f"{BASE}/submissions",
    ):
        for name, status in (
            ("do.b", 200),
            ("coord", 200),
            ("coord.a", 200),
            ("cw.a", 403),
            ("ps.female", 403),
            ("anonymous", 401),
        ):
            async with users[name].http.get(route) as resp:
                assert resp.status == status, (route, name)
    # Importing: the hub only.
    _, _, sdmx = await users["coord"].get_file(f"{BASE}/export.sdmx.csv?dataflow=ASY_PEND&from=2025&to=2025")
    for name, status in (("do.a", 403), ("coord.a", 403), ("cw.a", 403)):
        assert (await users[name].upload(f"{BASE}/import.sdmx.csv", sdmx, "text/csv"))[0] == status, name
    assert (await users["coord"].upload(f"{BASE}/import.sdmx.csv", sdmx, "text/csv"))[0] == 201


async def test_raw_figures_reach_only_the_reporting_authority(users: dict[str, User]) -> None:
    submission = await accepted(users, "do.a", ON_TIME, MK_CELLS)
    path = f"{BASE}/submissions/{submission}?cells=true"
    own = (await users["do.a"].get(path))[1]
    assert own["cells"]["figures"] == "raw"
    assert sorted(c["OBS_VALUE"] for c in own["cells"]["cells"]) == [3, 13, 16]
    for name in ("do.b", "coord"):
        other = (await users[name].get(path))[1]
        assert other["cells"]["figures"] == "published"
        values = {c["CITIZEN"]: (c["OBS_VALUE"], c["CONF_STATUS"]) for c in other["cells"]["cells"]}
        assert values == {"TOTAL": (15, "F"), "SY": (15, "F"), "AF": (None, "C")}
        assert "messages" not in str(other["report"])
        assert "errors" not in other["report"]


async def test_a_malformed_upload_is_refused_with_its_row_and_reason_and_nothing_is_kept(
    users: dict[str, User], server: RunningServer
) -> None:
    officer = users["do.a"]
    ragged = "CITIZEN,SEX,AGE,OBS_VALUE\r\nTOTAL,T,TOTAL,16\r\nSY,T,TOTAL\r\n"
    url = f"{BASE}/submissions/upload?dataflow=ASY_PEND&period={ON_TIME}"
    status, body = await officer.upload(url, ragged.encode(), "text/csv")
    assert status == 400
    assert body["error"]["code"] == "upload_refused"
    assert body["error"]["row"] == 3
    assert "expected 4 fields" in body["error"]["reason"]
    personal = "CITIZEN,SEX,AGE,OBS_VALUE,date_of_birth\r\nSY,T,TOTAL,1,1990-01-01\r\n"
    status, body = await officer.upload(url, personal.encode(), "text/csv")
    assert status == 400
    assert body["error"]["code"] == "personal_data_refused"
    assert body["error"]["column"] == "date_of_birth"
    status, body = await officer.send(
        f"{BASE}/submissions",
        {
            "dataflow": "ASY_PEND",
            "period": ON_TIME,
            "cells": [{**MK_CELLS[0], "passport_number": "AB1234567"}],
        },
    )
    assert status == 400
    assert body["error"]["code"] == "personal_data_refused"
    status, body = await officer.send(
        f"{BASE}/submissions", {"dataflow": "ASY_PEND", "period": "2025-Q4", "cells": MK_CELLS}
    )
    assert (status, error(body)) == (400, "invalid_period")
    status, body = await officer.send(
        f"{BASE}/submissions", {"dataflow": "ASY_PEND", "period": ON_TIME, "cells": MK_CELLS, "x": 1}
    )
    assert (status, error(body)) == (400, "invalid_input")
    assert await stored(server) == [0, 0]


async def test_an_upload_with_errors_is_kept_as_a_draft_with_row_column_and_rule(
    users: dict[str, User],
) -> None:
    text = (
        "CITIZEN,SEX,AGE,OBS_VALUE\r\nTOTAL,T,TOTAL,17\r\nSY,T,TOTAL,13\r\nAF,T,TOTAL,3\r\nXX,T,TOTAL,1\r\n"
    )
    url = f"{BASE}/submissions/upload?dataflow=ASY_PEND&period={ON_TIME}"
    status, body = await users["do.a"].upload(url, text.encode(), "text/csv")
    assert status == 201
    assert body["state"] == "draft"
    issues = {(e["row"], e["column"], e["rule"]) for e in body["report"]["errors"]}
    assert (5, "CITIZEN", "code_in_list") in issues
    assert (2, "OBS_VALUE", "citizenship_total") in issues
    status, answer = await users["do.a"].send(f"{BASE}/submissions/{body['id']}/submit", {"version": 1})
    assert (status, error(answer)) == (409, "submission_transition_refused")


async def test_an_xlsx_upload_is_read_like_a_csv(users: dict[str, User]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["CITIZEN", "SEX", "AGE", "OBS_VALUE"])
    for cell in MK_CELLS:
        sheet.append([cell["CITIZEN"], cell["SEX"], cell["AGE"], cell["OBS_VALUE"]])
    out = io.BytesIO()
    book.save(out)
    url = f"{BASE}/submissions/upload?dataflow=ASY_PEND&period={ON_TIME}"
    status, body = await users["do.a"].upload(url, out.getvalue(), XLSX)
    assert status == 201
    assert body["state"] == "validated"
    assert body["versions"][0]["source"] == "xlsx"


async def test_a_correction_is_a_new_version_and_the_history_stays_readable(users: dict[str, User]) -> None:
    submission = await accepted(users, "do.a", ON_TIME, MK_CELLS)
    path = f"{BASE}/submissions/{submission}"
    fixed = [dict(MK_CELLS[0], OBS_VALUE=17), dict(MK_CELLS[1], OBS_VALUE=14), MK_CELLS[2]]
    status, body = await users["do.a"].send(f"{path}/correct", {"version": 1, "cells": fixed})
    assert status == 200
    assert [(v["version"], v["state"]) for v in body["versions"]] == [(1, "accepted"), (2, "validated")]
    # Others still see only the accepted version; a decision based on the old version is refused.
    assert [v["version"] for v in (await users["do.b"].get(path))[1]["versions"]] == [1]
    status, answer = await users["coord"].send(f"{path}/accept", {"version": 1})
    assert (status, error(answer)) == (409, "submission_changed")
    await users["do.a"].send(f"{path}/submit", {"version": 2})
    status, body = await users["coord"].send(f"{path}/accept", {"version": 2})
    assert [(v["version"], v["state"]) for v in body["versions"]] == [(1, "superseded"), (2, "accepted")]
    first = (await users["do.a"].get(f"{path}?cells=true&version=1"))[1]["cells"]["cells"]
    assert sorted(c["OBS_VALUE"] for c in first) == [3, 13, 16]


async def test_a_submission_past_its_deadline_is_flagged_late(users: dict[str, User]) -> None:
    for period, late in ((ON_TIME, False), (LATE, True)):
        made = await users["do.a"].create(period, MK_CELLS)
        status, body = await users["do.a"].send(f"{BASE}/submissions/{made['id']}/submit", {"version": 1})
        assert status == 200
        assert body["late"] is late
        assert body["versions"][0]["late"] is late
    listed = (await users["coord"].get(f"{BASE}/submissions?authority=MK&dataflow=ASY_PEND&period={LATE}"))[1]
    assert [s["late"] for s in listed["submissions"]] == [True]


async def test_the_regional_view_and_exports_publish_rounded_figures_with_small_cells_confidential(
    users: dict[str, User],
) -> None:
    await accepted(users, "do.a", ON_TIME, MK_CELLS)
    await accepted(users, "do.b", ON_TIME, RS_CELLS)
    status, body = await users["do.b"].get(f"{BASE}/regional?dataflow=ASY_PEND&from=2025-11&to=2025-11")
    assert status == 200
    totals = {row["geo"]: (row["value"], row["confidential"]) for row in body["rows"]}
    assert totals == {"MK": (15, False), "RS": (5, False), "REGION": (25, False)}
    status, body = await users["do.a"].get(f"{BASE}/regional?dataflow=ASY_PEND&from=2025&to=2025&by=CITIZEN")
    by = {(row["geo"], row["CITIZEN"]): (row["value"], row["confidential"]) for row in body["rows"]}
    assert by[("MK", "AF")] == (None, True)
    assert by[("MK", "SY")] == (15, False)
    assert by[("REGION", "SY")] == (20, False)
    assert all(row["value"] is None or row["value"] % 5 == 0 for row in body["rows"])
    assert "13" not in json.dumps(body["rows"])  # the raw figure is nowhere, not even as a string

    _, kind, sdmx = await users["do.b"].get_file(
        f"{BASE}/export.sdmx.csv?dataflow=ASY_PEND&from=2025-Q4&to=2025-Q4"
    )
    assert kind == "text/csv"
    rows = list(csv.DictReader(io.StringIO(sdmx.decode())))
    assert next(iter(rows[0])) == "STRUCTURE"
    assert {r["OBS_VALUE"] for r in rows} == {"15", "5", ""}
    assert b",13," not in sdmx
    assert {r["CONF_STATUS"] for r in rows if not r["OBS_VALUE"]} == {"C"}
    assert all(r["OBS_VALUE"] == "" or int(r["OBS_VALUE"]) % 5 == 0 for r in rows)

    status, kind, data = await users["do.b"].get_file(f"{BASE}/export.xlsx?from=2025&to=2025")
    assert status == 200
    assert kind == XLSX
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert "ASY_PEND" in book.sheetnames
    assert "Notes" in book.sheetnames
    values = [v for row in book["ASY_PEND"].iter_rows(values_only=True) for v in row]
    assert 15 in values
    assert 5 in values
    assert 13 not in values
    assert 3 not in values
    assert 16 not in values
    notes = " ".join(str(v) for row in book["Notes"].iter_rows(values_only=True) for v in row)
    assert KOSOVO_FOOTNOTE in notes
    book.close()


async def test_sdmx_exported_then_imported_gives_the_same_published_figures(
    users: dict[str, User], server: RunningServer
) -> None:
    await accepted(users, "do.a", ON_TIME, MK_CELLS)
    await accepted(users, "do.b", ON_TIME, RS_CELLS)
    url = f"{BASE}/export.sdmx.csv?dataflow=ASY_PEND&from=2025-11&to=2025-11"
    _, _, before = await users["coord"].get_file(url)

    broken = before.decode().replace(",RS,", ",FR,", 1).encode()  # one bad row: nothing is imported
    counts = await stored(server)
    status, body = await users["coord"].upload(f"{BASE}/import.sdmx.csv", broken, "text/csv")
    assert status == 400
    assert body["error"]["column"] == "GEO"
    assert body["error"]["row"] >= 2
    assert await stored(server) == counts

    status, body = await users["coord"].upload(f"{BASE}/import.sdmx.csv", before, "text/csv")
    assert status == 201
    imported = body["imported"]
    assert {(s["authority"]["code"], s["version"], s["state"]) for s in imported} == {
        ("MK", 2, "submitted"),
        ("RS", 2, "submitted"),
    }
    for submission in imported:
        status, _ = await users["coord"].send(f"{BASE}/submissions/{submission['id']}/accept", {"version": 2})
        assert status == 200
    _, _, after = await users["coord"].get_file(url)
    assert after == before


async def test_the_activity_flow_counts_the_service_s_own_calls(
    users: dict[str, User], server: RunningServer, world: World
) -> None:
    start = FakeClock().now() - timedelta(days=20)  # December 2025
    calls = [
        ("ps", "completed", 61), ("ps", "completed", 600), ("ps", "dropped", 30), ("ar", "completed", 120),
        ("ps", "cancelled", 0),
    ]  # fmt: skip
    async with server.services.db.transaction() as session:
        for i, (language, outcome, seconds) in enumerate(calls):
            answered = start + timedelta(hours=i) if outcome != "cancelled" else None
            session.add(
                CallRecordRow(
                    id=new_id(), organisation_id=world.office_a, caseworker_id=world.id("cw.a"),
                    language=language, requested_at=start + timedelta(hours=i), answered_at=answered,
                    ended_at=answered + timedelta(seconds=seconds) if answered else None,
                    outcome=outcome, ring_attempts=1,
                )
            )  # fmt: skip
    status, body = await users["coord"].get(f"{BASE}/activity?from=2025-12&to=2025-12")
    assert status == 200
    assert body["regional_extension"] is True
    rows = {(r["geo"], r["time_period"], r["language"]): r for r in body["rows"]}
    assert set(rows) == {("MK", "2025-12", "ps"), ("MK", "2025-12", "ar")}
    assert rows[("MK", "2025-12", "ps")]["sessions"] == {"value": 3, "confidential": False}
    assert rows[("MK", "2025-12", "ps")]["minutes"] == {"value": 2 + 10 + 1, "confidential": False}
    # To an authority, the same activity is published: three sessions are a small cell.
    published = (await users["do.b"].get(f"{BASE}/activity?from=2025-12&to=2025-12"))[1]
    assert {
        (r["language"], r["sessions"]["confidential"], r["minutes"]["value"]) for r in published["rows"]
    } == {
        ("ps", True, None),
        ("ar", True, None),
    }
    regional = (await users["do.b"].get(f"{BASE}/regional?dataflow=ASY_PEND&from=2025-12&to=2025-12"))[1]
    assert regional["activity"]["dataflow"] == "REG_INTERPRETING"
    assert len(regional["activity"]["rows"]) == 2


async def test_the_demo_submissions_load_once_and_show_in_the_regional_view(
    server: RunningServer, users: dict[str, User]
) -> None:
    svc = server.services
    await load_demo(svc.accounts, svc.directory, PASSWORD)
    officer = await svc.accounts.principal(await _user(server, "demo.data.officer"))
    hub = await svc.accounts.principal(await _user(server, "demo.coordinator"))
    assert officer is not None
    assert hub is not None
    assert await load_demo_submissions(svc.migration_data, officer, hub) == 3
    assert await load_demo_submissions(svc.migration_data, officer, hub) == 0
    status, body = await users["do.b"].get(f"{BASE}/regional?dataflow=REG_ARRIVALS&from=2026-01&to=2026-03")
    assert status == 200
    assert {(r["geo"], r["time_period"]) for r in body["rows"]} == {
        (geo, month) for geo in (OFFICE_A_COUNTRY, "REGION") for month in ("2026-01", "2026-02")
    }


async def _user(server: RunningServer, username: str) -> UserId:
    found = await server.services.accounts.find_user(username)
    assert found is not None
    return found


async def test_an_upload_over_the_size_limit_is_refused_unread(
    users: dict[str, User], server: RunningServer
) -> None:
    url = f"{BASE}/submissions/upload?dataflow=ASY_PEND&period={ON_TIME}"
    status, body = await users["do.a"].upload(url, io.BytesIO(b"x" * (MAX_UPLOAD_BYTES + 1)), "text/csv")
    assert status == 400
    assert "at most 20 MiB" in body["error"]["message"]
    status, body = await users["do.a"].upload(url, b"CITIZEN,SEX,AGE,OBS_VALUE\r\n", "application/pdf")
    assert (status, error(body)) == (400, "invalid_input")
    assert await stored(server) == [0, 0]


async def test_more_returned_than_ordered_to_leave_is_a_warning_on_whichever_arrives_second(
    users: dict[str, User],
) -> None:
    ordered = [
        {"CITIZEN": "TOTAL", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": 4},
        {"CITIZEN": "MA", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": 4},
    ]
    returned = [
        {"CITIZEN": c, "RETURN_TYPE": "TOTAL", "ASSISTANCE": "TOTAL", "C_DEST": "TOTAL", "OBS_VALUE": 9}
        for c in ("TOTAL", "MA")
    ]
    alone = await users["do.a"].create("2025-Q4", returned, flow="EI_RETURNED")
    assert alone["state"] == "validated"
    assert alone["report"]["warnings"] == []  # nothing to compare with yet

    made = await users["do.a"].create("2025-Q4", ordered, flow="EI_ORDERED")
    assert made["state"] == "validated"  # a warning, not an error: it may still be submitted
    warnings = {(w["rule"], w["message"]) for w in made["report"]["warnings"]}
    assert warnings == {
        ("returns_within_orders", "CITIZEN=TOTAL: 9 returned but 4 ordered to leave"),
        ("returns_within_orders", "CITIZEN=MA: 9 returned but 4 ordered to leave"),
    }
    # Another authority's orders are not this one's.
    other = await users["do.b"].create("2025-Q4", ordered, flow="EI_ORDERED")
    assert other["report"]["warnings"] == []
