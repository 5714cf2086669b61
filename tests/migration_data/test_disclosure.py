"""Rounding to the nearest 5, as Eurostat publishes asylum data, and confidential small cells."""

from __future__ import annotations

import numpy as np
import pytest

from migration_data.cells import from_codes
from migration_data.disclosure import DisclosurePolicy, publish, round_to_base
from migration_data.template import dataflow


def test_rounding_is_to_the_nearest_5_half_up():
    values = np.arange(0, 13, dtype=np.int64)
    assert round_to_base(values, 5).tolist() == [0, 0, 0, 5, 5, 5, 5, 5, 10, 10, 10, 10, 10]


@pytest.mark.parametrize(
    ("below", "confidential"), [(5, [False, True, True, False, False]), (0, [False] * 5)]
)
def test_cells_below_the_threshold_are_confidential_and_carry_no_value(below, confidential):
    flow = dataflow("EI_PRESENT")
    ages = ["TOTAL", "Y_LT14", "Y14-17", "Y18-34", "Y35-64"]
    raw = [0, 1, 4, 5, 23]
    cells = from_codes(
        flow,
        [{"CITIZEN": "SY", "SEX": "T", "AGE": a, "OBS_VALUE": n} for a, n in zip(ages, raw, strict=True)],
    )
    out = publish(cells, DisclosurePolicy(confidential_below=below))
    assert out.confidential.tolist() == confidential
    assert all(v % 5 == 0 for v in out.values.tolist())
    assert out.values[out.confidential].tolist() == [0] * sum(confidential)
    assert out.values[~out.confidential].tolist()[-2:] == [5, 25]
    assert not hasattr(out, "rows")
