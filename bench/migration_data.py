"""Migration-data benchmark: validate and aggregate a year of monthly asylum applicants for the region.

Run: ``.venv/bin/python bench/migration_data.py [--reps 5] [--citizenships 125]``. Generates, once and
untimed, twelve monthly ASY_APP submissions for each of the seven authorities with full breakdowns
(citizenship x sex x age x applicant type, every total included: about a million cells with the default
125 citizenships), all totals consistent. Then, in the same run and ``--reps`` times each (median kept):

1. **ours**: :func:`validate_cells` on every submission (unique cells, non-negative values, the citizenship,
   sex, age, under-18 and applicant-type totals) plus the aggregation a regional page shows: regional
   totals per month, top five citizenships per authority and month, and quarters from months;
2. **pandas**: the bare sums behind the same checks and figures on one DataFrame of the same integer-coded
   cells (a groupby-sum per totals rule and per aggregate), comparing nothing.

``ratio_vs_pandas`` = ours / pandas (target <= 3). The last line is
``result: cells=<n> validate_s=<n> ratio_vs_pandas=<n>`` (validate_s: ours, validation and aggregation).
"""

# ruff: noqa: E402  (the package is imported only once the path is set, see below)

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

# This file's name is the package's: take the bench folder off the path while the package is imported.
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.modules.pop("migration_data", None)

import numpy as np
import pandas as pd

from migration_data.aggregate import quarter_from_months, regional_totals, stack, top_citizenships
from migration_data.authorities import AUTHORITIES
from migration_data.cells import EncodedCells
from migration_data.periods import Frequency, Period
from migration_data.template import dataflow
from migration_data.validation import validate_cells

sys.path.append(str(_BENCH))
from measure import now

FLOW = dataflow("ASY_APP")
ALL = {"SEX": "T", "AGE": "TOTAL", "APPLICANT": "TOTAL"}


def generate(citizenships: int, seed: int = 7) -> list[tuple[str, Period, EncodedCells]]:
    """Consistent submissions: leaf figures drawn at random, every total computed from them."""
    rng = np.random.default_rng(seed)
    cit, sex, age, app = (FLOW.codelist(d) for d in FLOW.dimension_ids)
    countries = [c for c in cit.codes if c not in {"TOTAL"}]
    leaf_age = [age.index[a] for a in ("Y_LT14", "Y14-17", "Y18-34", "Y35-64", "Y_GE65", "UNK")]
    submissions = []
    for geo in AUTHORITIES:
        for month in range(1, 13):
            chosen = rng.choice(len(countries), citizenships, replace=False)
            c_at = np.array([0, *sorted(cit.index[countries[i]] for i in chosen)])
            cube = np.zeros((len(c_at), len(sex), len(age), len(app)), dtype=np.int64)
            leaf = rng.poisson(rng.gamma(0.6, 8.0, (len(c_at) - 1, 1, 1, 1)), (len(c_at) - 1, 3, 6, 2))
            block = cube[1:, 1:4]
            block_age = np.zeros((len(c_at) - 1, 3, len(age), 3), dtype=np.int64)
            block_age[:, :, leaf_age, 1:3] = leaf
            block_age[:, :, :, 0] = block_age[:, :, :, 1:3].sum(axis=3)
            block_age[:, :, age.index["Y_LT18"]] = (
                block_age[:, :, age.index["Y_LT14"]] + block_age[:, :, age.index["Y14-17"]]
            )
            block_age[:, :, age.index["TOTAL"]] = block_age[:, :, leaf_age].sum(axis=2)
            block[:] = block_age
            cube[1:, 0] = cube[1:, 1:4].sum(axis=1)
            cube[0] = cube[1:].sum(axis=0)
            idx = np.indices(cube.shape).reshape(4, -1)
            codes = {
                "CITIZEN": c_at[idx[0]].astype(np.int16),
                "SEX": idx[1].astype(np.int16),
                "AGE": idx[2].astype(np.int16),
                "APPLICANT": idx[3].astype(np.int16),
            }
            values = cube.reshape(-1)
            rows = np.arange(2, len(values) + 2, dtype=np.int64)
            submissions.append(
                (geo, Period(Frequency.MONTHLY, 2025, month), EncodedCells(FLOW.id, codes, values, rows))
            )
    return submissions


def ours(submissions) -> tuple[int, object]:
    errors = 0
    for _, period, cells in submissions:
        errors += validate_cells(FLOW, cells, str(period)).error_total
    panel = stack(FLOW, submissions)
    figures = (
        regional_totals(panel, ALL),
        top_citizenships(panel, 5, ALL),
        quarter_from_months(panel),
    )
    return errors, figures


def to_frame(submissions) -> pd.DataFrame:
    parts = []
    for s, (geo, period, cells) in enumerate(submissions):
        frame = pd.DataFrame({d: cells.codes[d] for d in FLOW.dimension_ids})
        frame["OBS_VALUE"] = cells.values
        frame["SUB"] = s
        frame["GEO"] = list(AUTHORITIES).index(geo)
        frame["MONTH"] = period.number
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)


def pandas_sums(df: pd.DataFrame) -> list[object]:
    """The bare sums behind each rule and figure: groupby-sums over the parts, no comparison."""
    dims = list(FLOW.dimension_ids)
    out: list[object] = []
    for rule in FLOW.sum_rules:
        codes = FLOW.codelist(rule.dimension).index
        parts = df[df[rule.dimension].isin([codes[p] for p in rule.parts])]
        keys = ["SUB", *(d for d in dims if d != rule.dimension)]
        out.append(parts.groupby(keys, sort=False)["OBS_VALUE"].sum())
    total = df[(df.SEX == 0) & (df.AGE == 0) & (df.APPLICANT == 0)]
    out.append(total[total.CITIZEN == 0].groupby("MONTH")["OBS_VALUE"].sum())
    out.append(total.groupby(["GEO", "MONTH", "CITIZEN"], sort=False)["OBS_VALUE"].sum())
    quarter = (df.MONTH - 1) // 3
    out.append(df.groupby([df.GEO, quarter, *(df[d] for d in dims)], sort=False)["OBS_VALUE"].sum())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--citizenships", type=int, default=125)
    args = parser.parse_args()
    started = now()
    submissions = generate(args.citizenships)
    cells = sum(len(c) for _, _, c in submissions)
    df = to_frame(submissions)
    print(f"generated {len(submissions)} submissions, {cells} cells in {now() - started:.1f} s")
    ours_s, pandas_s = [], []
    for rep in range(args.reps):
        t = now()
        errors, _ = ours(submissions)
        ours_s.append(now() - t)
        t = now()
        pandas_sums(df)
        pandas_s.append(now() - t)
        print(f"  rep {rep + 1}: ours {ours_s[-1]:.3f} s ({errors} errors), pandas {pandas_s[-1]:.3f} s")
        if errors:
            raise SystemExit("generated data must validate without errors")
    ours_med, pandas_med = statistics.median(ours_s), statistics.median(pandas_s)
    print(f"median: ours {ours_med:.3f} s, pandas bare sums {pandas_med:.3f} s")
    print(f"result: cells={cells} validate_s={ours_med:.3f} ratio_vs_pandas={ours_med / pandas_med:.2f}")


if __name__ == "__main__":
    main()
