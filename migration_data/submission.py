"""Submissions as data: one authority's figures for one dataflow and period, in versions with a life.

A version moves draft -> validated -> submitted -> accepted through :data:`TRANSITIONS`, the one table every
change goes through. A correction is a new draft version; the versions before it are kept, and once the
correction is accepted the previously accepted version becomes superseded. Everything here is pure: the
functions return new values and take the time as an argument (the caller owns the clock).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from migration_data.authorities import AuthorityCode, authority
from migration_data.cells import EncodedCells
from migration_data.errors import SubmissionInvalid, SubmissionTransitionRefused
from migration_data.issues import ValidationReport
from migration_data.periods import Period
from migration_data.template import Dataflow


class SubmissionState(StrEnum):
    DRAFT = "draft"
    VALIDATED = "validated"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    SUPERSEDED = "superseded"


S = SubmissionState
TRANSITIONS: dict[SubmissionState, frozenset[SubmissionState]] = {
    S.DRAFT: frozenset({S.VALIDATED}),
    S.VALIDATED: frozenset({S.DRAFT, S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.RETURNED}),
    S.RETURNED: frozenset({S.DRAFT}),
    S.ACCEPTED: frozenset({S.SUPERSEDED}),
    S.SUPERSEDED: frozenset(),
}
"""Allowed moves. RETURNED: the coordinator sent it back to the authority; SUPERSEDED only by a correction."""


@dataclass(frozen=True)
class SubmissionVersion:
    number: int
    state: SubmissionState
    cells: EncodedCells
    created_at: datetime
    report: ValidationReport | None = None
    submitted_at: datetime | None = None
    late: bool = False


@dataclass(frozen=True)
class Submission:
    """All versions of one authority's figures for one dataflow and period, oldest first."""

    authority: AuthorityCode
    dataflow: Dataflow
    period: Period
    versions: tuple[SubmissionVersion, ...]

    @property
    def current(self) -> SubmissionVersion:
        return self.versions[-1]

    @property
    def accepted(self) -> SubmissionVersion | None:
        """The version that counts in regional figures: the latest accepted one, if any."""
        for version in reversed(self.versions):
            if version.state is S.ACCEPTED:
                return version
        return None


def start(authority_code: str, flow: Dataflow, period: str, cells: EncodedCells, at: datetime) -> Submission:
    """A new submission with its first draft version. The period must match the dataflow's frequency."""
    found = authority(authority_code)
    return Submission(
        found.code, flow, Period.parse(period, flow.frequency), (SubmissionVersion(1, S.DRAFT, cells, at),)
    )


def move(submission: Submission, to: SubmissionState, at: datetime) -> Submission:
    """The submission with its current version moved to ``to``, if the table allows it."""
    version = submission.current
    if to not in TRANSITIONS[version.state] or to is S.SUPERSEDED:
        raise SubmissionTransitionRefused(f"a {version.state} version cannot become {to}")
    if to is S.VALIDATED and (version.report is None or not version.report.ok):
        raise SubmissionInvalid("validate the version without errors first")
    changed = replace(version, state=to)
    if to is S.SUBMITTED:
        late = submission.dataflow.deadline.is_late(submission.period, at)
        changed = replace(changed, submitted_at=at, late=late)
    versions = submission.versions[:-1]
    if to is S.ACCEPTED:
        versions = tuple(replace(v, state=S.SUPERSEDED) if v.state is S.ACCEPTED else v for v in versions)
    return replace(submission, versions=(*versions, changed))


def attach_report(submission: Submission, report: ValidationReport) -> Submission:
    """Record the validation result of the current draft (validation itself is :mod:`validation`)."""
    version = submission.current
    if version.state is not S.DRAFT:
        raise SubmissionTransitionRefused(f"a {version.state} version is not validated again")
    return replace(submission, versions=(*submission.versions[:-1], replace(version, report=report)))


def correct(submission: Submission, cells: EncodedCells, at: datetime) -> Submission:
    """A correction: a new draft version after a submitted, returned or accepted one; older ones are kept."""
    version = submission.current
    if version.state not in {S.SUBMITTED, S.RETURNED, S.ACCEPTED}:
        raise SubmissionTransitionRefused(f"a {version.state} version is edited, not corrected")
    new = SubmissionVersion(version.number + 1, S.DRAFT, cells, at)
    return replace(submission, versions=(*submission.versions, new))
