"""Warnings, not errors: a quarter unlike the sum of its months; more returned than ordered to leave."""

from __future__ import annotations

from migration_data.cells import from_codes
from migration_data.cross_checks import quarter_against_months, returns_against_orders
from migration_data.template import dataflow

FLOW = dataflow("REG_ARRIVALS")


def cells(n: int):
    return from_codes(FLOW, [{"CITIZEN": "AF", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": n}])


def test_a_quarter_equal_to_its_months_raises_no_warning():
    assert quarter_against_months(FLOW, cells(6), [cells(1), cells(2), cells(3)]) == []


def test_a_quarter_unlike_its_months_is_a_warning_naming_the_cell():
    [warning] = quarter_against_months(FLOW, cells(7), [cells(1), cells(2), cells(3)])
    assert (warning.row, warning.rule) == (2, "quarter_equals_months")
    assert warning.message == "CITIZEN=AF, SEX=T, AGE=TOTAL: quarter 7 but its months add up to 6"


def test_returns_exceeding_orders_to_leave_are_a_warning():
    ordered = from_codes(
        dataflow("EI_ORDERED"), [{"CITIZEN": "MA", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": 4}]
    )
    returned = from_codes(
        dataflow("EI_RETURNED"),
        [{"CITIZEN": "MA", "RETURN_TYPE": "TOTAL", "ASSISTANCE": "TOTAL", "C_DEST": "TOTAL", "OBS_VALUE": 5}],
    )
    [warning] = returns_against_orders(returned, ordered)
    assert warning.rule == "returns_within_orders"
    assert returns_against_orders(ordered_as_returned(4), ordered) == []


def ordered_as_returned(n: int):
    return from_codes(
        dataflow("EI_RETURNED"),
        [{"CITIZEN": "MA", "RETURN_TYPE": "TOTAL", "ASSISTANCE": "TOTAL", "C_DEST": "TOTAL", "OBS_VALUE": n}],
    )
