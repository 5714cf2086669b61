"""Each validation rule, with a passing and a failing example; every error names row, column and rule."""

from __future__ import annotations

import numpy as np
import pytest

from migration_data.cells import from_codes
from migration_data.readers import read_csv
from migration_data.template import dataflow
from migration_data.validation import validate_cells, validate_upload
from tests.migration_data.cells_fixture import line_of, present_csv, replace_value

PRESENT = dataflow("EI_PRESENT")


def check(text: str, period: str | None = "2025"):
    return validate_upload(PRESENT, read_csv(PRESENT, text), period)[1]


def test_the_consistent_submission_passes_every_rule():
    report = check(present_csv())
    assert report.ok, report.errors
    assert report.errors == ()


def test_an_unknown_code_names_its_row_column_and_rule():
    text = replace_value(present_csv(), "SY,M,Y18-34,", "10").replace("SY,M,Y18-34,10", "SY,X,Y18-34,10")
    report = check(text)
    [error] = [e for e in report.errors if e.rule == "code_in_list"]
    assert (error.row, error.column) == (line_of(present_csv(), "SY,M,Y18-34,"), "SEX")


@pytest.mark.parametrize("value", ["-3", "2.5", "many", ""])
def test_values_must_be_non_negative_whole_numbers(value):
    report = check(replace_value(present_csv(), "AF,F,UNK,", value))
    [error] = [e for e in report.errors if e.rule == "non_negative_integer"]
    assert (error.row, error.column) == (line_of(present_csv(), "AF,F,UNK,"), "OBS_VALUE")


def test_a_repeated_cell_is_an_error_on_its_second_row():
    text = present_csv() + "SY,M,Y18-34,20\r\n"
    report = check(text)
    [error] = [e for e in report.errors if e.rule == "unique_cell"]
    assert error.row == len(text.splitlines())


@pytest.mark.parametrize(
    ("prefix", "rule"),
    [
        ("SY,T,Y18-34,", "sex_total"),
        ("SY,M,TOTAL,", "age_total"),
        ("SY,M,Y_LT18,", "under_18_total"),
        ("TOTAL,M,Y18-34,", "citizenship_total"),
    ],
)
def test_a_total_that_does_not_add_up_names_the_total_cell(prefix, rule):
    report = check(replace_value(present_csv(), prefix, "999"))
    assert rule in report.error_counts
    error = next(e for e in report.errors if e.rule == rule)
    assert error.row == line_of(present_csv(), prefix)
    assert error.column == "OBS_VALUE"
    assert "=999 but" in error.message


def test_a_changed_leaf_breaks_every_total_above_it():
    report = check(replace_value(present_csv(), "SY,M,Y18-34,", "11"))
    assert set(report.error_counts) == {"sex_total", "age_total", "citizenship_total"}


@pytest.mark.parametrize(("period", "ok"), [("2025", True), ("2025-01", False), ("2025-Q1", False)])
def test_the_period_matches_the_frequency(period, ok):
    report = check(present_csv(), period)
    assert ("period_matches_frequency" not in report.error_counts) is ok


def test_applicants_total_is_first_time_plus_subsequent():
    flow = dataflow("ASY_APP")
    cells = [
        {"CITIZEN": "SY", "SEX": "T", "AGE": "TOTAL", "APPLICANT": a, "OBS_VALUE": n}
        for a, n in (("TOTAL", 10), ("FRST", 7), ("SUBS", 3))
    ]
    assert validate_cells(flow, from_codes(flow, cells)).ok
    cells[0]["OBS_VALUE"] = 11
    assert "applicants_total" in validate_cells(flow, from_codes(flow, cells)).error_counts


def test_decisions_total_is_positive_plus_rejected_and_positive_is_its_outcomes():
    flow = dataflow("ASY_DEC")
    figures = {"TOTAL": 20, "TOTAL_POS": 12, "GENCONV": 5, "SUB_PROT": 4, "HUMSTAT": 2, "TEMP_PROT": 1}
    figures["REJECTED"] = 8
    cells = [
        {"CITIZEN": "AF", "SEX": "T", "AGE": "TOTAL", "DECISION": d, "OBS_VALUE": n}
        for d, n in figures.items()
    ]
    assert validate_cells(flow, from_codes(flow, cells), "2025-Q2").ok
    cells[-1]["OBS_VALUE"] = 9
    cells[2]["OBS_VALUE"] = 6
    counts = validate_cells(flow, from_codes(flow, cells), "2025-Q2").error_counts
    assert set(counts) == {"decisions_total", "positive_decisions_total"}


def test_unaccompanied_minors_never_exceed_the_applicants_under_18_of_the_same_cell():
    flow = dataflow("ASY_UAM")
    cells = [
        {"CITIZEN": "AF", "SEX": "M", "AGE": "Y14-17", "UNACCOMPANIED": "ALL", "OBS_VALUE": 30},
        {"CITIZEN": "AF", "SEX": "M", "AGE": "Y14-17", "UNACCOMPANIED": "UAM", "OBS_VALUE": 30},
    ]
    assert validate_cells(flow, from_codes(flow, cells)).ok
    cells[1]["OBS_VALUE"] = 31
    report = validate_cells(flow, from_codes(flow, cells))
    [error] = report.errors
    assert (error.row, error.rule) == (3, "unaccompanied_within_minors")


def test_only_the_first_errors_are_listed_but_all_are_counted():
    flow = dataflow("EI_PRESENT")
    cells = from_codes(flow, [{"CITIZEN": "SY", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": 1}] * 2000)
    report = validate_cells(flow, cells)
    assert report.error_counts == {"unique_cell": 1999}
    assert len(report.errors) == 500
    assert np.all(np.diff([e.row for e in report.errors]) > 0)
