"""Organisations, users and login sessions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.accounts import OrganisationKind, Role
from core.clock import FakeClock
from core.errors import Conflict, InvalidCredentials, InvalidInput, NotAuthenticated, TooManyAttempts
from core.models import LoginSessionRow, OrganisationRow, UserRow
from rris.services import Services
from tests.support.rows import count_rows

PASSWORD = "a long enough password"


async def count(services: Services, row: type) -> int:
    return await count_rows(services.db, row)


async def make_user(services: Services, username: str = "cw.one", role: Role = Role.CASEWORKER) -> str:
    org = await services.accounts.find_organisation("Office")
    if org is None:
        org = await services.accounts.create_organisation("Office", OrganisationKind.AUTHORITY, "AL")
    return await services.accounts.create_user(org.id, username, "Some Name", PASSWORD, role)


async def test_passwords_are_stored_as_argon2id_hashes(core_services: Services) -> None:
    user_id = await make_user(core_services)
    async with core_services.db.sessions() as session:
        stored = (await session.get(UserRow, user_id)).password_hash  # type: ignore[union-attr]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


async def test_login_opens_a_session_that_resolves_to_the_principal(core_services: Services) -> None:
    user_id = await make_user(core_services)
    login = await core_services.accounts.login("cw.one", PASSWORD, "client")
    view = await core_services.accounts.resolve(login.token)
    assert view.principal.user_id == user_id
    assert view.principal.role is Role.CASEWORKER
    assert view.principal.organisation_name == "Office"
    assert view.csrf_token == login.csrf_token
    async with core_services.db.sessions() as session:
        hashes = (await session.scalars(select(LoginSessionRow.token_hash))).all()
    assert login.token not in hashes  # only the hash is kept


async def test_wrong_password_and_unknown_user_are_refused_alike(core_services: Services) -> None:
    await make_user(core_services)
    for username, password in (("cw.one", "wrong password!"), ("nobody.here", PASSWORD)):
        with pytest.raises(InvalidCredentials):
            await core_services.accounts.login(username, password, "client")
    assert await count(core_services, LoginSessionRow) == 0


async def test_repeated_failures_lock_the_username_even_with_the_right_password(
    core_services: Services,
) -> None:
    await make_user(core_services)
    for i in range(core_services.settings.login_max_failures):
        with pytest.raises(InvalidCredentials):
            await core_services.accounts.login("cw.one", "wrong password!", f"client-{i}")
    with pytest.raises(TooManyAttempts):
        await core_services.accounts.login("cw.one", PASSWORD, "client-new")
    assert await count(core_services, LoginSessionRow) == 0


async def test_sessions_expire_and_logout_ends_them(core_services: Services, clock: FakeClock) -> None:
    await make_user(core_services)
    first = await core_services.accounts.login("cw.one", PASSWORD, "c")
    second = await core_services.accounts.login("cw.one", PASSWORD, "c")
    await core_services.accounts.logout(first.token)
    with pytest.raises(NotAuthenticated):
        await core_services.accounts.resolve(first.token)
    await core_services.accounts.resolve(second.token)
    clock.advance(core_services.settings.session_ttl_s + 1)
    with pytest.raises(NotAuthenticated):
        await core_services.accounts.resolve(second.token)


async def test_changing_a_password_ends_every_session(core_services: Services) -> None:
    user_id = await make_user(core_services)
    login = await core_services.accounts.login("cw.one", PASSWORD, "c")
    await core_services.accounts.set_password(user_id, "another long password")  # type: ignore[arg-type]
    with pytest.raises(NotAuthenticated):
        await core_services.accounts.resolve(login.token)


@pytest.mark.parametrize(
    ("username", "password", "display"),
    [
        ("A", PASSWORD, "x"),
        ("ok.name", "short", "x"),
        ("ok.name", PASSWORD, "  "),
        ("bad name", PASSWORD, "x"),
    ],
)
async def test_invalid_users_are_refused_and_nothing_is_written(
    core_services: Services, username: str, password: str, display: str
) -> None:
    org = await core_services.accounts.create_organisation("Office", OrganisationKind.AUTHORITY)
    with pytest.raises(InvalidInput):
        await core_services.accounts.create_user(org.id, username, display, password, Role.CASEWORKER)
    assert await count(core_services, UserRow) == 0


async def test_duplicates_are_conflicts_that_change_nothing(core_services: Services) -> None:
    await make_user(core_services)
    with pytest.raises(Conflict):
        await make_user(core_services)
    with pytest.raises(Conflict):
        await core_services.accounts.create_organisation("Office", OrganisationKind.AUTHORITY)
    assert await count(core_services, UserRow) == 1
    assert await count(core_services, OrganisationRow) == 1


async def test_a_user_needs_an_existing_organisation(core_services: Services) -> None:
    with pytest.raises(InvalidInput):
        await core_services.accounts.create_user("0" * 32, "cw.one", "N", PASSWORD, Role.CASEWORKER)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        await core_services.accounts.create_organisation("X", OrganisationKind.AUTHORITY, "mk")
    assert await count(core_services, UserRow) == 0
    assert await count(core_services, OrganisationRow) == 0


async def test_a_colleagues_typos_do_not_lock_out_the_office_behind_one_address(
    core_services: Services,
) -> None:
    await make_user(core_services, "cw.one")
    await make_user(core_services, "cw.two")
    for _ in range(core_services.settings.login_max_failures):
        with pytest.raises(InvalidCredentials):
            await core_services.accounts.login("cw.one", "wrong password!", "office-nat")
    assert await core_services.accounts.login("cw.two", PASSWORD, "office-nat")


async def test_one_address_spraying_many_accounts_is_stopped(core_services: Services) -> None:
    await make_user(core_services, "cw.one")
    for i in range(core_services.settings.login_max_failures_per_client):
        with pytest.raises(InvalidCredentials):
            await core_services.accounts.login(f"guess.{i}", "wrong password!", "attacker")
    with pytest.raises(TooManyAttempts):
        await core_services.accounts.login("cw.one", PASSWORD, "attacker")
    assert await count(core_services, LoginSessionRow) == 0
