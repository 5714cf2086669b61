"""The glossary's expected failures, as domain words with stable codes for the edge to translate."""

from __future__ import annotations

from core.errors import Conflict, Forbidden, InvalidInput, NotFound


class NoSuchDate(InvalidInput):
    """That day does not exist in that calendar."""

    code = "no_such_date"


class DateOutsideCalendar(InvalidInput):
    """The date is outside the years this calendar can convert reliably."""

    code = "date_outside_calendar"


class PhrasebookInvalid(InvalidInput):
    """The phrasebook data file breaks its own rules."""

    code = "phrasebook_invalid"


class TermInvalid(InvalidInput):
    """A term or one of its language entries is malformed."""

    code = "term_invalid"


class UnknownTerm(NotFound):
    """No term with that concept id."""

    code = "unknown_term"


class DuplicateTerm(Conflict):
    """A term with that concept id already exists."""

    code = "duplicate_term"


class ReviewTransitionRefused(Conflict):
    """That review status cannot follow the entry's current one."""

    code = "review_transition_refused"


class ReviewerRequired(Forbidden):
    """Only a qualified reviewer may mark a translation reviewed or approved."""

    code = "reviewer_required"


class ImportRefused(InvalidInput):
    """The file was refused whole; nothing was imported."""

    code = "import_refused"

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason
