"""Profiles for matching: accreditation per language, specialisations and declared conflicts, who reads and
who changes them, and refusals that leave the stored profile exactly as it was."""

from __future__ import annotations

import asyncio

import pytest

import scheduler.constraints
from core.accounts import OrganisationKind, Principal, Role
from core.errors import Forbidden, InvalidInput, NotFound
from core.ids import OrganisationId, UserId
from core.interpreters import (
    MAX_CONFLICTS,
    MAX_LANGUAGES,
    Accreditation,
    Attribute,
    Gender,
    Specialisation,
    WorkingLanguage,
    may_read_profile,
    require_may_edit_profile,
    require_may_read_profile,
)
from core.languages import LanguageTag
from core.models import InterpreterConflictRow, InterpreterLanguageRow, InterpreterSpecialisationRow
from rris.services import Services
from tests.support.rows import count_rows
from tests.support.world import World, build_world

PROFILE_TABLES = (InterpreterLanguageRow, InterpreterSpecialisationRow, InterpreterConflictRow)


@pytest.fixture
async def world(core_services: Services) -> World:  # type: ignore[override]
    return await build_world(core_services.accounts, core_services.directory)


def lang(tag: str, dialect: str | None = None, level: Accreditation = Accreditation.NONE) -> WorkingLanguage:
    return WorkingLanguage(LanguageTag.parse(tag), dialect, level)


async def row_counts(services: Services) -> list[int]:
    return [await count_rows(services.db, table) for table in PROFILE_TABLES]


async def give_full_profile(services: Services, world: World) -> UserId:
    uid = world.id("fa.iran")
    await services.directory.set_profile(
        uid,
        Gender.FEMALE,
        [lang("fa-IR", level=Accreditation.SWORN), lang("fa-AF", "Dari", Accreditation.TRAINED)],
        [world.office_a],
        specialisations=[Specialisation.MEDICAL, Specialisation.CHILD_FRIENDLY],
        conflicts=[Attribute("nationality", "ir")],
    )
    return uid


def principal(role: Role, org: str = "pool", kind: OrganisationKind = OrganisationKind.OPERATOR) -> Principal:
    return Principal(UserId(f"{role}-{org}"), OrganisationId(org), kind, role, "Test", org)


async def test_accreditation_specialisations_and_conflicts_round_trip(
    core_services: Services, world: World
) -> None:
    uid = world.id("ar.male")
    stored = await core_services.directory.set_profile(
        uid,
        Gender.MALE,
        [lang("ar", "Levantine", Accreditation.SWORN), lang("fr", level=Accreditation.CERTIFIED), lang("en")],
        [world.office_a, world.office_b],
        specialisations=[Specialisation.ASYLUM_INTERVIEW, Specialisation.GENDER_BASED_VIOLENCE],
        conflicts=[Attribute("nationality", "sy"), Attribute("community", "druze")],
    )
    read = await core_services.directory.profile(uid)
    assert read == stored
    assert [(w.tag.tag, w.dialect, w.accreditation) for w in read.languages] == [
        ("ar", "Levantine", Accreditation.SWORN),
        ("fr", None, Accreditation.CERTIFIED),
        ("en", None, Accreditation.NONE),
    ]
    assert read.specialisations == {Specialisation.ASYLUM_INTERVIEW, Specialisation.GENDER_BASED_VIOLENCE}
    assert read.conflicts == {Attribute("nationality", "sy"), Attribute("community", "druze")}


async def test_a_profile_set_without_the_new_parts_has_none_of_them(
    core_services: Services, world: World
) -> None:
    profile = await core_services.directory.profile(world.id("ps.male"))
    assert profile is not None
    assert {w.accreditation for w in profile.languages} == {Accreditation.NONE}
    assert profile.specialisations == frozenset()
    assert profile.conflicts == frozenset()


async def test_setting_a_profile_replaces_specialisations_and_conflicts_rather_than_adding(
    core_services: Services, world: World
) -> None:
    uid = await give_full_profile(core_services, world)
    await core_services.directory.set_profile(
        uid,
        Gender.FEMALE,
        [lang("fa-IR", level=Accreditation.CERTIFIED)],
        [world.office_b],
        specialisations=[Specialisation.ASYLUM_INTERVIEW],
    )
    profile = await core_services.directory.profile(uid)
    assert profile is not None
    assert [(w.tag.tag, w.accreditation) for w in profile.languages] == [("fa-IR", Accreditation.CERTIFIED)]
    assert profile.specialisations == {Specialisation.ASYLUM_INTERVIEW}
    assert profile.conflicts == frozenset()
    assert profile.organisations == {world.office_b}


