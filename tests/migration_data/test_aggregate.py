"""Regional figures: totals across authorities and periods, top citizenships, quarters from months."""

from __future__ import annotations

from migration_data.aggregate import quarter_from_months, regional_totals, stack, top_citizenships, totals
from migration_data.authorities import AuthorityCode
from migration_data.cells import from_codes
from migration_data.periods import Frequency, Period
from migration_data.template import dataflow

FLOW = dataflow("REG_ARRIVALS")
ALL = {"SEX": "T", "AGE": "TOTAL"}


def month(geo: str, number: int, figures: dict[str, int]):
    records = [{"CITIZEN": c, "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": n} for c, n in figures.items()]
    records.append({"CITIZEN": "TOTAL", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": sum(figures.values())})
    return AuthorityCode(geo), Period(Frequency.MONTHLY, 2025, number), from_codes(FLOW, records)


PANEL = stack(
    FLOW,
    [
        month("RS", 1, {"AF": 30, "SY": 20, "MA": 5}),
        month("BA", 1, {"AF": 10, "PK": 12}),
        month("RS", 2, {"SY": 7}),
        month("RS", 4, {"AF": 1}),
    ],
)


def test_regional_totals_sum_every_authority_per_period():
    table = regional_totals(PANEL, {**ALL, "CITIZEN": "TOTAL"})
    assert table.as_dicts() == [
        {"TIME_PERIOD": "2025-01", "OBS_VALUE": 77},
        {"TIME_PERIOD": "2025-02", "OBS_VALUE": 7},
        {"TIME_PERIOD": "2025-04", "OBS_VALUE": 1},
    ]
    by_authority = totals(PANEL, ("GEO",), {**ALL, "CITIZEN": "TOTAL"})
    assert dict((str(g), v) for g, v in by_authority.rows) == {"BA": 22, "RS": 63}


def test_top_citizenships_per_authority_and_period_leave_out_the_total():
    top = top_citizenships(PANEL, 2, ALL)
    assert top[("RS", "2025-01")] == [("AF", 30), ("SY", 20)]
    assert top[("BA", "2025-01")] == [("PK", 12), ("AF", 10)]


def test_quarters_are_summed_from_months_with_the_months_they_drew_on():
    quarters, months = quarter_from_months(PANEL)
    assert [str(p) for p in quarters.periods] == ["2025-Q1", "2025-Q2"]
    table = totals(quarters, ("GEO", "TIME_PERIOD"), {**ALL, "CITIZEN": "SY"})
    assert table.rows == [("RS", "2025-Q1", 27)]
    assert months == {("RS", "2025-Q1"): 2, ("BA", "2025-Q1"): 1, ("RS", "2025-Q2"): 1}
