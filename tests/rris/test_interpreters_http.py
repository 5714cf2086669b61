"""The profile and exclusion-list API: who may read and change what, strict bodies, refusals that change
nothing, and each authority's list kept to that authority and the operator."""

from __future__ import annotations

from typing import Any

import pytest

from core.accounts import Role
from core.models import (
    InterpreterConflictRow,
    InterpreterLanguageRow,
    InterpreterOrganisationRow,
    InterpreterSpecialisationRow,
    OrganisationExclusionRow,
)
from tests.rris.conftest import ApiUser, HttpFactory, count_rows
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

PROFILE_TABLES = (
    InterpreterLanguageRow,
    InterpreterOrganisationRow,
    InterpreterSpecialisationRow,
    InterpreterConflictRow,
)
UNKNOWN_ID = "f" * 32


class User(ApiUser):
    async def put(self, path: str, body: object, *, csrf: bool = True) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        async with self.http.put(path, json=body, headers=headers) as resp:
            return resp.status, await resp.json()

    async def put_raw(self, path: str, data: str) -> tuple[int, Any]:
        return await self.post_bytes(path, data, "application/json", method="PUT")


async def login(http: HttpFactory, username: str) -> User:
    return await User.log_in(http(), username)


def profile_path(world: World, username: str) -> str:
    return f"/api/interpreters/{world.id(username)}/profile"


def exclusions_path(organisation_id: str) -> str:
    return f"/api/organisations/{organisation_id}/exclusions"


def profile_body(world: World, **changes: object) -> dict[str, object]:
    return {
        "gender": "female",
        "languages": [
            {"tag": "ps-AF", "dialect": "Kandahari", "accreditation": "certified"},
            {"tag": "en", "accreditation": "trained"},
        ],
        "organisations": [world.office_a, world.office_b],
        "specialisations": ["asylum_interview", "gender_based_violence"],
        "conflicts": [{"key": "nationality", "value": "af"}],
        **changes,
    }


async def profile_rows(server: RunningServer) -> list[int]:
    return [await count_rows(server, table) for table in PROFILE_TABLES]


