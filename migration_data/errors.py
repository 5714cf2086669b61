"""The migration-data template's expected failures, as domain words with stable codes for the edge."""

from __future__ import annotations

from core.errors import Conflict, InvalidInput, NotFound


class UploadRefused(InvalidInput):
    """The upload was refused whole; nothing of it was kept."""

    code = "upload_refused"

    def __init__(self, row: int, column: str | None, reason: str) -> None:
        where = f"row {row}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: {reason}")
        self.row = row
        self.column = column
        self.reason = reason


class PersonalDataRefused(UploadRefused):
    """The upload looks like it holds personal data; this service takes aggregates only."""

    code = "personal_data_refused"


class UnknownDataflow(NotFound):
    """No dataflow with that id in the template."""

    code = "unknown_dataflow"


class UnknownAuthority(NotFound):
    """No reporting authority with that code."""

    code = "unknown_authority"


class InvalidPeriod(InvalidInput):
    """The period is not written as the dataflow's frequency requires (YYYY-MM, YYYY-Qn or YYYY)."""

    code = "invalid_period"


class SubmissionTransitionRefused(Conflict):
    """That state cannot follow the submission version's current one."""

    code = "submission_transition_refused"


class SubmissionInvalid(Conflict):
    """The submission has validation errors and cannot be marked validated."""

    code = "submission_invalid"
