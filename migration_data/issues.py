"""What validation finds: each issue names the row, the column and the rule it breaks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_LISTED = 500
"""At most this many issues are listed per report; ``counts`` still counts them all, per rule."""


@dataclass(frozen=True)
class Issue:
    """``row`` is the source row (CSV/XLSX line, JSON item from 1, SDMX-CSV line); 0 means the submission."""

    row: int
    column: str
    rule: str
    message: str


@dataclass(frozen=True)
class ValidationReport:
    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()
    error_counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error_counts

    @property
    def error_total(self) -> int:
        return sum(self.error_counts.values())


class IssueCollector:
    """Gathers errors and warnings, listing the first :data:`MAX_LISTED` and counting every one."""

    def __init__(self) -> None:
        self._errors: list[Issue] = []
        self._warnings: list[Issue] = []
        self._counts: Counter[str] = Counter()

    def room(self) -> int:
        return max(0, MAX_LISTED - len(self._errors))

    def count(self, rule: str, n: int) -> None:
        if n:
            self._counts[rule] += n

    def error(self, issue: Issue) -> None:
        if len(self._errors) < MAX_LISTED:
            self._errors.append(issue)

    def warning(self, issue: Issue) -> None:
        if len(self._warnings) < MAX_LISTED:
            self._warnings.append(issue)

    def report(self) -> ValidationReport:
        ordered = sorted(self._errors, key=lambda i: (i.row, i.column, i.rule))
        return ValidationReport(tuple(ordered), tuple(self._warnings), dict(self._counts))