async def test_declared_conflicts_are_stored_tidy_and_once(core_services: Services, world: World) -> None:
    uid = world.id("ps.female")
    await core_services.directory.set_profile(
        uid,
        Gender.FEMALE,
        [lang("ps-AF")],
        [world.office_a],
        conflicts=[Attribute(" Nationality ", "AF"), Attribute("nationality", "af")],
        specialisations=["medical", Specialisation.MEDICAL],  # type: ignore[list-item]
    )
    profile = await core_services.directory.profile(uid)
    assert profile is not None
    assert profile.conflicts == {Attribute("nationality", "af")}
    assert profile.specialisations == {Specialisation.MEDICAL}
    assert await count_rows(core_services.db, InterpreterConflictRow) == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"specialisations": ["interrogation"]}, id="unknown-specialisation"),
        pytest.param(
            {"conflicts": [Attribute("community", f"c{i}") for i in range(MAX_CONFLICTS + 1)]},
            id="too-many-conflicts",
        ),
        pytest.param({"conflicts": [("nationality", "af")]}, id="conflict-not-an-attribute"),
        pytest.param({"languages": [lang("ps")] * 2 + [lang("ps", level=Accreditation.SWORN)]}, id="twice"),
        pytest.param(
            {"languages": [lang("ps", f"dialect {i}") for i in range(MAX_LANGUAGES + 1)]},
            id="too-many-languages",
        ),
        pytest.param({"languages": [lang("ps", "x" * 81)]}, id="dialect-too-long"),
        pytest.param({"organisations": [OrganisationId("f" * 32)]}, id="unknown-organisation"),
        pytest.param({"user": "cw.a"}, id="not-an-interpreter"),
    ],
)
async def test_a_refused_profile_changes_nothing(
    core_services: Services, world: World, change: dict[str, object]
) -> None:
    uid = await give_full_profile(core_services, world)
    before, counts = await core_services.directory.profile(uid), await row_counts(core_services)
    arguments: dict[str, object] = {
        "languages": [lang("ps", level=Accreditation.CERTIFIED)],
        "organisations": [world.office_b],
        "specialisations": [Specialisation.MEDICAL],
        "conflicts": [Attribute("nationality", "af")],
        **change,
    }
    target = world.id(str(arguments.pop("user", "fa.iran")))
    with pytest.raises((InvalidInput, NotFound)):
        await core_services.directory.set_profile(
            target,
            Gender.FEMALE,
            arguments["languages"],  # type: ignore[arg-type]
            arguments["organisations"],  # type: ignore[arg-type]
            specialisations=arguments["specialisations"],  # type: ignore[arg-type]
            conflicts=arguments["conflicts"],  # type: ignore[arg-type]
        )
    assert await core_services.directory.profile(uid) == before
    assert await row_counts(core_services) == counts


async def test_concurrent_changes_of_one_profile_leave_one_of_them_whole(
    core_services: Services, world: World
) -> None:
    uid = world.id("ar.male")
    first = {
        "specialisations": [Specialisation.MEDICAL],
        "conflicts": [Attribute("nationality", "sy")],
    }
    second = {
        "specialisations": [Specialisation.CHILD_FRIENDLY, Specialisation.ASYLUM_INTERVIEW],
        "conflicts": [Attribute("community", "kurdish")],
    }
    results = await asyncio.gather(
        *(
            core_services.directory.set_profile(
                uid, Gender.MALE, [lang("ar", level=level)], [world.office_a], **parts
            )
            for level, parts in ((Accreditation.TRAINED, first), (Accreditation.SWORN, second))
        )
    )
    assert await core_services.directory.profile(uid) in results


def test_the_scheduler_speaks_the_same_vocabulary_as_the_profiles() -> None:
    assert scheduler.constraints.Accreditation is Accreditation
    assert scheduler.constraints.Specialisation is Specialisation
    assert scheduler.constraints.Attribute is Attribute


def test_accreditation_is_named_on_the_wire_and_anything_else_is_refused() -> None:
    assert [a.label for a in Accreditation] == ["none", "trained", "certified", "sworn"]
    assert all(Accreditation.from_label(a.label) is a for a in Accreditation)
    for bad in ("Certified", "2", "expert", ""):
        with pytest.raises(InvalidInput):
            Accreditation.from_label(bad)


def test_the_interpreter_and_every_coordinator_read_a_profile_nobody_else() -> None:
    interpreter = principal(Role.INTERPRETER)
    assert may_read_profile(interpreter, interpreter.user_id)
    assert not may_read_profile(interpreter, UserId("someone-else"))
    assert may_read_profile(principal(Role.COORDINATOR), UserId("x"))
    assert may_read_profile(principal(Role.COORDINATOR, "office", OrganisationKind.AUTHORITY), UserId("x"))
    for role in (Role.CASEWORKER, Role.ADMIN):
        with pytest.raises(Forbidden):
            require_may_read_profile(principal(role), UserId("x"))


def test_only_the_pools_or_the_operators_coordinators_change_a_profile() -> None:
    pooled = principal(Role.INTERPRETER)
    assert require_may_edit_profile(principal(Role.COORDINATOR), pooled) == pooled
    other_pool = principal(Role.COORDINATOR, "other", OrganisationKind.OPERATOR)
    assert require_may_edit_profile(other_pool, pooled) == pooled  # the operator oversees every pool
    authority_coordinator = principal(Role.COORDINATOR, "office", OrganisationKind.AUTHORITY)
    with pytest.raises(Forbidden):
        require_may_edit_profile(authority_coordinator, pooled)
    for role in (Role.CASEWORKER, Role.ADMIN, Role.INTERPRETER):
        with pytest.raises(Forbidden):
            require_may_edit_profile(principal(role), pooled)
    with pytest.raises(Forbidden):  # refused before learning whether the interpreter exists
        require_may_edit_profile(principal(Role.CASEWORKER), None)
    for missing in (None, principal(Role.CASEWORKER)):
        with pytest.raises(NotFound):
            require_may_edit_profile(principal(Role.COORDINATOR), missing)
