"""A submission's life as a pure state machine; corrections keep every earlier version; late flags."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from migration_data.cells import from_codes
from migration_data.errors import InvalidPeriod, SubmissionInvalid, SubmissionTransitionRefused
from migration_data.issues import ValidationReport
from migration_data.submission import TRANSITIONS, SubmissionState, attach_report, correct, move, start
from migration_data.template import dataflow

S = SubmissionState
FLOW = dataflow("ASY_APP")
AT = datetime(2025, 2, 10, tzinfo=UTC)
CELLS = from_codes(
    FLOW, [{"CITIZEN": "SY", "SEX": "T", "AGE": "TOTAL", "APPLICANT": "TOTAL", "OBS_VALUE": 3}]
)


def accepted(submitted_at: datetime = AT):
    s = attach_report(start("RS", FLOW, "2025-01", CELLS, AT), ValidationReport())
    for state, at in ((S.VALIDATED, AT), (S.SUBMITTED, submitted_at), (S.ACCEPTED, submitted_at)):
        s = move(s, state, at)
    return s


def test_a_submission_moves_draft_validated_submitted_accepted():
    s = accepted()
    assert [v.state for v in s.versions] == [S.ACCEPTED]
    assert s.accepted is s.current


@pytest.mark.parametrize(
    ("src", "dst"), [(a, b) for a in S for b in S if b not in TRANSITIONS[a] or b is S.SUPERSEDED]
)
def test_every_move_outside_the_table_is_refused(src, dst):
    s = start("AL", FLOW, "2025-01", CELLS, AT)
    s = s.__class__(s.authority, s.dataflow, s.period, (s.current.__class__(1, src, CELLS, AT),))
    with pytest.raises(SubmissionTransitionRefused):
        move(s, dst, AT)


def test_a_draft_with_errors_cannot_be_marked_validated():
    s = start("ME", FLOW, "2025-01", CELLS, AT)
    with pytest.raises(SubmissionInvalid):
        move(s, S.VALIDATED, AT)
    s = attach_report(s, ValidationReport(error_counts={"sex_total": 1}))
    with pytest.raises(SubmissionInvalid):
        move(s, S.VALIDATED, AT)


def test_a_correction_is_a_new_version_and_the_old_one_is_kept_then_superseded():
    first = accepted()
    corrected = correct(first, CELLS, AT)
    assert [(v.number, v.state) for v in corrected.versions] == [(1, S.ACCEPTED), (2, S.DRAFT)]
    assert corrected.accepted is corrected.versions[0]
    done = attach_report(corrected, ValidationReport())
    for state in (S.VALIDATED, S.SUBMITTED, S.ACCEPTED):
        done = move(done, state, AT)
    assert [(v.number, v.state) for v in done.versions] == [(1, S.SUPERSEDED), (2, S.ACCEPTED)]
    assert done.versions[0].cells is CELLS
    with pytest.raises(SubmissionTransitionRefused):
        correct(start("MK", FLOW, "2025-01", CELLS, AT), CELLS, AT)


def test_a_submission_past_the_deadline_is_flagged_late():
    assert FLOW.deadline.due(accepted().period) == datetime(2025, 4, 1, tzinfo=UTC)
    assert not accepted(datetime(2025, 3, 31, 23, 59, tzinfo=UTC)).current.late
    assert accepted(datetime(2025, 4, 1, tzinfo=UTC)).current.late


def test_the_period_must_match_the_dataflow_frequency():
    with pytest.raises(InvalidPeriod):
        start("TR", FLOW, "2025-Q1", CELLS, AT)
