"""A small fictional world every test can build: two authorities, the pool, and people in each role."""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts import AccountService, OrganisationKind, Role
from core.ids import OrganisationId, UserId
from core.interpreters import Gender, InterpreterDirectory, WorkingLanguage
from core.languages import LanguageTag

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class World:
    office_a: OrganisationId
    office_b: OrganisationId
    pool: OrganisationId
    users: dict[str, UserId]

    def id(self, username: str) -> UserId:
        return self.users[username]


INTERPRETERS: dict[str, tuple[Gender, tuple[str, ...], str]] = {
    # username: gender, languages, which offices they serve ("a", "b" or "ab")
    "ps.female": (Gender.FEMALE, ("ps-AF", "en"), "ab"),
    "ps.male": (Gender.MALE, ("ps",), "ab"),
    "ar.male": (Gender.MALE, ("ar",), "a"),
    "fa.iran": (Gender.FEMALE, ("fa-IR",), "ab"),
    "ps.only.b": (Gender.FEMALE, ("ps",), "b"),
}


async def build_world(accounts: AccountService, directory: InterpreterDirectory) -> World:
    office_a = (await accounts.create_organisation("Test Office A", OrganisationKind.AUTHORITY, "MK")).id
    office_b = (await accounts.create_organisation("Test Office B", OrganisationKind.AUTHORITY, "RS")).id
    pool = (await accounts.create_organisation("Test Pool", OrganisationKind.OPERATOR)).id
    users: dict[str, UserId] = {}
    for username, org, role in (
        ("cw.a", office_a, Role.CASEWORKER),
        ("cw.a2", office_a, Role.CASEWORKER),
        ("cw.b", office_b, Role.CASEWORKER),
        ("coord", pool, Role.COORDINATOR),
        ("coord.a", office_a, Role.COORDINATOR),
    ):
        users[username] = await accounts.create_user(org, username, f"Test {username}", PASSWORD, role)
    offices = {"a": office_a, "b": office_b}
    for username, (gender, tags, serves) in INTERPRETERS.items():
        uid = await accounts.create_user(pool, username, f"Test {username}", PASSWORD, Role.INTERPRETER)
        await directory.set_profile(
            uid, gender, [WorkingLanguage(LanguageTag.parse(t)) for t in tags], [offices[s] for s in serves]
        )
        users[username] = uid
    return World(office_a, office_b, pool, users)
