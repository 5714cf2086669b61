"""Checks across submissions that only warn: a quarter against its months, returns against orders."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from migration_data.cells import EncodedCells, Ints
from migration_data.issues import Issue
from migration_data.template import MEASURE, Dataflow, dataflow


def _dense(
    flow: Dataflow, cells: EncodedCells
) -> tuple[Ints, np.ndarray[tuple[int], np.dtype[np.bool_]], Ints]:
    shape = tuple(len(d.codelist) for d in flow.dimensions)
    flat = np.ravel_multi_index(tuple(cells.codes[d] for d in flow.dimension_ids), shape)
    size = int(np.prod(shape))
    values = np.zeros(size, dtype=np.int64)
    present = np.zeros(size, dtype=np.bool_)
    rows = np.zeros(size, dtype=np.int64)
    np.add.at(values, flat, cells.values)
    present[flat] = True
    rows[flat] = cells.rows
    return values, present, rows


def quarter_against_months(
    flow: Dataflow, quarter: EncodedCells, months: Sequence[EncodedCells]
) -> list[Issue]:
    """Warn for each quarterly cell that differs from the sum of the same cell over the quarter's months."""
    if not months:
        return []
    q_values, q_present, q_rows = _dense(flow, quarter)
    m_sum = np.zeros_like(q_values)
    for month in months:
        m_sum += _dense(flow, month)[0]
    differ = np.flatnonzero(q_present & (q_values != m_sum))
    shape = tuple(len(d.codelist) for d in flow.dimensions)
    warnings = []
    for at in differ.tolist():
        key = ", ".join(
            f"{d.id}={d.codelist.codes[p]}"
            for d, p in zip(flow.dimensions, np.unravel_index(at, shape), strict=True)
        )
        message = f"{key}: quarter {int(q_values[at])} but its months add up to {int(m_sum[at])}"
        warnings.append(Issue(int(q_rows[at]), MEASURE, "quarter_equals_months", message))
    return warnings


def returns_against_orders(returned: EncodedCells, ordered: EncodedCells) -> list[Issue]:
    """Warn per citizenship where more were returned than ordered to leave (same authority and period)."""
    rtn, ord_ = dataflow("EI_RETURNED"), dataflow("EI_ORDERED")
    r_total = _citizen_totals(
        rtn, returned, {"RETURN_TYPE": "TOTAL", "ASSISTANCE": "TOTAL", "C_DEST": "TOTAL"}
    )
    o_total = _citizen_totals(ord_, ordered, {"SEX": "T", "AGE": "TOTAL"})
    citizens = rtn.codelist("CITIZEN").codes
    warnings = []
    for at in np.flatnonzero(r_total[0] > o_total[0]).tolist():
        returned_n, ordered_n = int(r_total[0][at]), int(o_total[0][at])
        message = f"CITIZEN={citizens[at]}: {returned_n} returned but {ordered_n} ordered to leave"
        warnings.append(Issue(int(r_total[1][at]), MEASURE, "returns_within_orders", message))
    return warnings


def _citizen_totals(flow: Dataflow, cells: EncodedCells, fixed: dict[str, str]) -> tuple[Ints, Ints]:
    keep = np.ones(len(cells), dtype=np.bool_)
    for dim, code in fixed.items():
        keep &= cells.codes[dim] == flow.codelist(dim).index[code]
    n = len(flow.codelist("CITIZEN"))
    citizen = cells.codes["CITIZEN"][keep]
    totals = np.bincount(citizen, weights=cells.values[keep], minlength=n).astype(np.int64)
    rows = np.zeros(n, dtype=np.int64)
    rows[citizen] = cells.rows[keep]
    return totals, rows
