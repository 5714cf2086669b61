"""A stored submission as the rest of the package sees it: plain values, never ORM rows.

The validation report is kept as JSON (:func:`report_json`): the issues listed (at most
:data:`issues.MAX_LISTED` of each kind) and every error counted per rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NewType

from core.errors import Conflict, NotFound
from core.ids import UserId
from migration_data.authorities import AuthorityCode
from migration_data.cell_blob import StoredCells
from migration_data.issues import Issue, ValidationReport
from migration_data.periods import Period
from migration_data.submission import SubmissionState
from migration_data.template import Dataflow

S = SubmissionState
SOURCES = ("json", "csv", "xlsx", "sdmx")

SubmissionId = NewType("SubmissionId", str)


class UnknownSubmission(NotFound):
    """No such submission, or not visible to you."""

    code = "unknown_submission"


class SubmissionExists(Conflict):
    """This authority already has a submission for that dataflow and period: correct it instead."""

    code = "submission_exists"


class SubmissionChanged(Conflict):
    """The submission has a newer version than the one the change was based on; read it again."""

    code = "submission_changed"


@dataclass(frozen=True)
class VersionRecord:
    number: int
    state: SubmissionState
    source: str
    late: bool
    created_by: UserId
    created_at: datetime
    submitted_by: UserId | None
    submitted_at: datetime | None
    decided_by: UserId | None  # who accepted or returned it
    decided_at: datetime | None
    cell_count: int
    report: ValidationReport


@dataclass(frozen=True)
class SubmissionRecord:
    id: SubmissionId
    authority: AuthorityCode
    flow: Dataflow
    period: Period
    versions: tuple[VersionRecord, ...]  # oldest first
    created_at: datetime
    updated_at: datetime

    @property
    def current(self) -> VersionRecord:
        return self.versions[-1]

    @property
    def accepted(self) -> VersionRecord | None:
        return next((v for v in reversed(self.versions) if v.state is S.ACCEPTED), None)


@dataclass(frozen=True)
class NewFigures:
    """A version's figures as validated, and where they came from."""

    cells: StoredCells
    report: ValidationReport
    source: str


@dataclass(frozen=True)
class ImportItem:
    """One series of an imported file: goes in as a submitted version (a new one, or a correction)."""

    authority: AuthorityCode
    flow: Dataflow
    period: Period
    figures: NewFigures


def report_json(report: ValidationReport) -> dict[str, Any]:
    def issue(i: Issue) -> dict[str, Any]:
        return {"row": i.row, "column": i.column, "rule": i.rule, "message": i.message}

    return {
        "ok": report.ok,
        "error_counts": dict(report.error_counts),
        "errors": [issue(i) for i in report.errors],
        "warnings": [issue(i) for i in report.warnings],
    }


def report_from_json(document: dict[str, Any]) -> ValidationReport:
    def issues(items: list[dict[str, Any]]) -> tuple[Issue, ...]:
        return tuple(Issue(i["row"], i["column"], i["rule"], i["message"]) for i in items)

    return ValidationReport(
        issues(document["errors"]), issues(document["warnings"]), dict(document["error_counts"])
    )
