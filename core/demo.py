"""Clearly fictional demo data: two authorities, the interpreter pool and one account per role.

Idempotent: running it again keeps the data and resets the demo passwords to the one given.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts import AccountService, OrganisationKind, Role
from core.ids import OrganisationId, UserId
from core.interpreters import Accreditation, Gender, InterpreterDirectory, Specialisation, WorkingLanguage
from core.languages import LanguageTag

POOL = "RRIS Interpreter Pool (DEMO)"
OFFICE_A = "Demo Asylum Office A (FICTIONAL)"
OFFICE_B = "Demo Border Police B (FICTIONAL)"
OFFICE_A_COUNTRY, OFFICE_B_COUNTRY = "MK", "RS"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    organisation: str
    gender: Gender | None = None
    # (tag, dialect, accreditation): invented levels, like every other demo fact.
    languages: tuple[tuple[str, str | None, Accreditation], ...] = ()
    specialisations: tuple[Specialisation, ...] = ()


DEMO_ACCOUNTS = (
    DemoAccount("demo.caseworker", "Demo Caseworker A", Role.CASEWORKER, OFFICE_A),
    DemoAccount("demo.caseworker.b", "Demo Caseworker B", Role.CASEWORKER, OFFICE_B),
    DemoAccount("demo.coordinator", "Demo Coordinator", Role.COORDINATOR, POOL),
    # The authority's own coordinator: sets its recording policy and reads its recordings.
    DemoAccount("demo.coordinator.a", "Demo Coordinator Office A", Role.COORDINATOR, OFFICE_A),
    DemoAccount("demo.admin", "Demo Administrator", Role.ADMIN, POOL),
    # Reports Office A's (fictional) migration statistics to the regional exchange (migration_data).
    DemoAccount("demo.data.officer", "Demo Data Officer A", Role.DATA_OFFICER, OFFICE_A),
    DemoAccount(
        "demo.interpreter.ps",
        "Demo Interpreter Pashto F",
        Role.INTERPRETER,
        POOL,
        Gender.FEMALE,
        (("ps-AF", None, Accreditation.CERTIFIED), ("en", None, Accreditation.TRAINED)),
        (Specialisation.ASYLUM_INTERVIEW, Specialisation.GENDER_BASED_VIOLENCE),
    ),
    DemoAccount(
        "demo.interpreter.ps2",
        "Demo Interpreter Pashto M",
        Role.INTERPRETER,
        POOL,
        Gender.MALE,
        (("ps", None, Accreditation.TRAINED),),
        (Specialisation.ASYLUM_INTERVIEW,),
    ),
    DemoAccount(
        "demo.interpreter.ar",
        "Demo Interpreter Arabic M",
        Role.INTERPRETER,
        POOL,
        Gender.MALE,
        (("ar", "Levantine", Accreditation.SWORN), ("fr", None, Accreditation.CERTIFIED)),
        (Specialisation.ASYLUM_INTERVIEW, Specialisation.MEDICAL),
    ),
    DemoAccount(
        "demo.interpreter.fa",
        "Demo Interpreter Farsi/Dari F",
        Role.INTERPRETER,
        POOL,
        Gender.FEMALE,
        (("fa-IR", None, Accreditation.CERTIFIED), ("fa-AF", "Dari", Accreditation.TRAINED)),
        (Specialisation.CHILD_FRIENDLY, Specialisation.MEDICAL),
    ),
)


async def load_demo(
    accounts: AccountService, directory: InterpreterDirectory, password: str
) -> list[DemoAccount]:
    orgs: dict[str, OrganisationId] = {}
    # The offices' countries make them reporting authorities of the regional template (migration_data);
    # the offices and every figure reported for them are fictional all the same.
    for name, kind, country in (
        (POOL, OrganisationKind.OPERATOR, None),
        (OFFICE_A, OrganisationKind.AUTHORITY, OFFICE_A_COUNTRY),
        (OFFICE_B, OrganisationKind.AUTHORITY, OFFICE_B_COUNTRY),
    ):
        found = await accounts.find_organisation(name)
        orgs[name] = found.id if found else (await accounts.create_organisation(name, kind, country)).id
    for account in DEMO_ACCOUNTS:
        user_id: UserId | None = await accounts.find_user(account.username)
        if user_id is None:
            user_id = await accounts.create_user(
                orgs[account.organisation], account.username, account.display_name, password, account.role
            )
        else:
            await accounts.set_password(user_id, password)
        if account.role == Role.INTERPRETER and account.gender is not None:
            await directory.set_profile(
                user_id,
                account.gender,
                [
                    WorkingLanguage(LanguageTag.parse(tag), dialect, level)
                    for tag, dialect, level in account.languages
                ],
                [orgs[OFFICE_A], orgs[OFFICE_B]],
                specialisations=account.specialisations,
            )
    return list(DEMO_ACCOUNTS)
