"""What a request demands of an interpreter: hard constraints, never relaxed, and the facts checked.

Both scheduled bookings and on-demand routing ask :func:`check_hard` the same question, so the two paths can
never disagree about who may take a case. Soft preferences (dialect, a named interpreter, fair rotation) live
in :mod:`scheduler.ranking`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.errors import InvalidInput
from core.ids import OrganisationId, UserId

# The profile vocabulary lives in the core (storage needs it); the ``X as X`` imports re-export it here.
from core.interpreters import MAX_ATTRIBUTE_LENGTH as MAX_ATTRIBUTE_LENGTH
from core.interpreters import MAX_DIALECT_LENGTH, Gender, WorkingLanguage
from core.interpreters import Accreditation as Accreditation
from core.interpreters import Attribute as Attribute
from core.interpreters import Specialisation as Specialisation
from core.languages import LanguageTag


class HardConstraint(StrEnum):
    """Stable codes of the rules an interpreter can fail, in the order :func:`check_hard` reports them."""

    ORGANISATION = "organisation"  # does not serve the requesting organisation
    LANGUAGE = "language"  # no working language covers the requested tag (or the counterpart's)
    ACCREDITATION = "accreditation"  # covers it, but below the minimum accreditation
    GENDER = "gender"  # not the interpreter gender the case requires
    SPECIALISATION = "specialisation"  # lacks at least one required specialisation
    EXCLUDED_BY_ORGANISATION = "excluded_by_organisation"  # on the organisation's standing exclusion list
    EXCLUDED_FOR_CASE = "excluded_for_case"  # excluded by the caseworker for this request
    CONFLICT_OF_INTEREST = "conflict_of_interest"  # declared an attribute the applicant has


def normalise_dialect(dialect: str) -> str:
    """The form dialects are compared in: ``" dari "`` and ``"Dari"`` name the same dialect."""
    return " ".join(dialect.split()).casefold()


def _checked_dialect(dialect: str | None) -> str | None:
    if dialect is None:
        return None
    tidy = " ".join(dialect.split()) if isinstance(dialect, str) else ""
    if not 1 <= len(tidy) <= MAX_DIALECT_LENGTH:
        raise InvalidInput(f"dialect must be 1 to {MAX_DIALECT_LENGTH} characters")
    return tidy


@dataclass(frozen=True)
class LanguageSkill:
    """A working language (tag and optional dialect) and the accreditation held in it."""

    language: WorkingLanguage
    accreditation: Accreditation = Accreditation.NONE

    @property
    def tag(self) -> LanguageTag:
        return self.language.tag

    @property
    def dialect(self) -> str | None:
        return self.language.dialect


@dataclass(frozen=True)
class InterpreterFacts:
    """Everything the matcher knows about one interpreter; built by storage, judged here."""

    user_id: UserId
    gender: Gender
    languages: tuple[LanguageSkill, ...]
    organisations: frozenset[OrganisationId]
    specialisations: frozenset[Specialisation] = frozenset()
    # Attributes the interpreter declared as possible conflicts of interest (own nationality, community…).
    conflicts: frozenset[Attribute] = frozenset()

    def __post_init__(self) -> None:
        if not self.languages:
            raise InvalidInput("an interpreter needs at least one working language")


@dataclass(frozen=True)
class MatchRequest:
    """What one booking or on-demand call asks for.

    Hard (never relaxed): the organisation must be served; a working language must cover ``language`` with at
    least ``min_accreditation``; ``gender`` if given; every one of ``specialisations``; no id in ``excluded``
    (this case) or ``organisation_excluded`` (the authority's standing list); and no conflict of interest.

    Conflict of interest: an interpreter is ineligible when one of their declared ``conflicts`` is equal (same
    key and value) to one of ``applicant_attributes``. The caseworker lists only the applicant's attributes
    on which this case needs neutrality: an Afghan applicant fleeing persecution by compatriots gets
    ``nationality=af``, so interpreters who declared ``nationality=af`` are left out; a case that needs no
    such neutrality lists nothing and every declaration is ignored. Only declared attributes are compared;
    nothing is inferred from languages or other facts.

    Soft (applied when possible, otherwise relaxed and explained by the ranking): ``dialect`` and
    ``preferred_interpreter``.
    """

    organisation: OrganisationId
    language: LanguageTag
    dialect: str | None = None
    gender: Gender | None = None
    specialisations: frozenset[Specialisation] = frozenset()
    min_accreditation: Accreditation = Accreditation.NONE
    excluded: frozenset[UserId] = frozenset()
    organisation_excluded: frozenset[UserId] = frozenset()
    applicant_attributes: frozenset[Attribute] = frozenset()
    preferred_interpreter: UserId | None = None
    # The authority side's language; when given, the interpreter must also work in it (hard).
    counterpart: LanguageTag | None = None

    def __post_init__(self) -> None:
        if self.gender is Gender.UNDISCLOSED:
            raise InvalidInput("a request may ask for a gender, not for an undisclosed one")
        object.__setattr__(self, "dialect", _checked_dialect(self.dialect))
        preferred = self.preferred_interpreter
        if preferred is not None and (preferred in self.excluded or preferred in self.organisation_excluded):
            raise InvalidInput("the preferred interpreter is also excluded")


def qualifying_languages(request: MatchRequest, facts: InterpreterFacts) -> tuple[LanguageSkill, ...]:
    """The interpreter's working languages that cover the request at or above its minimum accreditation."""
    return tuple(
        skill
        for skill in facts.languages
        if skill.tag.covers(request.language) and skill.accreditation >= request.min_accreditation
    )


def speaks_dialect(request: MatchRequest, facts: InterpreterFacts) -> bool:
    """True when a qualifying working language names the requested dialect (False when none was requested)."""
    if request.dialect is None:
        return False
    wanted = normalise_dialect(request.dialect)
    return any(
        skill.dialect is not None and normalise_dialect(skill.dialect) == wanted
        for skill in qualifying_languages(request, facts)
    )


def check_hard(request: MatchRequest, facts: InterpreterFacts) -> list[HardConstraint]:
    """Every hard constraint ``facts`` breaks for ``request``, in :class:`HardConstraint` order.

    An empty list means the interpreter is eligible.
    """
    violated: list[HardConstraint] = []
    if request.organisation not in facts.organisations:
        violated.append(HardConstraint.ORGANISATION)
    if not any(skill.tag.covers(request.language) for skill in facts.languages) or (
        request.counterpart is not None
        and not any(skill.tag.covers(request.counterpart) for skill in facts.languages)
    ):
        violated.append(HardConstraint.LANGUAGE)
    elif not qualifying_languages(request, facts):
        violated.append(HardConstraint.ACCREDITATION)
    if request.gender is not None and facts.gender != request.gender:
        violated.append(HardConstraint.GENDER)
    if not request.specialisations <= facts.specialisations:
        violated.append(HardConstraint.SPECIALISATION)
    if facts.user_id in request.organisation_excluded:
        violated.append(HardConstraint.EXCLUDED_BY_ORGANISATION)
    if facts.user_id in request.excluded:
        violated.append(HardConstraint.EXCLUDED_FOR_CASE)
    if facts.conflicts & request.applicant_attributes:
        violated.append(HardConstraint.CONFLICT_OF_INTEREST)
    return violated


def eligible(request: MatchRequest, facts: InterpreterFacts) -> bool:
    """True when ``facts`` breaks no hard constraint of ``request``: :func:`check_hard` is empty.

    The matcher asks this of every speaker of a language, so it stops at the first broken rule, cheapest
    first, instead of listing them all.
    """
    if request.organisation not in facts.organisations:
        return False
    if request.gender is not None and facts.gender != request.gender:
        return False
    if facts.user_id in request.excluded or facts.user_id in request.organisation_excluded:
        return False
    if not request.specialisations <= facts.specialisations or facts.conflicts & request.applicant_attributes:
        return False
    if request.counterpart is not None and not any(
        skill.tag.covers(request.counterpart) for skill in facts.languages
    ):
        return False
    # qualifying_languages() is not empty: said as any(), which stops at the first such skill.
    language, minimum = request.language, request.min_accreditation
    return any(
        skill.accreditation >= minimum and skill.language.tag.covers(language) for skill in facts.languages
    )
