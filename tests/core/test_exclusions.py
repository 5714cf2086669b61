"""Authorities' standing exclusion lists: per organisation, interpreters only, changed whole or not at all."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from core.accounts import OrganisationKind, Principal, Role
from core.clock import FakeClock
from core.errors import Forbidden, InvalidInput, NotFound
from core.exclusions import MAX_EXCLUSIONS, may_manage_exclusions, require_may_manage_exclusions
from core.ids import OrganisationId, UserId
from core.models import OrganisationExclusionRow
from rris.services import Services
from tests.support.rows import count_rows
from tests.support.world import World, build_world

UNKNOWN_ORG = OrganisationId("f" * 32)


@pytest.fixture
async def world(core_services: Services) -> World:  # type: ignore[override]
    return await build_world(core_services.accounts, core_services.directory)


async def exclusion_rows(services: Services) -> int:
    return await count_rows(services.db, OrganisationExclusionRow)


async def added_at(services: Services, org: OrganisationId) -> dict[str, object]:
    async with services.db.sessions() as session:
        rows = (
            await session.scalars(
                select(OrganisationExclusionRow).where(OrganisationExclusionRow.organisation_id == org)
            )
        ).all()
    return {row.interpreter_id: row.created_at for row in rows}


async def test_an_organisation_excludes_nobody_until_told(core_services: Services, world: World) -> None:
    assert await core_services.exclusions.excluded(world.office_a) == frozenset()


async def test_replace_sets_the_list_and_each_organisation_keeps_its_own(
    core_services: Services, world: World
) -> None:
    ps, ar = world.id("ps.male"), world.id("ar.male")
    assert await core_services.exclusions.replace(world.office_a, [ps, ar, ps]) == {ps, ar}
    assert await core_services.exclusions.excluded(world.office_a) == {ps, ar}
    assert await core_services.exclusions.excluded(world.office_b) == frozenset()
    assert await core_services.exclusions.replace(world.office_a, [ar]) == {ar}
    assert await core_services.exclusions.excluded(world.office_a) == {ar}
    assert await core_services.exclusions.replace(world.office_a, []) == frozenset()
    assert await exclusion_rows(core_services) == 0


async def test_an_interpreter_kept_on_the_list_keeps_the_time_they_were_first_excluded(
    core_services: Services, world: World, clock: FakeClock
) -> None:
    ps, ar = world.id("ps.male"), world.id("ar.male")
    await core_services.exclusions.replace(world.office_a, [ps])
    first = await added_at(core_services, world.office_a)
    clock.advance(3600)
    await core_services.exclusions.replace(world.office_a, [ps, ar])
    now = await added_at(core_services, world.office_a)
    assert now[ps] == first[ps]
    assert now[ar] == clock.now()


async def test_add_and_remove_change_one_entry_and_repeating_them_changes_nothing(
    core_services: Services, world: World
) -> None:
    ps, ar = world.id("ps.male"), world.id("ar.male")
    await core_services.exclusions.add(world.office_b, ps)
    await core_services.exclusions.add(world.office_b, ps)
    await core_services.exclusions.add(world.office_b, ar)
    assert await core_services.exclusions.excluded(world.office_b) == {ps, ar}
    await core_services.exclusions.remove(world.office_b, ps)
    await core_services.exclusions.remove(world.office_b, ps)
    assert await core_services.exclusions.excluded(world.office_b) == {ar}


@pytest.mark.parametrize(
    "who",
    [
        pytest.param("cw.a", id="a-caseworker"),
        pytest.param("coord", id="a-coordinator"),
        pytest.param("nobody", id="an-unknown-id"),
    ],
)
async def test_only_interpreters_can_be_excluded_and_a_refused_change_keeps_the_old_list(
    core_services: Services, world: World, who: str
) -> None:
    kept = world.id("ps.male")
    await core_services.exclusions.replace(world.office_a, [kept])
    before = await exclusion_rows(core_services)
    not_an_interpreter = world.users.get(who, UserId("0" * 32))
    with pytest.raises(InvalidInput):
        await core_services.exclusions.replace(world.office_a, [world.id("ar.male"), not_an_interpreter])
    with pytest.raises(InvalidInput):
        await core_services.exclusions.add(world.office_a, not_an_interpreter)
    assert await core_services.exclusions.excluded(world.office_a) == {kept}
    assert await exclusion_rows(core_services) == before


async def test_an_unknown_organisation_is_not_found_and_gets_no_list(
    core_services: Services, world: World
) -> None:
    ps = world.id("ps.male")
    with pytest.raises(NotFound):
        await core_services.exclusions.excluded(UNKNOWN_ORG)
    with pytest.raises(NotFound):
        await core_services.exclusions.replace(UNKNOWN_ORG, [ps])
    with pytest.raises(NotFound):
        await core_services.exclusions.add(UNKNOWN_ORG, ps)
    with pytest.raises(NotFound):
        await core_services.exclusions.remove(UNKNOWN_ORG, ps)
    assert await exclusion_rows(core_services) == 0


async def test_a_list_longer_than_the_limit_is_refused(core_services: Services, world: World) -> None:
    too_many = [UserId(f"{i:032x}") for i in range(MAX_EXCLUSIONS + 1)]
    with pytest.raises(InvalidInput, match="at most"):
        await core_services.exclusions.replace(world.office_a, too_many)
    assert await exclusion_rows(core_services) == 0


async def test_concurrent_replacements_leave_one_of_the_lists_whole(
    core_services: Services, world: World
) -> None:
    lists = [
        [world.id("ps.male"), world.id("ar.male")],
        [world.id("ar.male"), world.id("fa.iran"), world.id("ps.only.b")],
    ]
    await asyncio.gather(*(core_services.exclusions.replace(world.office_a, ids) for ids in lists))
    assert await core_services.exclusions.excluded(world.office_a) in [frozenset(ids) for ids in lists]


def staff(role: Role, org: str, kind: OrganisationKind = OrganisationKind.AUTHORITY) -> Principal:
    return Principal(UserId(f"{role}-{org}"), OrganisationId(org), kind, role, "Test", org)


def test_the_organisations_own_coordinators_and_the_operators_staff_manage_its_list() -> None:
    office = OrganisationId("office-a")
    assert may_manage_exclusions(staff(Role.COORDINATOR, "office-a"), office)
    assert may_manage_exclusions(staff(Role.COORDINATOR, "pool", OrganisationKind.OPERATOR), office)
    assert may_manage_exclusions(staff(Role.ADMIN, "pool", OrganisationKind.OPERATOR), office)
    refused = [
        staff(Role.COORDINATOR, "office-b"),
        staff(Role.CASEWORKER, "office-a"),
        staff(Role.ADMIN, "office-a"),
        staff(Role.INTERPRETER, "pool", OrganisationKind.OPERATOR),
    ]
    for who in refused:
        with pytest.raises(Forbidden):
            require_may_manage_exclusions(who, office)
