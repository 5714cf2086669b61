"""Interpreter profiles: what matching may ask of an interpreter, and who may read or change it.

A profile holds the working languages (BCP 47 tag, dialect, accreditation), gender, specialisations,
declared conflict-of-interest attributes and the authorities the interpreter serves. The vocabulary
(:class:`Accreditation`, :class:`Specialisation`, :class:`Attribute`) lives here, in the core, so storage,
the scheduler's constraints and the HTTP edge all speak the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from sqlalchemy import delete, select

from core import matching_version
from core.accounts import Principal, Role
from core.clock import Clock
from core.db import Database
from core.errors import Forbidden, InvalidInput, NotFound
from core.ids import OrganisationId, UserId
from core.languages import LanguageTag
from core.models import (
    InterpreterConflictRow,
    InterpreterLanguageRow,
    InterpreterOrganisationRow,
    InterpreterProfileRow,
    InterpreterSpecialisationRow,
    OrganisationRow,
    UserRow,
)

MAX_DIALECT_LENGTH = 80
MAX_ATTRIBUTE_LENGTH = 80
MAX_LANGUAGES = 20
MAX_CONFLICTS = 20
MAX_ORGANISATIONS = 200


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"
    UNDISCLOSED = "undisclosed"


class Accreditation(IntEnum):
    """How far an interpreter is qualified in one working language; each rung includes those below it.

    A request's minimum accreditation is met by any rung at or above it. Stored as the number; on the
    wire as the lower-case name (:attr:`label`).
    """

    NONE = 0  # no recognised qualification: community or ad-hoc interpreters
    TRAINED = 1  # completed a recognised course in (asylum) interpreting
    CERTIFIED = 2  # passed a professional certification examination for this language
    SWORN = 3  # sworn before a court or ministry; may interpret where a sworn interpreter is required

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Accreditation:
        """The rung named ``label`` (``"certified"``); :class:`InvalidInput` for anything else."""
        found = {member.label: member for member in cls}.get(label) if isinstance(label, str) else None
        if found is None:
            raise InvalidInput(f"accreditation must be one of {', '.join(m.label for m in cls)}")
        return found


class Specialisation(StrEnum):
    ASYLUM_INTERVIEW = "asylum_interview"
    MEDICAL = "medical"
    CHILD_FRIENDLY = "child_friendly"
    GENDER_BASED_VIOLENCE = "gender_based_violence"


@dataclass(frozen=True)
class Attribute:
    """A fact about a person that bears on neutrality: ``nationality=af``, ``community=hazara``.

    Both sides are trimmed and case-folded on construction, so ``("Nationality", "AF")`` equals
    ``("nationality", "af")``: a conflict must not be missed because of how someone typed it.
    """

    key: str
    value: str

    def __post_init__(self) -> None:
        for name in ("key", "value"):
            raw = getattr(self, name)
            tidy = " ".join(raw.split()).casefold() if isinstance(raw, str) else ""
            if not 1 <= len(tidy) <= MAX_ATTRIBUTE_LENGTH:
                raise InvalidInput(f"attribute {name} must be 1 to {MAX_ATTRIBUTE_LENGTH} characters")
            object.__setattr__(self, name, tidy)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


@dataclass(frozen=True)
class WorkingLanguage:
    tag: LanguageTag
    dialect: str | None = None
    accreditation: Accreditation = Accreditation.NONE


@dataclass(frozen=True)
class InterpreterProfile:
    user_id: UserId
    gender: Gender
    languages: tuple[WorkingLanguage, ...]
    organisations: frozenset[OrganisationId]
    specialisations: frozenset[Specialisation] = frozenset()
    # Attributes the interpreter declared as possible conflicts of interest (own nationality, community…).
    # Sensitive: shown to the interpreter and to coordinators only (:func:`may_read_profile`).
    conflicts: frozenset[Attribute] = frozenset()

    def covers(self, requested: LanguageTag) -> bool:
        return any(lang.tag.covers(requested) for lang in self.languages)


def may_read_profile(who: Principal, interpreter_id: UserId) -> bool:
    """The interpreter and coordinators: a profile carries declared conflicts, which may be personal."""
    return who.user_id == interpreter_id or who.role is Role.COORDINATOR


def require_may_read_profile(who: Principal, interpreter_id: UserId) -> None:
    if not may_read_profile(who, interpreter_id):
        raise Forbidden("only the interpreter or a coordinator may read this profile")


def require_may_edit_profile(who: Principal, interpreter: Principal | None) -> Principal:
    """The interpreter whose profile ``who`` may replace: only coordinators of the interpreter's own
    organisation (the pool) or the operator's.

    An authority's coordinator may not: the languages and authorities served decide whom every other
    authority can reach. Anyone else is refused before learning whether the interpreter exists.
    """
    if who.role is not Role.COORDINATOR:
        raise Forbidden("only coordinators may change an interpreter's profile")
    if interpreter is None or interpreter.role is not Role.INTERPRETER:
        raise NotFound("no such interpreter")
    if not (who.sees_all_organisations or who.organisation_id == interpreter.organisation_id):
        raise Forbidden("only the interpreter pool's coordinators may change a profile")
    return interpreter


def _checked_languages(languages: Iterable[WorkingLanguage]) -> tuple[WorkingLanguage, ...]:
    langs = tuple(dict.fromkeys(languages))
    if not langs:
        raise InvalidInput("an interpreter needs at least one working language")
    if len(langs) > MAX_LANGUAGES:
        raise InvalidInput(f"at most {MAX_LANGUAGES} working languages")
    for lang in langs:
        if lang.dialect is not None and not 1 <= len(lang.dialect) <= MAX_DIALECT_LENGTH:
            raise InvalidInput(f"dialect must be 1 to {MAX_DIALECT_LENGTH} characters")
        if not isinstance(lang.accreditation, Accreditation):
            raise InvalidInput("accreditation must be an Accreditation")
    # One row per tag and dialect: two accreditations for the same pair would be a contradiction.
    if len({(lang.tag.tag, lang.dialect) for lang in langs}) != len(langs):
        raise InvalidInput("a language and dialect is listed twice with different accreditations")
    return langs


def _checked_specialisations(specialisations: Iterable[Specialisation]) -> frozenset[Specialisation]:
    try:
        return frozenset(Specialisation(s) for s in specialisations)
    except ValueError as exc:
        raise InvalidInput(f"specialisation must be one of {', '.join(Specialisation)}") from exc


@dataclass(frozen=True)
class Candidate:
    """An interpreter who may take a request, before presence and ranking are considered."""

    user_id: UserId
    gender: Gender


class InterpreterDirectory:
    """Reads and writes profiles; the single place that knows how they are stored."""

    def __init__(self, db: Database, clock: Clock, cache_s: float = 10.0) -> None:
        self._db = db
        self._clock = clock
        self._cache_s = cache_s
        # Candidate lists per (language, organisation, gender): on-demand routing asks for the same
        # few on every request. A profile change clears this node's cache at once; other nodes see
        # it within ``cache_s``.
        self._cache: dict[tuple[str, str, str | None], tuple[float, list[Candidate]]] = {}

    async def set_profile(
        self,
        user_id: UserId,
        gender: Gender,
        languages: Iterable[WorkingLanguage],
        organisations: Iterable[OrganisationId],
        *,
        specialisations: Iterable[Specialisation] = (),
        conflicts: Iterable[Attribute] = (),
    ) -> InterpreterProfile:
        """Replace the whole profile in one transaction: a refused one leaves the old one as it was."""
        langs = _checked_languages(languages)
        orgs = frozenset(organisations)
        if len(orgs) > MAX_ORGANISATIONS:
            raise InvalidInput(f"at most {MAX_ORGANISATIONS} organisations served")
        specs = _checked_specialisations(specialisations)
        declared = frozenset(conflicts)
        if len(declared) > MAX_CONFLICTS:
            raise InvalidInput(f"at most {MAX_CONFLICTS} declared conflicts")
        if not all(isinstance(c, Attribute) for c in declared):
            raise InvalidInput("conflicts must be attributes (key and value)")
        self._cache.clear()
        async with self._db.write_transaction() as session:
            # On PostgreSQL the user row's lock queues concurrent changes of the same profile.
            user = await session.get(UserRow, user_id, with_for_update=True)
            if user is None or user.role != "interpreter":
                raise NotFound("no such interpreter")
            known = set(
                (await session.scalars(select(OrganisationRow.id).where(OrganisationRow.id.in_(orgs)))).all()
            )
            if known != set(orgs):
                raise InvalidInput("unknown organisation among those served")
            profile = await session.get(InterpreterProfileRow, user_id)
            if profile is None:
                session.add(InterpreterProfileRow(user_id=user_id, gender=gender.value))
                await session.flush()
            else:
                profile.gender = gender.value
            await session.execute(
                delete(InterpreterLanguageRow).where(InterpreterLanguageRow.user_id == user_id)
            )
            for table in (InterpreterOrganisationRow, InterpreterSpecialisationRow, InterpreterConflictRow):
                await session.execute(delete(table).where(table.user_id == user_id))
            await matching_version.bump(session)
            session.add_all(
                InterpreterLanguageRow(
                    user_id=user_id,
                    tag=lang.tag.tag,
                    language=lang.tag.language,
                    dialect=lang.dialect,
                    accreditation=int(lang.accreditation),
                )
                for lang in langs
            )
            session.add_all(InterpreterOrganisationRow(user_id=user_id, organisation_id=o) for o in orgs)
            session.add_all(
                InterpreterSpecialisationRow(user_id=user_id, specialisation=s.value) for s in specs
            )
            session.add_all(
                InterpreterConflictRow(user_id=user_id, key=c.key, value=c.value) for c in declared
            )
        return InterpreterProfile(user_id, gender, langs, orgs, specs, declared)

    async def candidates(
        self, language: LanguageTag, organisation_id: OrganisationId, gender: Gender | None = None
    ) -> list[Candidate]:
        """Active interpreters who serve ``organisation_id``, cover ``language`` and match ``gender``."""
        key = (language.tag, organisation_id, gender.value if gender else None)
        cached = self._cache.get(key)
        now = self._clock.monotonic()
        if cached is not None and cached[0] > now:
            return list(cached[1])
        found = await self._query_candidates(language, organisation_id, gender)
        self._cache[key] = (now + self._cache_s, found)
        return list(found)

    async def _query_candidates(
        self, language: LanguageTag, organisation_id: OrganisationId, gender: Gender | None
    ) -> list[Candidate]:
        query = (
            select(InterpreterLanguageRow.user_id, InterpreterLanguageRow.tag, InterpreterProfileRow.gender)
            .join(InterpreterProfileRow, InterpreterProfileRow.user_id == InterpreterLanguageRow.user_id)
            .join(UserRow, UserRow.id == InterpreterLanguageRow.user_id)
            .join(
                InterpreterOrganisationRow,
                (InterpreterOrganisationRow.user_id == InterpreterLanguageRow.user_id)
                & (InterpreterOrganisationRow.organisation_id == organisation_id),
            )
            .where(InterpreterLanguageRow.language == language.language, UserRow.active.is_(True))
        )
        if gender is not None:
            query = query.where(InterpreterProfileRow.gender == gender.value)
        async with self._db.sessions() as session:
            rows = (await session.execute(query)).all()
        matched: dict[str, Gender] = {}
        for user_id, tag, row_gender in rows:
            if LanguageTag.parse(tag).covers(language):
                matched[user_id] = Gender(row_gender)
        return [Candidate(UserId(uid), g) for uid, g in matched.items()]

    async def profile(self, user_id: UserId) -> InterpreterProfile | None:
        async with self._db.sessions() as session:
            row = await session.get(InterpreterProfileRow, user_id)
            if row is None:
                return None
            langs = (
                await session.scalars(
                    select(InterpreterLanguageRow)
                    .where(InterpreterLanguageRow.user_id == user_id)
                    .order_by(InterpreterLanguageRow.id)  # the order they were given in
                )
            ).all()
            orgs = (
                await session.scalars(
                    select(InterpreterOrganisationRow.organisation_id).where(
                        InterpreterOrganisationRow.user_id == user_id
                    )
                )
            ).all()
            specs = (
                await session.scalars(
                    select(InterpreterSpecialisationRow.specialisation).where(
                        InterpreterSpecialisationRow.user_id == user_id
                    )
                )
            ).all()
            conflicts = (
                await session.execute(
                    select(InterpreterConflictRow.key, InterpreterConflictRow.value).where(
                        InterpreterConflictRow.user_id == user_id
                    )
                )
            ).all()
        return InterpreterProfile(
            user_id,
            Gender(row.gender),
            tuple(
                WorkingLanguage(LanguageTag.parse(lang.tag), lang.dialect, Accreditation(lang.accreditation))
                for lang in langs
            ),
            frozenset(OrganisationId(o) for o in orgs),
            frozenset(Specialisation(s) for s in specs),
            frozenset(Attribute(key, value) for key, value in conflicts),
        )