async def test_a_coordinator_replaces_a_profile_and_reads_it_back(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    coordinator = await login(http, "coord")
    body = profile_body(world, conflicts=[{"key": " Nationality", "value": "AF "}])
    status, stored = await coordinator.put(profile_path(world, "ps.female"), body)
    assert status == 200, stored
    assert stored == {
        "gender": "female",
        "languages": [
            {"tag": "ps-AF", "dialect": "Kandahari", "accreditation": "certified"},
            {"tag": "en", "dialect": None, "accreditation": "trained"},
        ],
        "organisations": sorted([world.office_a, world.office_b]),
        "specialisations": ["asylum_interview", "gender_based_violence"],
        "conflicts": [{"key": "nationality", "value": "af"}],
    }
    assert await coordinator.get(profile_path(world, "ps.female")) == (200, stored)
    interpreter = await login(http, "ps.female")
    assert await interpreter.get(profile_path(world, "ps.female")) == (200, stored)


async def test_what_get_returns_can_be_put_back_unchanged(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    coordinator = await login(http, "coord")
    status, read = await coordinator.get(profile_path(world, "fa.iran"))
    assert status == 200
    assert read["languages"] == [{"tag": "fa-IR", "dialect": None, "accreditation": "none"}]
    assert await coordinator.put(profile_path(world, "fa.iran"), read) == (200, read)


@pytest.mark.parametrize(
    ("username", "target", "expected"),
    [
        pytest.param("ps.female", "ps.female", 200, id="the-interpreter-themselves"),
        pytest.param("coord", "ps.male", 200, id="the-operators-coordinator"),
        pytest.param("coord.a", "ps.male", 200, id="an-authoritys-coordinator"),
        pytest.param("ps.female", "ps.male", 403, id="another-interpreter"),
        pytest.param("cw.a", "ps.male", 403, id="a-caseworker-conflicts-are-sensitive"),
        pytest.param("coord", "cw.a", 404, id="not-an-interpreter"),
    ],
)
async def test_who_reads_a_profile(
    server: RunningServer, world: World, http: HttpFactory, username: str, target: str, expected: int
) -> None:
    user = await login(http, username)
    status, body = await user.get(profile_path(world, target))
    assert status == expected, body
    if expected == 200:
        assert set(body) == {"gender", "languages", "organisations", "specialisations", "conflicts"}
    else:
        assert "conflicts" not in body


async def test_reading_a_profile_needs_a_session(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    async with http().get(profile_path(world, "ps.male")) as resp:
        assert resp.status == 401


@pytest.mark.parametrize(
    ("username", "target", "expected"),
    [
        pytest.param("cw.a", "ps.male", 403, id="a-caseworker"),
        pytest.param("ps.male", "ps.male", 403, id="the-interpreter-themselves"),
        pytest.param("coord.a", "ps.male", 403, id="an-authoritys-coordinator"),
        pytest.param("coord", "cw.a", 404, id="not-an-interpreter"),
        pytest.param("cw.a", "cw.b", 403, id="a-caseworker-learns-nothing-about-the-id"),
    ],
)
async def test_only_the_pools_coordinators_change_a_profile(
    server: RunningServer, world: World, http: HttpFactory, username: str, target: str, expected: int
) -> None:
    coordinator = await login(http, "coord")
    before = await coordinator.get(profile_path(world, "ps.male"))
    counts = await profile_rows(server)
    user = await login(http, username)
    status, body = await user.put(profile_path(world, target), profile_body(world))
    assert status == expected, body
    assert await coordinator.get(profile_path(world, "ps.male")) == before
    assert await profile_rows(server) == counts


async def test_an_unknown_interpreter_is_404(server: RunningServer, world: World, http: HttpFactory) -> None:
    coordinator = await login(http, "coord")
    assert (await coordinator.get(f"/api/interpreters/{UNKNOWN_ID}/profile"))[0] == 404
    assert (await coordinator.put(f"/api/interpreters/{UNKNOWN_ID}/profile", profile_body(world)))[0] == 404


def _lang(**fields: object) -> dict[str, object]:
    return {"tag": "ps", **fields}


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"nickname": "x"}, id="unknown-field"),
        pytest.param({"languages": [_lang(level="sworn")]}, id="unknown-language-field"),
        pytest.param({"conflicts": [{"key": "a", "value": "b", "reason": "c"}]}, id="unknown-conflict-field"),
        pytest.param({"gender": "robot"}, id="unknown-gender"),
        pytest.param({"gender": None}, id="null-gender"),
        pytest.param({"languages": [_lang(accreditation="expert")]}, id="unknown-accreditation"),
        pytest.param({"languages": [_lang(accreditation=2)]}, id="accreditation-as-number"),
        pytest.param({"languages": [_lang(tag="xx-Nowhere")]}, id="unknown-language-tag"),
        pytest.param({"languages": [_lang(tag=7)]}, id="tag-as-number"),
        pytest.param({"languages": [_lang(dialect="   ")]}, id="blank-dialect"),
        pytest.param({"languages": [_lang(dialect="d" * 81)]}, id="dialect-too-long"),
        pytest.param({"languages": []}, id="no-language"),
        pytest.param({"languages": [_lang(dialect=f"d{i}") for i in range(21)]}, id="too-many-languages"),
        pytest.param(
            {"languages": [_lang(accreditation="trained"), _lang(accreditation="sworn")]},
            id="one-language-two-accreditations",
        ),
        pytest.param({"specialisations": ["interrogation"]}, id="unknown-specialisation"),
        pytest.param({"organisations": [UNKNOWN_ID]}, id="unknown-organisation"),
        pytest.param({"organisations": ["o" * 33]}, id="organisation-id-too-long"),
        pytest.param({"organisations": "all"}, id="organisations-not-a-list"),
        pytest.param({"conflicts": [{"key": "", "value": "af"}]}, id="empty-conflict-key"),
        pytest.param({"conflicts": [{"key": "nationality", "value": "  "}]}, id="blank-conflict-value"),
        pytest.param({"conflicts": [{"key": "nationality", "value": "v" * 81}]}, id="conflict-too-long"),
        pytest.param(
            {"conflicts": [{"key": "community", "value": f"c{i}"} for i in range(21)]},
            id="too-many-conflicts",
        ),
        pytest.param({"conflicts": None}, id="missing-conflicts"),
    ],
)
async def test_a_bad_profile_is_400_and_changes_nothing(
    server: RunningServer, world: World, http: HttpFactory, changes: dict[str, object]
) -> None:
    coordinator = await login(http, "coord")
    path = profile_path(world, "ps.female")
    assert (await coordinator.put(path, profile_body(world)))[0] == 200
    before, counts = await coordinator.get(path), await profile_rows(server)
    body = profile_body(world, **changes)
    if changes.get("conflicts", []) is None:
        del body["conflicts"]
    status, answer = await coordinator.put(path, body)
    assert (status, answer["error"]["code"]) == (400, "invalid_input"), answer
    assert answer["error"]["message"]
    assert await coordinator.get(path) == before
    assert await profile_rows(server) == counts


@pytest.mark.parametrize("raw", ["{not json", "[]", '"profile"'])
async def test_a_body_that_is_not_a_profile_object_is_400(
    server: RunningServer, world: World, http: HttpFactory, raw: str
) -> None:
    coordinator = await login(http, "coord")
    counts = await profile_rows(server)
    status, answer = await coordinator.put_raw(profile_path(world, "ps.female"), raw)
    assert (status, answer["error"]["code"]) == (400, "invalid_input")
    assert await profile_rows(server) == counts


