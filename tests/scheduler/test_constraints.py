"""Hard constraints: each one refuses the interpreter who breaks it and lets through the one who does not."""

from __future__ import annotations

import dataclasses

import pytest

from core.errors import InvalidInput
from core.ids import OrganisationId, UserId
from core.interpreters import Gender, WorkingLanguage
from core.languages import LanguageTag
from scheduler.constraints import (
    Accreditation,
    Attribute,
    HardConstraint,
    InterpreterFacts,
    LanguageSkill,
    MatchRequest,
    Specialisation,
    check_hard,
    eligible,
    qualifying_languages,
    speaks_dialect,
)

OFFICE = OrganisationId("office-a")
OTHER_OFFICE = OrganisationId("office-b")
ANA = UserId("ana")


def skill(
    tag: str, dialect: str | None = None, level: Accreditation = Accreditation.CERTIFIED
) -> LanguageSkill:
    return LanguageSkill(WorkingLanguage(LanguageTag.parse(tag), dialect), level)


def interpreter(**changes: object) -> InterpreterFacts:
    """A certified female Dari interpreter serving office A, specialised in asylum interviews and medicine."""
    base = InterpreterFacts(
        user_id=ANA,
        gender=Gender.FEMALE,
        languages=(skill("fa-AF", "Dari"),),
        organisations=frozenset({OFFICE}),
        specialisations=frozenset({Specialisation.ASYLUM_INTERVIEW, Specialisation.MEDICAL}),
        conflicts=frozenset({Attribute("nationality", "IR")}),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def request(tag: str = "prs", **changes: object) -> MatchRequest:
    return MatchRequest(organisation=OFFICE, language=LanguageTag.parse(tag), **changes)  # type: ignore[arg-type]


def test_an_interpreter_who_meets_every_constraint_is_eligible() -> None:
    asked = request(
        gender=Gender.FEMALE,
        specialisations=frozenset({Specialisation.ASYLUM_INTERVIEW}),
        min_accreditation=Accreditation.CERTIFIED,
        excluded=frozenset({UserId("bob")}),
        organisation_excluded=frozenset({UserId("carl")}),
        applicant_attributes=frozenset({Attribute("nationality", "AF")}),
    )
    assert check_hard(asked, interpreter()) == []
    assert eligible(asked, interpreter())


def test_the_interpreter_must_serve_the_requesting_organisation() -> None:
    assert check_hard(request(), interpreter(organisations=frozenset({OTHER_OFFICE}))) == [
        HardConstraint.ORGANISATION
    ]
    assert eligible(request(), interpreter(organisations=frozenset({OTHER_OFFICE, OFFICE})))


@pytest.mark.parametrize(
    ("works_in", "requested", "covers"),
    [
        ("fa-AF", "prs", True),
        ("fa", "fa-AF", True),
        ("fa-AF", "fa", True),
        ("fa-IR", "fa-AF", False),
        ("ps", "fa-AF", False),
        ("sr-Latn", "sr-Cyrl", False),
        ("sr", "sr-Cyrl", True),
    ],
)
def test_a_working_language_must_cover_the_request_by_language_script_and_region(
    works_in: str, requested: str, covers: bool
) -> None:
    facts = interpreter(languages=(skill(works_in),))
    assert (check_hard(request(requested), facts) == []) is covers
    assert (HardConstraint.LANGUAGE in check_hard(request(requested), facts)) is not covers


def test_accreditation_is_a_ladder_none_trained_certified_sworn() -> None:
    assert Accreditation.NONE < Accreditation.TRAINED < Accreditation.CERTIFIED < Accreditation.SWORN
    sworn = request(min_accreditation=Accreditation.SWORN)
    assert check_hard(sworn, interpreter()) == [HardConstraint.ACCREDITATION]
    assert eligible(sworn, interpreter(languages=(skill("fa-AF", level=Accreditation.SWORN),)))
    assert eligible(request(min_accreditation=Accreditation.TRAINED), interpreter())


def test_accreditation_counts_only_in_a_language_that_covers_the_request() -> None:
    sworn_elsewhere = interpreter(
        languages=(skill("fa-AF", "Dari", Accreditation.TRAINED), skill("ps", level=Accreditation.SWORN))
    )
    asked = request(min_accreditation=Accreditation.CERTIFIED)
    assert check_hard(asked, sworn_elsewhere) == [HardConstraint.ACCREDITATION]
    # A plain ``fa`` certification covers a Dari request even though the Dari entry itself is only trained.
    also_plain = interpreter(
        languages=(skill("fa-AF", "Dari", Accreditation.TRAINED), skill("fa", level=Accreditation.CERTIFIED))
    )
    assert eligible(asked, also_plain)
    assert [s.tag.tag for s in qualifying_languages(asked, also_plain)] == ["fa"]


def test_a_requested_gender_is_required_and_no_gender_asked_accepts_any() -> None:
    assert check_hard(request(gender=Gender.MALE), interpreter()) == [HardConstraint.GENDER]
    assert eligible(request(gender=Gender.FEMALE), interpreter())
    assert check_hard(request(gender=Gender.FEMALE), interpreter(gender=Gender.UNDISCLOSED)) == [
        HardConstraint.GENDER
    ]
    assert eligible(request(), interpreter(gender=Gender.UNDISCLOSED))


def test_a_request_cannot_ask_for_an_undisclosed_gender() -> None:
    with pytest.raises(InvalidInput):
        request(gender=Gender.UNDISCLOSED)


def test_every_required_specialisation_is_needed() -> None:
    child_and_gbv = frozenset({Specialisation.CHILD_FRIENDLY, Specialisation.GENDER_BASED_VIOLENCE})
    only_child = interpreter(specialisations=frozenset({Specialisation.CHILD_FRIENDLY}))
    assert check_hard(request(specialisations=child_and_gbv), only_child) == [HardConstraint.SPECIALISATION]
    assert eligible(request(specialisations=child_and_gbv), interpreter(specialisations=child_and_gbv))


def test_the_organisations_standing_exclusions_and_the_cases_own_are_both_hard() -> None:
    assert check_hard(request(organisation_excluded=frozenset({ANA})), interpreter()) == [
        HardConstraint.EXCLUDED_BY_ORGANISATION
    ]
    assert check_hard(request(excluded=frozenset({ANA})), interpreter()) == [HardConstraint.EXCLUDED_FOR_CASE]
    assert eligible(request(excluded=frozenset({UserId("bob")})), interpreter())


def test_a_declared_conflict_equal_to_an_applicant_attribute_excludes_the_interpreter() -> None:
    afghan = interpreter(
        conflicts=frozenset({Attribute("nationality", "AF"), Attribute("community", "Hazara")})
    )
    needs_neutrality = request(applicant_attributes=frozenset({Attribute("Nationality", " af ")}))
    assert check_hard(needs_neutrality, afghan) == [HardConstraint.CONFLICT_OF_INTEREST]
    # The same key with another value is no conflict, nor is the same value under another key.
    assert eligible(request(applicant_attributes=frozenset({Attribute("nationality", "IR")})), afghan)
    assert eligible(request(applicant_attributes=frozenset({Attribute("community", "AF")})), afghan)
    # A case that lists no attribute needs no neutrality: declarations are then ignored.
    assert eligible(request(), afghan)


@pytest.mark.parametrize(("key", "value"), [("", "af"), ("nationality", "   "), ("k" * 81, "af")])
def test_empty_or_overlong_attributes_are_refused(key: str, value: str) -> None:
    with pytest.raises(InvalidInput):
        Attribute(key, value)


def test_all_broken_constraints_are_reported_in_a_stable_order() -> None:
    asked = request(
        "ps",
        gender=Gender.MALE,
        specialisations=frozenset({Specialisation.CHILD_FRIENDLY}),
        excluded=frozenset({ANA}),
        organisation_excluded=frozenset({ANA}),
        applicant_attributes=frozenset({Attribute("nationality", "IR")}),
    )
    assert check_hard(asked, interpreter(organisations=frozenset())) == [
        HardConstraint.ORGANISATION,
        HardConstraint.LANGUAGE,
        HardConstraint.GENDER,
        HardConstraint.SPECIALISATION,
        HardConstraint.EXCLUDED_BY_ORGANISATION,
        HardConstraint.EXCLUDED_FOR_CASE,
        HardConstraint.CONFLICT_OF_INTEREST,
    ]


def test_the_dialect_is_matched_loosely_but_only_in_a_qualifying_language() -> None:
    assert speaks_dialect(request(dialect="  dari "), interpreter())
    assert not speaks_dialect(request(dialect="Hazaragi"), interpreter())
    assert not speaks_dialect(request(), interpreter())
    trained_dari = interpreter(
        languages=(skill("fa-AF", "Dari", Accreditation.TRAINED), skill("fa", level=Accreditation.SWORN))
    )
    assert not speaks_dialect(
        request(dialect="Dari", min_accreditation=Accreditation.CERTIFIED), trained_dari
    )


def test_bad_requests_and_profiles_are_refused() -> None:
    with pytest.raises(InvalidInput):
        request(dialect="   ")
    with pytest.raises(InvalidInput):
        request(dialect="d" * 81)
    with pytest.raises(InvalidInput):
        request(preferred_interpreter=ANA, excluded=frozenset({ANA}))
    with pytest.raises(InvalidInput):
        request(preferred_interpreter=ANA, organisation_excluded=frozenset({ANA}))
    with pytest.raises(InvalidInput):
        interpreter(languages=())
