"""Fair ranking of the interpreters eligible for a request, and the record of which preferences shaped it.

Order: the preferred interpreter (when eligible), then those who speak the preferred dialect, then fair
rotation — fewest minutes booked this week, then least recently assigned (never assigned first), then user id
so equal loads always come out in the same order. A preference is *relaxed* only when it cannot be met; the
hard constraints of :mod:`scheduler.constraints` are never relaxed: ineligible interpreters are not ranked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from core.errors import InvalidInput
from core.ids import UserId
from scheduler.constraints import HardConstraint, InterpreterFacts, MatchRequest, check_hard, speaks_dialect

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Load:
    """How much an interpreter has worked lately, as fair rotation sees it.

    ``booked_minutes_week`` counts minutes booked in the current week, as the caller defines the week (the
    booking service uses the requesting organisation's calendar week).
    """

    booked_minutes_week: int = 0
    last_assigned_at: datetime | None = None

    def __post_init__(self) -> None:
        if isinstance(self.booked_minutes_week, bool) or not isinstance(self.booked_minutes_week, int):
            raise InvalidInput("booked minutes must be a whole number")
        if self.booked_minutes_week < 0:
            raise InvalidInput("booked minutes cannot be negative")
        last = self.last_assigned_at
        if last is not None:
            if not isinstance(last, datetime) or last.tzinfo is None or last.utcoffset() is None:
                raise InvalidInput("the last assignment must be an aware datetime")
            object.__setattr__(self, "last_assigned_at", last.astimezone(UTC))


IDLE = Load()


class SoftPreference(StrEnum):
    PREFERRED_INTERPRETER = "preferred_interpreter"
    DIALECT = "dialect"
    FAIR_ROTATION = "fair_rotation"


class Resolution(StrEnum):
    APPLIED = "applied"  # it shaped the order
    RELAXED = "relaxed"  # it could not be met; the order ignores it


@dataclass(frozen=True)
class PreferenceOutcome:
    preference: SoftPreference
    resolution: Resolution
    reason: str

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class Rejection:
    """An offered candidate left out, with every hard constraint they break."""

    user_id: UserId
    violated: tuple[HardConstraint, ...]


@dataclass(frozen=True)
class MatchExplanation:
    """Why the order is what it is; a booking stores it so a coordinator can read it later."""

    preferences: tuple[PreferenceOutcome, ...]
    rejected: tuple[Rejection, ...] = ()

    @property
    def applied(self) -> tuple[PreferenceOutcome, ...]:
        return tuple(p for p in self.preferences if p.resolution is Resolution.APPLIED)

    @property
    def relaxed(self) -> tuple[PreferenceOutcome, ...]:
        return tuple(p for p in self.preferences if p.resolution is Resolution.RELAXED)

    def outcome_of(self, preference: SoftPreference) -> PreferenceOutcome | None:
        """What became of ``preference``; None when the request did not ask for it."""
        return next((p for p in self.preferences if p.preference is preference), None)


@dataclass(frozen=True)
class RankedCandidate:
    facts: InterpreterFacts
    load: Load
    preferred: bool
    dialect_match: bool

    @property
    def user_id(self) -> UserId:
        return self.facts.user_id


@dataclass(frozen=True)
class Ranking:
    """Eligible candidates, best first, and the explanation of the order."""

    candidates: tuple[RankedCandidate, ...]
    explanation: MatchExplanation

    @property
    def user_ids(self) -> tuple[UserId, ...]:
        return tuple(c.user_id for c in self.candidates)


def rank(
    request: MatchRequest, candidates: Iterable[InterpreterFacts], load: Mapping[UserId, Load]
) -> Ranking:
    """The eligible ones among ``candidates`` for ``request``, best first, with a :class:`MatchExplanation`.

    ``candidates`` are typically those available at the booked time (or on standby now); the result does
    not depend on their order. ``load`` may omit an interpreter, who then counts as idle. Duplicate ids are
    refused.
    """
    pool = list(candidates)
    ids = [facts.user_id for facts in pool]
    if len(set(ids)) != len(ids):
        raise InvalidInput("each candidate may be offered once")

    ranked: list[RankedCandidate] = []
    rejected: list[Rejection] = []
    for facts in pool:
        violated = check_hard(request, facts)
        if violated:
            rejected.append(Rejection(facts.user_id, tuple(violated)))
            continue
        ranked.append(
            RankedCandidate(
                facts=facts,
                load=load.get(facts.user_id, IDLE),
                preferred=facts.user_id == request.preferred_interpreter,
                dialect_match=speaks_dialect(request, facts),
            )
        )
    ranked.sort(key=_order)
    rejected.sort(key=lambda r: r.user_id)
    explanation = MatchExplanation(_explain(request, ranked, rejected), tuple(rejected))
    return Ranking(tuple(ranked), explanation)


def _order(candidate: RankedCandidate) -> tuple[bool, bool, int, datetime, str]:
    last = candidate.load.last_assigned_at
    return (
        not candidate.preferred,
        not candidate.dialect_match,
        candidate.load.booked_minutes_week,
        _NEVER if last is None else last,
        candidate.user_id,
    )


def _explain(
    request: MatchRequest, ranked: list[RankedCandidate], rejected: list[Rejection]
) -> tuple[PreferenceOutcome, ...]:
    outcomes: list[PreferenceOutcome] = []
    preferred = request.preferred_interpreter
    if preferred is not None:
        outcomes.append(_explain_preferred(preferred, ranked, rejected))
    if request.dialect is not None:
        outcomes.append(_explain_dialect(request.dialect, ranked))
    if ranked:
        outcomes.append(
            PreferenceOutcome(
                SoftPreference.FAIR_ROTATION,
                Resolution.APPLIED,
                "fair rotation: fewest minutes booked this week, then least recently assigned",
            )
        )
    else:
        outcomes.append(
            PreferenceOutcome(
                SoftPreference.FAIR_ROTATION,
                Resolution.RELAXED,
                "fair rotation: no eligible interpreter to rotate among: relaxed",
            )
        )
    return tuple(outcomes)


def _explain_preferred(
    preferred: UserId, ranked: list[RankedCandidate], rejected: list[Rejection]
) -> PreferenceOutcome:
    kind = SoftPreference.PREFERRED_INTERPRETER
    if any(c.preferred for c in ranked):
        return PreferenceOutcome(
            kind, Resolution.APPLIED, f"interpreter {preferred} preferred: eligible, ranked first"
        )
    refusal = next((r for r in rejected if r.user_id == preferred), None)
    if refusal is not None and HardConstraint.CONFLICT_OF_INTEREST in refusal.violated:
        # Naming this one would tell the caseworker what the interpreter declared about themselves.
        why = "not eligible for this case"
    elif refusal is not None:
        broken = ", ".join(refusal.violated)
        why = f"not eligible ({broken})"
    else:
        why = "not among the available candidates"
    return PreferenceOutcome(kind, Resolution.RELAXED, f"interpreter {preferred} preferred; {why}: relaxed")


def _explain_dialect(dialect: str, ranked: list[RankedCandidate]) -> PreferenceOutcome:
    kind = SoftPreference.DIALECT
    speakers = sum(c.dialect_match for c in ranked)
    if speakers:
        # A named interpreter outranks a dialect match: the caseworker who names someone knows them.
        after = (
            " after the preferred interpreter"
            if any(c.preferred and not c.dialect_match for c in ranked)
            else ""
        )
        return PreferenceOutcome(
            kind,
            Resolution.APPLIED,
            f"dialect {dialect} preferred: {speakers} of {len(ranked)} eligible interpreters have it, "
            f"ranked ahead of the others{after}",
        )
    return PreferenceOutcome(
        kind, Resolution.RELAXED, f"dialect {dialect} preferred; no eligible interpreter has it: relaxed"
    )
