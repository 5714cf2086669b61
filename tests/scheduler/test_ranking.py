"""Ranking: only eligible interpreters, preferences first, then fair rotation, and every choice explained."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
)
from scheduler.ranking import Load, Rejection, Resolution, SoftPreference, rank

OFFICE = OrganisationId("office-a")
MONDAY = datetime(2026, 3, 23, 9, tzinfo=UTC)


def dari(user_id: str, dialect: str | None = None, gender: Gender = Gender.FEMALE) -> InterpreterFacts:
    return InterpreterFacts(
        user_id=UserId(user_id),
        gender=gender,
        languages=(
            LanguageSkill(WorkingLanguage(LanguageTag.parse("fa-AF"), dialect), Accreditation.CERTIFIED),
        ),
        organisations=frozenset({OFFICE}),
    )


def request(**changes: object) -> MatchRequest:
    return MatchRequest(organisation=OFFICE, language=LanguageTag.parse("prs"), **changes)  # type: ignore[arg-type]


def minutes(n: int, last: datetime | None = None) -> Load:
    return Load(booked_minutes_week=n, last_assigned_at=last)


def test_fair_rotation_least_booked_then_least_recently_assigned_then_id() -> None:
    pool = [dari("e"), dari("d"), dari("c"), dari("b"), dari("a")]
    load = {
        UserId("a"): minutes(120, MONDAY),
        UserId("b"): minutes(60, MONDAY),
        UserId("c"): minutes(60, MONDAY - timedelta(days=1)),
        UserId("d"): minutes(60),  # never assigned: ahead of anyone who has been
        # "e" has no load at all: idle, first.
    }
    ranking = rank(request(), pool, load)
    assert ranking.user_ids == ("e", "d", "c", "b", "a")
    assert ranking.explanation.outcome_of(SoftPreference.FAIR_ROTATION) is not None
    assert [p.preference for p in ranking.explanation.applied] == [SoftPreference.FAIR_ROTATION]
    assert ranking.explanation.relaxed == ()


def test_equal_loads_are_ordered_by_id_whatever_the_input_order() -> None:
    pool = [dari("m"), dari("k"), dari("z")]
    assert rank(request(), pool, {}).user_ids == ("k", "m", "z")
    assert rank(request(), reversed(pool), {}).user_ids == ("k", "m", "z")


def test_ineligible_candidates_are_left_out_with_their_reasons() -> None:
    pool = [dari("f"), dari("m", gender=Gender.MALE), dari("x")]
    ranking = rank(request(gender=Gender.FEMALE, excluded=frozenset({UserId("x")})), pool, {})
    assert ranking.user_ids == ("f",)
    assert ranking.explanation.rejected == (
        Rejection(UserId("m"), (HardConstraint.GENDER,)),
        Rejection(UserId("x"), (HardConstraint.EXCLUDED_FOR_CASE,)),
    )


def test_a_preferred_dialect_ranks_its_speakers_first_even_with_more_booked_minutes() -> None:
    pool = [dari("busy-dari", "Dari"), dari("idle-plain"), dari("idle-hazaragi", "Hazaragi")]
    load = {UserId("busy-dari"): minutes(600, MONDAY)}
    ranking = rank(request(dialect="Dari"), pool, load)
    assert ranking.user_ids == ("busy-dari", "idle-hazaragi", "idle-plain")
    assert [c.dialect_match for c in ranking.candidates] == [True, False, False]
    dialect = ranking.explanation.outcome_of(SoftPreference.DIALECT)
    assert dialect is not None
    assert dialect.resolution is Resolution.APPLIED
    assert str(dialect) == (
        "dialect Dari preferred: 1 of 3 eligible interpreters have it, ranked ahead of the others"
    )


def test_a_dialect_nobody_eligible_has_is_relaxed_and_fairness_decides() -> None:
    pool = [dari("a", "Hazaragi"), dari("b"), dari("c", "Dari", gender=Gender.MALE)]
    ranking = rank(request(dialect="Dari", gender=Gender.FEMALE), pool, {UserId("a"): minutes(30)})
    # Only the male interpreter speaks Dari, and a female interpreter is required: the dialect gives way.
    assert ranking.user_ids == ("b", "a")
    dialect = ranking.explanation.outcome_of(SoftPreference.DIALECT)
    assert dialect is not None
    assert dialect.resolution is Resolution.RELAXED
    assert str(dialect) == "dialect Dari preferred; no eligible interpreter has it: relaxed"
    assert [p.preference for p in ranking.explanation.relaxed] == [SoftPreference.DIALECT]


def test_an_eligible_preferred_interpreter_comes_first_even_ahead_of_the_dialect() -> None:
    pool = [dari("dari-speaker", "Dari"), dari("named"), dari("idle")]
    load = {UserId("named"): minutes(900, MONDAY)}
    ranking = rank(request(dialect="Dari", preferred_interpreter=UserId("named")), pool, load)
    assert ranking.user_ids == ("named", "dari-speaker", "idle")
    assert ranking.candidates[0].preferred
    outcomes = {p.preference: p for p in ranking.explanation.preferences}
    assert outcomes[SoftPreference.PREFERRED_INTERPRETER].resolution is Resolution.APPLIED
    assert str(outcomes[SoftPreference.PREFERRED_INTERPRETER]) == (
        "interpreter named preferred: eligible, ranked first"
    )
    assert str(outcomes[SoftPreference.DIALECT]).endswith(
        "ranked ahead of the others after the preferred interpreter"
    )


def test_an_ineligible_preferred_interpreter_is_relaxed_never_the_hard_constraint() -> None:
    pool = [dari("named", gender=Gender.MALE), dari("other")]
    ranking = rank(request(gender=Gender.FEMALE, preferred_interpreter=UserId("named")), pool, {})
    assert ranking.user_ids == ("other",)
    preferred = ranking.explanation.outcome_of(SoftPreference.PREFERRED_INTERPRETER)
    assert preferred is not None
    assert preferred.resolution is Resolution.RELAXED
    assert str(preferred) == "interpreter named preferred; not eligible (gender): relaxed"


def test_a_conflict_of_interest_is_never_named_in_the_explanation() -> None:
    # The caseworker reads the explanation; "conflict_of_interest" would reveal what the interpreter declared.
    declared = dataclasses.replace(dari("named"), conflicts=frozenset({Attribute("nationality", "af")}))
    asked = request(
        preferred_interpreter=UserId("named"),
        applicant_attributes=frozenset({Attribute("nationality", "af")}),
    )
    ranking = rank(asked, [declared, dari("other")], {})
    preferred = ranking.explanation.outcome_of(SoftPreference.PREFERRED_INTERPRETER)
    assert preferred is not None
    assert ranking.user_ids == ("other",)
    assert str(preferred) == "interpreter named preferred; not eligible for this case: relaxed"
    assert "conflict" not in str(preferred)


def test_an_unavailable_preferred_interpreter_is_relaxed() -> None:
    ranking = rank(request(preferred_interpreter=UserId("on-holiday")), [dari("other")], {})
    assert ranking.user_ids == ("other",)
    preferred = ranking.explanation.outcome_of(SoftPreference.PREFERRED_INTERPRETER)
    assert preferred is not None
    assert str(preferred) == "interpreter on-holiday preferred; not among the available candidates: relaxed"


def test_no_eligible_interpreter_gives_an_empty_ranking_with_everything_relaxed() -> None:
    ranking = rank(request(dialect="Dari", gender=Gender.MALE), [dari("f", "Dari")], {})
    assert ranking.candidates == ()
    assert ranking.explanation.applied == ()
    assert {p.preference for p in ranking.explanation.relaxed} == {
        SoftPreference.DIALECT,
        SoftPreference.FAIR_ROTATION,
    }


def test_unrequested_preferences_are_not_mentioned() -> None:
    ranking = rank(request(), [dari("a")], {})
    assert ranking.explanation.outcome_of(SoftPreference.DIALECT) is None
    assert ranking.explanation.outcome_of(SoftPreference.PREFERRED_INTERPRETER) is None


def test_the_same_candidate_offered_twice_is_refused() -> None:
    with pytest.raises(InvalidInput):
        rank(request(), [dari("a"), dari("a")], {})


@pytest.mark.parametrize(
    ("booked", "last"),
    [(-1, None), (True, None), (1.5, None), (0, datetime(2026, 3, 23, 9))],
)
def test_impossible_loads_are_refused(booked: int, last: datetime | None) -> None:
    with pytest.raises(InvalidInput):
        Load(booked, last)


def test_a_load_is_kept_in_utc() -> None:
    local = datetime(2026, 3, 23, 10, tzinfo=ZoneInfo("Europe/Skopje"))
    assert Load(0, local).last_assigned_at == MONDAY


# Properties over random requests and pools. Vocabularies are small, and about half of each pool is drawn to
# fit the request, so most examples rank several interpreters while exclusions and conflicts still bite.

TAGS = ["fa", "fa-AF", "prs", "fa-IR", "ps", "ps-AF", "ps-PK", "sr", "sr-Latn", "sr-Cyrl"]
DIALECTS = [None, "Dari", "Hazaragi"]
ORGS = [OrganisationId("o1"), OrganisationId("o2")]
ATTRIBUTES = [
    Attribute("nationality", "af"),
    Attribute("nationality", "ir"),
    Attribute("community", "hazara"),
]
USER_IDS = [UserId(f"i{n}") for n in range(16)]

skills = st.builds(
    LanguageSkill,
    st.builds(WorkingLanguage, st.sampled_from(TAGS).map(LanguageTag.parse), st.sampled_from(DIALECTS)),
    st.sampled_from(Accreditation),
)


@st.composite
def requests(draw: st.DrawFn) -> MatchRequest:
    excluded = frozenset(draw(st.sets(st.sampled_from(USER_IDS), max_size=2)))
    organisation_excluded = frozenset(draw(st.sets(st.sampled_from(USER_IDS), max_size=2)))
    allowed = [u for u in USER_IDS if u not in excluded | organisation_excluded]
    return MatchRequest(
        organisation=draw(st.sampled_from(ORGS)),
        language=LanguageTag.parse(draw(st.sampled_from(TAGS))),
        dialect=draw(st.sampled_from(DIALECTS)),
        gender=draw(st.sampled_from([None, None, Gender.FEMALE, Gender.MALE, Gender.NON_BINARY])),
        specialisations=frozenset(draw(st.sets(st.sampled_from(Specialisation), max_size=1))),
        min_accreditation=draw(st.sampled_from([Accreditation.NONE, *Accreditation])),
        excluded=excluded,
        organisation_excluded=organisation_excluded,
        applicant_attributes=frozenset(draw(st.sets(st.sampled_from(ATTRIBUTES), max_size=1))),
        preferred_interpreter=draw(st.none() | st.sampled_from(allowed)),
    )


@st.composite
def interpreters(draw: st.DrawFn, uid: UserId, asked: MatchRequest) -> InterpreterFacts:
    """Random facts; about half are drawn to fit ``asked`` apart from chance exclusions and conflicts."""
    facts = InterpreterFacts(
        user_id=uid,
        gender=draw(st.sampled_from(Gender)),
        languages=tuple(draw(st.lists(skills, min_size=1, max_size=3))),
        organisations=frozenset(draw(st.sets(st.sampled_from(ORGS), max_size=2))),
        specialisations=frozenset(draw(st.sets(st.sampled_from(Specialisation), max_size=4))),
        conflicts=frozenset(draw(st.sets(st.sampled_from(ATTRIBUTES), max_size=1))),
    )
    if not draw(st.booleans()):
        return facts
    fitting = LanguageSkill(
        WorkingLanguage(asked.language, draw(st.sampled_from(DIALECTS))),
        draw(st.sampled_from([a for a in Accreditation if a >= asked.min_accreditation])),
    )
    return dataclasses.replace(
        facts,
        gender=asked.gender or facts.gender,
        languages=(*facts.languages, fitting),
        organisations=facts.organisations | {asked.organisation},
        specialisations=facts.specialisations | asked.specialisations,
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[MatchRequest, list[InterpreterFacts]]:
    asked = draw(requests())
    ids = draw(st.lists(st.sampled_from(USER_IDS), unique=True, max_size=len(USER_IDS)))
    return asked, [draw(interpreters(uid, asked)) for uid in ids]


loads = st.dictionaries(
    st.sampled_from(USER_IDS),
    st.builds(
        Load,
        st.integers(min_value=0, max_value=2400),
        st.none()
        | st.datetimes(
            timezones=st.just(UTC), min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)
        ),
    ),
)


@settings(max_examples=300, deadline=None)
@given(scenarios(), loads, st.randoms(use_true_random=False))
def test_rank_returns_every_eligible_interpreter_once_never_an_ineligible_one_in_a_deterministic_order(
    scenario: tuple[MatchRequest, list[InterpreterFacts]], load: dict[UserId, Load], shuffler: random.Random
) -> None:
    asked, pool = scenario
    ranking = rank(asked, pool, load)

    for candidate in ranking.candidates:
        assert check_hard(asked, candidate.facts) == []
    returned = list(ranking.user_ids)
    assert len(returned) == len(set(returned))
    assert set(returned) == {f.user_id for f in pool if eligible(asked, f)}
    assert {r.user_id for r in ranking.explanation.rejected} == {
        f.user_id for f in pool if not eligible(asked, f)
    }

    shuffled = list(pool)
    shuffler.shuffle(shuffled)
    assert rank(asked, shuffled, load) == ranking


@settings(max_examples=300, deadline=None)
@given(scenarios(), loads)
def test_rank_orders_by_preferred_then_dialect_then_booked_minutes_and_says_which_it_applied(
    scenario: tuple[MatchRequest, list[InterpreterFacts]], load: dict[UserId, Load]
) -> None:
    asked, pool = scenario
    ranking = rank(asked, pool, load)
    tiers = [(not c.preferred, not c.dialect_match, c.load.booked_minutes_week) for c in ranking.candidates]
    assert tiers == sorted(tiers)

    applied = {p.preference for p in ranking.explanation.applied}
    relaxed = {p.preference for p in ranking.explanation.relaxed}
    assert not applied & relaxed
    if asked.preferred_interpreter is not None:
        met = bool(ranking.candidates) and ranking.candidates[0].user_id == asked.preferred_interpreter
        assert (SoftPreference.PREFERRED_INTERPRETER in applied) is met
        assert (SoftPreference.PREFERRED_INTERPRETER in relaxed) is not met
    if asked.dialect is not None:
        met = any(c.dialect_match for c in ranking.candidates)
        assert (SoftPreference.DIALECT in applied) is met
        assert (SoftPreference.DIALECT in relaxed) is not met