async def test_a_change_without_the_csrf_token_is_refused(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    coordinator = await login(http, "coord")
    counts = await profile_rows(server)
    status, _ = await coordinator.put(profile_path(world, "ps.female"), profile_body(world), csrf=False)
    assert status == 403
    status, _ = await coordinator.put(
        exclusions_path(world.office_a), {"interpreters": [world.id("ps.male")]}, csrf=False
    )
    assert status == 403
    assert await profile_rows(server) == counts
    assert await count_rows(server, OrganisationExclusionRow) == 0


async def test_an_authoritys_coordinator_keeps_its_exclusion_list(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    coordinator = await login(http, "coord.a")
    path = exclusions_path(world.office_a)
    assert await coordinator.get(path) == (200, {"interpreters": []})
    wanted = sorted([world.id("ps.male"), world.id("ar.male")])
    assert await coordinator.put(path, {"interpreters": [*wanted, wanted[0]]}) == (
        200,
        {"interpreters": wanted},
    )
    assert await coordinator.get(path) == (200, {"interpreters": wanted})
    assert await coordinator.put(path, {"interpreters": []}) == (200, {"interpreters": []})
    assert await count_rows(server, OrganisationExclusionRow) == 0


async def test_the_operators_staff_manage_every_authoritys_list(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    await server.services.accounts.create_user(world.pool, "admin", "Test admin", PASSWORD, Role.ADMIN)
    coordinator, admin = await login(http, "coord"), await login(http, "admin")
    excluded = [world.id("ps.only.b")]
    assert await coordinator.put(exclusions_path(world.office_b), {"interpreters": excluded}) == (
        200,
        {"interpreters": excluded},
    )
    assert await admin.get(exclusions_path(world.office_b)) == (200, {"interpreters": excluded})
    assert await coordinator.get(exclusions_path(world.office_a)) == (200, {"interpreters": []})
    assert (await coordinator.get(exclusions_path(UNKNOWN_ID)))[0] == 404
    assert (await coordinator.put(exclusions_path(UNKNOWN_ID), {"interpreters": []}))[0] == 404


@pytest.mark.parametrize(
    ("username", "office"),
    [
        pytest.param("coord.a", "b", id="another-authoritys-coordinator"),
        pytest.param("cw.a", "a", id="the-authoritys-caseworker"),
        pytest.param("ps.male", "a", id="an-interpreter"),
        pytest.param("coord.a", "unknown", id="an-unknown-organisation-is-not-revealed"),
    ],
)
async def test_nobody_else_reads_or_changes_an_exclusion_list(
    server: RunningServer, world: World, http: HttpFactory, username: str, office: str
) -> None:
    organisation = {"a": world.office_a, "b": world.office_b, "unknown": UNKNOWN_ID}[office]
    existing = [world.id("ps.female")]
    if office != "unknown":
        await server.services.exclusions.replace(organisation, existing)  # type: ignore[arg-type]
    user = await login(http, username)
    status, body = await user.get(exclusions_path(organisation))
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = await user.put(exclusions_path(organisation), {"interpreters": []})
    assert (status, body["error"]["code"]) == (403, "forbidden")
    if office != "unknown":
        assert await server.services.exclusions.excluded(organisation) == set(existing)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"interpreters": ["<cw.a>"]}, id="a-caseworker"),
        pytest.param({"interpreters": ["<ps.male>", UNKNOWN_ID]}, id="an-unknown-user"),
        pytest.param({"interpreters": ["x" * 33]}, id="id-too-long"),
        pytest.param({"interpreters": [f"{i:032x}" for i in range(501)]}, id="too-many"),
        pytest.param({"interpreters": "<ps.male>"}, id="not-a-list"),
        pytest.param({"interpreters": [], "reason": "personal"}, id="a-reason-is-never-taken"),
        pytest.param({}, id="missing-interpreters"),
    ],
)
async def test_a_bad_exclusion_list_is_400_and_keeps_the_old_one(
    server: RunningServer, world: World, http: HttpFactory, body: dict[str, object]
) -> None:
    coordinator = await login(http, "coord.a")
    path = exclusions_path(world.office_a)
    kept = [world.id("ar.male")]
    assert (await coordinator.put(path, {"interpreters": kept}))[0] == 200

    def resolve(value: object) -> object:
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, str) and value.startswith("<"):
            return world.id(value.strip("<>"))
        return value

    status, answer = await coordinator.put(path, {k: resolve(v) for k, v in body.items()})
    assert (status, answer["error"]["code"]) == (400, "invalid_input"), answer
    assert await coordinator.get(path) == (200, {"interpreters": kept})
    assert await count_rows(server, OrganisationExclusionRow) == 1
