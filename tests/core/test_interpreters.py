"""Interpreter profiles and the candidates query that on-demand routing starts from."""

from __future__ import annotations

import pytest

from core.accounts import OrganisationKind, Role
from core.errors import InvalidInput, NotFound
from core.interpreters import Gender, WorkingLanguage
from core.languages import LanguageTag
from rris.services import Services
from tests.support.world import World, build_world


@pytest.fixture
async def world(core_services: Services) -> World:  # type: ignore[override]
    return await build_world(core_services.accounts, core_services.directory)


def lang(tag: str, dialect: str | None = None) -> WorkingLanguage:
    return WorkingLanguage(LanguageTag.parse(tag), dialect)


async def candidates(services: Services, tag: str, org: str, gender: Gender | None = None) -> set[str]:
    found = await services.directory.candidates(LanguageTag.parse(tag), org, gender)  # type: ignore[arg-type]
    return {c.user_id for c in found}


async def test_candidates_cover_the_language_serve_the_office_and_match_gender(
    core_services: Services, world: World
) -> None:
    ids = world.users
    assert await candidates(core_services, "ps", world.office_a) == {ids["ps.female"], ids["ps.male"]}
    assert await candidates(core_services, "ps", world.office_b) == {
        ids["ps.female"],
        ids["ps.male"],
        ids["ps.only.b"],
    }
    assert await candidates(core_services, "ps", world.office_a, Gender.FEMALE) == {ids["ps.female"]}
    assert await candidates(core_services, "ps-PK", world.office_a) == {ids["ps.male"]}
    assert await candidates(core_services, "ar", world.office_b) == set()
    assert await candidates(core_services, "fa-AF", world.office_a) == set()


async def test_profile_round_trips_with_dialects(core_services: Services, world: World) -> None:
    uid = world.id("ar.male")
    await core_services.directory.set_profile(
        uid, Gender.MALE, [lang("ar", "Levantine"), lang("fr")], [world.office_b]
    )
    profile = await core_services.directory.profile(uid)
    assert profile is not None
    assert {(w.tag.tag, w.dialect) for w in profile.languages} == {("ar", "Levantine"), ("fr", None)}
    assert profile.organisations == {world.office_b}


async def test_bad_profiles_are_refused_and_the_old_one_kept(core_services: Services, world: World) -> None:
    uid = world.id("ar.male")
    before = await core_services.directory.profile(uid)
    with pytest.raises(InvalidInput):
        await core_services.directory.set_profile(uid, Gender.MALE, [lang("ar")], ["f" * 32])  # type: ignore[list-item]
    with pytest.raises(InvalidInput):
        await core_services.directory.set_profile(uid, Gender.MALE, [], [world.office_a])
    with pytest.raises(InvalidInput):
        await core_services.directory.set_profile(uid, Gender.MALE, [lang("ar", "x" * 81)], [world.office_a])
    with pytest.raises(NotFound):
        await core_services.directory.set_profile(
            world.id("cw.a"), Gender.MALE, [lang("ar")], [world.office_a]
        )
    assert await core_services.directory.profile(uid) == before
    assert await core_services.directory.profile(world.id("cw.a")) is None


async def test_an_interpreter_account_without_a_profile_is_never_a_candidate(core_services: Services) -> None:
    org = await core_services.accounts.create_organisation("Solo", OrganisationKind.AUTHORITY)
    await core_services.accounts.create_user(org.id, "no.profile", "N", "long password 1", Role.INTERPRETER)
    assert await candidates(core_services, "ps", org.id) == set()


async def test_candidate_lists_are_reused_briefly_and_a_local_profile_change_shows_at_once(
    core_services: Services, world: World, clock
) -> None:
    from core.interpreters import InterpreterDirectory

    other_node = InterpreterDirectory(core_services.db, clock, cache_s=10)
    assert world.id("ar.male") not in await candidates(core_services, "ps", world.office_a)
    assert world.id("ar.male") not in {
        c.user_id for c in await other_node.candidates(LanguageTag.parse("ps"), world.office_a)
    }
    await core_services.directory.set_profile(
        world.id("ar.male"), Gender.MALE, [lang("ps")], [world.office_a]
    )
    assert world.id("ar.male") in await candidates(core_services, "ps", world.office_a)  # this node: at once
    stale = {c.user_id for c in await other_node.candidates(LanguageTag.parse("ps"), world.office_a)}
    assert world.id("ar.male") not in stale  # another node: not yet
    clock.advance(10.1)
    fresh = {c.user_id for c in await other_node.candidates(LanguageTag.parse("ps"), world.office_a)}
    assert world.id("ar.male") in fresh
