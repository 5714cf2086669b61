"""Accounts, interpreter profiles and call records on the real PostgreSQL, through the real services."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from core.accounts import OrganisationKind, Principal, Role
from core.clock import FakeClock
from core.errors import Conflict, InvalidInput, NotAuthenticated
from core.ids import CallId, OrganisationId
from core.interpreters import Gender, WorkingLanguage
from core.languages import LanguageTag
from core.migrate import upgrade
from core.models import (
    CallRecordRow,
    InterpreterLanguageRow,
    InterpreterOrganisationRow,
    InterpreterProfileRow,
    LoginSessionRow,
    OrganisationRow,
    UserRow,
)
from rris.services import Services, build_services
from signaling.client import SignalingClient
from signaling.records import CallRecord
from tests.conftest import make_settings
from tests.support.domain import RecordingNotifier
from tests.support.external import fresh_postgres_database
from tests.support.rows import count_rows
from tests.support.server import RunningServer, running_server
from tests.support.world import PASSWORD, World, build_world

pytestmark = pytest.mark.postgres

Connect = Callable[[str], Awaitable[SignalingClient]]

# A clock away from UTC (Central European Summer Time), to prove what is stored is the instant, in UTC.
CEST = timezone(timedelta(hours=2))
START = datetime(2026, 6, 1, 10, 30, tzinfo=CEST)


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def cest_clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def pg(pg_url: str, tmp_path: Path, cest_clock: FakeClock) -> AsyncIterator[Services]:
    services = build_services(make_settings(tmp_path, database_url=pg_url), cest_clock, RecordingNotifier())
    assert not services.db.is_sqlite
    await upgrade(services.db)
    try:
        yield services
    finally:
        await services.close()


async def count(services: Services, row: type) -> int:
    return await count_rows(services.db, row)


def assert_utc(value: datetime | None) -> datetime:
    assert value is not None
    assert value.tzinfo is not None
    assert value.utcoffset() == timedelta(0)
    return value


async def new_org(services: Services, name: str = "Office") -> OrganisationId:
    return (await services.accounts.create_organisation(name, OrganisationKind.AUTHORITY, "MK")).id


# -- accounts -----------------------------------------------------------------------------------


async def test_accounts_login_resolve_and_logout_round_trip(pg: Services) -> None:
    org = await new_org(pg)
    user_id = await pg.accounts.create_user(org, "cw.one", "Case Worker", PASSWORD, Role.CASEWORKER)
    assert await pg.accounts.find_user("cw.one") == user_id
    found = await pg.accounts.find_organisation("Office")
    assert found is not None
    assert found.id == org

    first = await pg.accounts.login("cw.one", PASSWORD, "client")
    second = await pg.accounts.login("cw.one", PASSWORD, "client")
    view = await pg.accounts.resolve(first.token)
    assert view.principal == Principal(
        user_id=user_id,
        organisation_id=org,
        organisation_kind=OrganisationKind.AUTHORITY,
        role=Role.CASEWORKER,
        display_name="Case Worker",
        organisation_name="Office",
    )
    assert view.csrf_token == first.csrf_token
    async with pg.db.sessions() as session:
        hashes = set((await session.scalars(select(LoginSessionRow.token_hash))).all())
    assert len(hashes) == 2
    assert first.token not in hashes

    await pg.accounts.logout(first.token)
    with pytest.raises(NotAuthenticated):
        await pg.accounts.resolve(first.token)
    # Logging one session out leaves the other one alone.
    assert (await pg.accounts.resolve(second.token)).principal.user_id == user_id
    assert await count(pg, LoginSessionRow) == 1


async def test_sessions_expire_by_the_stored_utc_instant(pg: Services, cest_clock: FakeClock) -> None:
    org = await new_org(pg)
    await pg.accounts.create_user(org, "cw.one", "Case Worker", PASSWORD, Role.CASEWORKER)
    login = await pg.accounts.login("cw.one", PASSWORD, "client")
    cest_clock.advance(pg.settings.session_ttl_s - 1)
    await pg.accounts.resolve(login.token)
    cest_clock.advance(2)
    with pytest.raises(NotAuthenticated):
        await pg.accounts.resolve(login.token)


async def test_timestamps_are_stored_as_timestamptz_and_come_back_aware_utc(
    pg: Services, cest_clock: FakeClock
) -> None:
    org = await new_org(pg)
    user_id = await pg.accounts.create_user(org, "cw.one", "Case Worker", PASSWORD, Role.CASEWORKER)
    login = await pg.accounts.login("cw.one", PASSWORD, "client")
    async with pg.db.sessions() as session:
        org_row = await session.get(OrganisationRow, org)
        user_row = await session.get(UserRow, user_id)
        login_row = (await session.scalars(select(LoginSessionRow))).one()
        column_types = {
            name: data_type
            for name, data_type in (
                await session.execute(
                    text(
                        "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
                        "WHERE table_schema = 'public' AND data_type LIKE 'timestamp%'"
                    )
                )
            ).all()
        }
    assert org_row is not None
    assert user_row is not None
    for stamp in (org_row.created_at, user_row.created_at, login_row.created_at):
        assert assert_utc(stamp) == START  # the same instant, 08:30 UTC
        assert stamp.hour == 8
    assert assert_utc(login_row.expires_at) == START + timedelta(seconds=pg.settings.session_ttl_s)
    assert login.expires_at == login_row.expires_at
    # Every timestamp column of the schema, present and future, is timezone-aware.
    assert set(column_types.values()) == {"timestamp with time zone"}
    assert {
        "organisations.created_at",
        "users.created_at",
        "login_sessions.created_at",
        "login_sessions.expires_at",
        "call_records.requested_at",
        "call_records.rung_at",
        "call_records.answered_at",
        "call_records.ended_at",
    } <= column_types.keys()


async def test_a_naive_datetime_is_refused_and_nothing_is_written(pg: Services) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with pg.db.transaction() as session:
            session.add(
                OrganisationRow(id="n" * 32, name="Naive", kind="authority", created_at=datetime(2026, 1, 1))
            )
    assert await count(pg, OrganisationRow) == 0


# -- constraint violations ----------------------------------------------------------------------


async def test_duplicate_username_is_a_conflict_and_changes_nothing(pg: Services) -> None:
    org = await new_org(pg)
    other_org = await new_org(pg, "Other Office")
    user_id = await pg.accounts.create_user(org, "cw.one", "First Person", PASSWORD, Role.CASEWORKER)
    async with pg.db.sessions() as session:
        before = await session.get(UserRow, user_id)
    assert before is not None

    with pytest.raises(Conflict):
        await pg.accounts.create_user(
            other_org, "cw.one", "Second Person", "another long password", Role.COORDINATOR
        )

    assert await count(pg, UserRow) == 1
    async with pg.db.sessions() as session:
        after = await session.get(UserRow, user_id)
    assert after is not None
    assert (after.organisation_id, after.display_name, after.password_hash, after.role) == (
        before.organisation_id,
        before.display_name,
        before.password_hash,
        before.role,
    )
    # The first owner still logs in with their own password, the would-be second cannot.
    assert (await pg.accounts.login("cw.one", PASSWORD, "c")).principal.user_id == user_id
    # The session can carry on working after the failed transaction.
    assert await pg.accounts.create_user(org, "cw.two", "Third Person", PASSWORD, Role.CASEWORKER)
    assert await count(pg, UserRow) == 2


async def test_duplicate_organisation_name_is_a_conflict_and_changes_nothing(pg: Services) -> None:
    org = await new_org(pg)
    with pytest.raises(Conflict):
        await pg.accounts.create_organisation("Office", OrganisationKind.OPERATOR)
    assert await count(pg, OrganisationRow) == 1
    found = await pg.accounts.find_organisation("Office")
    assert found is not None
    assert (found.id, found.kind, found.country_code) == (org, OrganisationKind.AUTHORITY, "MK")


async def test_a_user_of_an_unknown_organisation_is_refused_and_nothing_is_written(pg: Services) -> None:
    await new_org(pg)
    with pytest.raises(InvalidInput, match="no such organisation"):
        await pg.accounts.create_user(OrganisationId("0" * 32), "cw.one", "Nobody", PASSWORD, Role.CASEWORKER)
    assert await count(pg, UserRow) == 0
    assert await count(pg, OrganisationRow) == 1


async def test_postgres_enforces_foreign_keys_below_the_services(pg: Services, cest_clock: FakeClock) -> None:
    """A call record naming an unknown organisation is rejected by the database itself."""
    org = await new_org(pg)
    user_id = await pg.accounts.create_user(org, "cw.one", "Case Worker", PASSWORD, Role.CASEWORKER)

    def record(organisation: OrganisationId) -> CallRecord:
        return CallRecord(
            id=CallId("c" * 32),
            organisation_id=organisation,
            caseworker_id=user_id,
            interpreter_id=None,
            language="ps",
            requested_gender=None,
            requested_at=cest_clock.now(),
            rung_at=None,
            answered_at=None,
            ended_at=None,
            outcome=None,
            ring_attempts=0,
        )

    with pytest.raises(IntegrityError):
        await pg.records.opened(record(OrganisationId("0" * 32)))
    assert await count(pg, CallRecordRow) == 0
    await pg.records.opened(record(org))
    assert await count(pg, CallRecordRow) == 1


# -- interpreter profiles -----------------------------------------------------------------------


async def candidates(
    services: Services, tag: str, org: OrganisationId, gender: Gender | None = None
) -> set[str]:
    found = await services.directory.candidates(LanguageTag.parse(tag), org, gender)
    return {c.user_id for c in found}


async def test_candidates_cover_the_language_serve_the_office_and_match_gender(pg: Services) -> None:
    world = await build_world(pg.accounts, pg.directory)
    ids = world.users
    # Organisation served: ps.only.b serves office B only.
    assert await candidates(pg, "ps", world.office_a) == {ids["ps.female"], ids["ps.male"]}
    assert await candidates(pg, "ps", world.office_b) == {ids["ps.female"], ids["ps.male"], ids["ps.only.b"]}
    assert await candidates(pg, "ar", world.office_a) == {ids["ar.male"]}
    assert await candidates(pg, "ar", world.office_b) == set()
    # Gender.
    assert await candidates(pg, "ps", world.office_a, Gender.FEMALE) == {ids["ps.female"]}
    assert await candidates(pg, "ps", world.office_a, Gender.MALE) == {ids["ps.male"]}
    assert await candidates(pg, "ar", world.office_a, Gender.FEMALE) == set()
    # Language and region: ps-AF does not cover ps-PK; fa-IR does not cover Dari (fa-AF, also "prs").
    assert await candidates(pg, "ps-PK", world.office_a) == {ids["ps.male"]}
    assert await candidates(pg, "ps-AF", world.office_a) == {ids["ps.female"], ids["ps.male"]}
    assert await candidates(pg, "fa-AF", world.office_a) == set()
    assert await candidates(pg, "prs", world.office_a) == set()
    assert await candidates(pg, "fa-IR", world.office_a) == {ids["fa.iran"]}
    assert await candidates(pg, "fa", world.office_a) == {ids["fa.iran"]}
    assert await candidates(pg, "en", world.office_b) == {ids["ps.female"]}


async def test_a_deactivated_interpreter_is_no_candidate(pg: Services) -> None:
    world = await build_world(pg.accounts, pg.directory)
    async with pg.db.transaction() as session:
        user = await session.get(UserRow, world.id("ps.male"))
        assert user is not None
        user.active = False
    assert await candidates(pg, "ps", world.office_a) == {world.id("ps.female")}


async def test_profiles_round_trip_and_a_new_profile_replaces_the_old_one(pg: Services) -> None:
    world = await build_world(pg.accounts, pg.directory)
    uid = world.id("ar.male")
    await pg.directory.set_profile(
        uid,
        Gender.NON_BINARY,
        [WorkingLanguage(LanguageTag.parse("ar"), "Levantine"), WorkingLanguage(LanguageTag.parse("fr"))],
        [world.office_b],
    )
    profile = await pg.directory.profile(uid)
    assert profile is not None
    assert profile.gender is Gender.NON_BINARY
    assert {(w.tag.tag, w.dialect) for w in profile.languages} == {("ar", "Levantine"), ("fr", None)}
    assert profile.organisations == {world.office_b}
    # The old office no longer reaches them, the new one does.
    assert await candidates(pg, "ar", world.office_a) == set()
    assert await candidates(pg, "ar", world.office_b, Gender.NON_BINARY) == {uid}


async def test_a_profile_serving_an_unknown_organisation_is_refused_and_the_old_one_kept(
    pg: Services,
) -> None:
    world = await build_world(pg.accounts, pg.directory)
    uid = world.id("ps.male")
    before = await pg.directory.profile(uid)
    rows_before = (
        await count(pg, InterpreterProfileRow),
        await count(pg, InterpreterLanguageRow),
        await count(pg, InterpreterOrganisationRow),
    )
    with pytest.raises(InvalidInput, match="unknown organisation"):
        await pg.directory.set_profile(
            uid,
            Gender.FEMALE,
            [WorkingLanguage(LanguageTag.parse("de"))],
            [world.office_a, OrganisationId("0" * 32)],
        )
    assert await pg.directory.profile(uid) == before
    assert rows_before == (
        await count(pg, InterpreterProfileRow),
        await count(pg, InterpreterLanguageRow),
        await count(pg, InterpreterOrganisationRow),
    )


# -- call records through the real server -------------------------------------------------------


@pytest.fixture
async def pg_server(pg_url: str, tmp_path: Path) -> AsyncIterator[RunningServer]:
    settings = make_settings(tmp_path, database_url=pg_url, ring_timeout_s=15.0)
    async with running_server(settings) as running:
        assert not running.services.db.is_sqlite
        yield running


@pytest.fixture
async def pg_world(pg_server: RunningServer) -> World:
    return await build_world(pg_server.services.accounts, pg_server.services.directory)


@pytest.fixture
async def connect(pg_server: RunningServer) -> AsyncIterator[Connect]:
    """``await connect("cw.a")``: a client logged in and connected to the PostgreSQL-backed server."""
    made: list[SignalingClient] = []

    async def make(username: str) -> SignalingClient:
        c = SignalingClient(pg_server.url)
        made.append(c)
        await c.login(username, PASSWORD)
        await c.connect()
        return c

    yield make
    for c in made:
        await c.close()


async def record_of(server: RunningServer, world: World, call_id: str) -> CallRecord:
    coord = await server.services.accounts.principal(world.id("coord"))
    assert coord is not None
    return await server.services.records.get(call_id, coord)


async def test_a_call_record_is_written_through_the_whole_lifecycle(
    pg_server: RunningServer, pg_world: World, connect: Connect
) -> None:
    interpreter = await connect("ps.female")
    caseworker = await connect("cw.a")
    assert (await interpreter.call("presence:standby", {"on": True}))["state"] == "standby"

    requested = await caseworker.call("call:request", {"language": "ps-AF", "gender": "female"})
    assert requested["ok"], requested
    call_id = requested["call_id"]
    assert (await interpreter.next_event("call:ring"))["call_id"] == call_id

    opened = await record_of(pg_server, pg_world, call_id)
    assert opened.organisation_id == pg_world.office_a
    assert opened.caseworker_id == pg_world.id("cw.a")
    assert (opened.language, opened.requested_gender) == ("ps-AF", "female")
    assert assert_utc(opened.requested_at)
    assert (opened.interpreter_id, opened.answered_at, opened.ended_at, opened.outcome) == (
        None,
        None,
        None,
        None,
    )

    accepted = await interpreter.call("call:accept", {"call_id": call_id})
    assert accepted["ok"], accepted
    assert (await caseworker.next_event("call:accepted"))["call_id"] == call_id
    answered = await record_of(pg_server, pg_world, call_id)
    assert answered.interpreter_id == pg_world.id("ps.female")
    assert answered.ring_attempts == 1
    assert assert_utc(answered.rung_at) <= assert_utc(answered.answered_at)
    assert (answered.ended_at, answered.outcome) == (None, None)

    assert (await caseworker.call("call:hangup", {"call_id": call_id}))["ok"]
    assert (await interpreter.next_event("call:ended"))["outcome"] == "completed"
    assert (await caseworker.next_event("call:ended"))["outcome"] == "completed"

    ended = await record_of(pg_server, pg_world, call_id)
    assert ended.outcome == "completed"
    assert ended.interpreter_id == pg_world.id("ps.female")
    assert ended.ring_attempts == 1
    assert ended.requested_at == opened.requested_at
    assert ended.answered_at == answered.answered_at
    assert (
        assert_utc(ended.requested_at)
        <= assert_utc(ended.rung_at)
        <= assert_utc(ended.answered_at)
        <= assert_utc(ended.ended_at)
    )
    assert ended.ended_at is not None
    assert ended.ended_at - ended.requested_at < timedelta(minutes=1)
    assert abs(datetime.now(UTC) - ended.ended_at) < timedelta(minutes=1)

    # Over HTTP the caseworker sees the same record, with explicit UTC offsets.
    async with caseworker.http.get(f"{pg_server.url}/api/calls/{call_id}") as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["outcome"] == "completed"
    for field in ("requested_at", "rung_at", "answered_at", "ended_at"):
        assert body[field].endswith("+00:00"), body[field]
    assert await count(pg_server.services, CallRecordRow) == 1


async def test_a_request_nobody_can_take_is_recorded_as_no_interpreter(
    pg_server: RunningServer, pg_world: World, connect: Connect
) -> None:
    caseworker = await connect("cw.a")
    requested = await caseworker.call("call:request", {"language": "ps"})
    assert requested["ok"], requested
    assert requested["state"] == "ended"
    record = await record_of(pg_server, pg_world, requested["call_id"])
    assert record.outcome == "no_interpreter"
    assert record.caseworker_id == pg_world.id("cw.a")
    assert (record.interpreter_id, record.answered_at, record.ring_attempts) == (None, None, 0)
    assert assert_utc(record.requested_at) <= assert_utc(record.ended_at)
    # Nothing live is left behind: the caseworker is free to ask again, and gets a new record.
    again = await caseworker.call("call:request", {"language": "ps"})
    assert again["ok"], again
    assert again["call_id"] != requested["call_id"]
    assert await count(pg_server.services, CallRecordRow) == 2
