"""Regional figures across authorities and periods, as plain tables for the tables and charts of the console.

:func:`stack` lays the accepted cells of many submissions of one dataflow side by side (a :class:`Panel`);
every figure is then one grouped sum over arrays (``np.bincount``), never a loop over cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from migration_data.authorities import AUTHORITIES, AuthorityCode
from migration_data.cells import Codes, EncodedCells, Ints, Mask
from migration_data.periods import Period
from migration_data.template import Dataflow

GEO = "GEO"
TIME_PERIOD = "TIME_PERIOD"
_AUTHORITY_CODES: tuple[str, ...] = tuple(AUTHORITIES)


@dataclass(frozen=True)
class Table:
    """A plain table: column names and rows of codes and integer figures."""

    columns: tuple[str, ...]
    rows: list[tuple[str | int, ...]]

    def as_dicts(self) -> list[dict[str, str | int]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True, eq=False)
class Panel:
    """Cells of one dataflow from many submissions: each cell's authority and period as positions too."""

    flow: Dataflow
    periods: tuple[Period, ...]
    geo: Codes
    period: Codes
    codes: Mapping[str, Codes]
    values: Ints

    def labels(self, column: str) -> tuple[str, ...]:
        if column == GEO:
            return _AUTHORITY_CODES
        if column == TIME_PERIOD:
            return tuple(str(p) for p in self.periods)
        return self.flow.codelist(column).codes

    def column(self, column: str) -> Codes:
        if column == GEO:
            return self.geo
        if column == TIME_PERIOD:
            return self.period
        return self.codes[column]


def stack(flow: Dataflow, submissions: Sequence[tuple[AuthorityCode, Period, EncodedCells]]) -> Panel:
    periods = tuple(sorted({p for _, p, _ in submissions}))
    where = {p: i for i, p in enumerate(periods)}
    sizes = [len(cells) for _, _, cells in submissions]
    geo = np.repeat(
        np.array([_AUTHORITY_CODES.index(a) for a, _, _ in submissions], dtype=np.int16), sizes
    ).astype(np.int16)
    period = np.repeat(np.array([where[p] for _, p, _ in submissions], dtype=np.int16), sizes).astype(
        np.int16
    )
    codes = {d: np.concatenate([c.codes[d] for _, _, c in submissions]) for d in flow.dimension_ids}
    values = np.concatenate([c.values for _, _, c in submissions])
    return Panel(flow, periods, geo, period, codes, values)


def _selected(panel: Panel, where: Mapping[str, str]) -> Mask:
    keep = np.ones(len(panel.values), dtype=np.bool_)
    for dim, code in where.items():
        keep &= panel.codes[dim] == panel.flow.codelist(dim).index[code]
    return keep


def totals(panel: Panel, by: Sequence[str], where: Mapping[str, str]) -> Table:
    """Sums of the cells matching ``where`` (dimension -> code), grouped by ``by`` (GEO, TIME_PERIOD, dims).

    Fix every dimension you do not group by to its total code, or the sum counts the same persons twice.
    """
    keep = _selected(panel, where)
    sizes = tuple(len(panel.labels(c)) for c in by)
    key = np.ravel_multi_index(tuple(panel.column(c)[keep] for c in by), sizes) if by else None
    if key is None:
        return Table((*by, "OBS_VALUE"), [(int(panel.values[keep].sum()),)])
    sums = np.bincount(key, weights=panel.values[keep], minlength=int(np.prod(sizes))).astype(np.int64)
    seen = np.bincount(key, minlength=int(np.prod(sizes))) > 0
    labels = [panel.labels(c) for c in by]
    rows: list[tuple[str | int, ...]] = []
    for flat in np.flatnonzero(seen).tolist():
        at = np.unravel_index(flat, sizes)
        rows.append((*(labels[i][int(p)] for i, p in enumerate(at)), int(sums[flat])))
    return Table((*by, "OBS_VALUE"), rows)


def regional_totals(panel: Panel, where: Mapping[str, str]) -> Table:
    """The region's figure per period: all authorities summed."""
    return totals(panel, (TIME_PERIOD,), where)


def top_citizenships(
    panel: Panel, n: int, where: Mapping[str, str]
) -> dict[tuple[str, str], list[tuple[str, int]]]:
    """Per (authority, period), the ``n`` citizenships with the highest figures (not TOTAL), highest first."""
    table = totals(panel, (GEO, TIME_PERIOD, "CITIZEN"), where)
    ranked: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for geo, period, citizen, value in table.rows:
        if citizen != "TOTAL":
            ranked.setdefault((str(geo), str(period)), []).append((str(citizen), int(value)))
    return {k: sorted(v, key=lambda cv: (-cv[1], cv[0]))[:n] for k, v in ranked.items()}


def quarter_from_months(panel: Panel) -> tuple[Panel, dict[tuple[str, str], int]]:
    """Monthly cells summed into quarters, and how many months each (authority, quarter) drew on."""
    quarters = tuple(sorted({p.quarter() for p in panel.periods}))
    to_quarter = np.array([quarters.index(p.quarter()) for p in panel.periods], dtype=np.int16)
    dims = panel.flow.dimension_ids
    sizes = (len(_AUTHORITY_CODES), len(quarters), *(len(panel.flow.codelist(d)) for d in dims))
    q_period = to_quarter[panel.period]
    key = np.ravel_multi_index((panel.geo, q_period, *(panel.codes[d] for d in dims)), sizes)
    unique, inverse = np.unique(key, return_inverse=True)
    sums = np.bincount(inverse.reshape(-1), weights=panel.values).astype(np.int64)
    parts = np.unravel_index(unique, sizes)
    summed = Panel(
        panel.flow, quarters, parts[0].astype(np.int16), parts[1].astype(np.int16),
        {d: parts[i + 2].astype(np.int16) for i, d in enumerate(dims)}, sums,
    )  # fmt: skip
    pairs = np.unique(panel.geo.astype(np.int64) * len(panel.periods) + panel.period)
    months: dict[tuple[str, str], int] = {}
    for pair in pairs.tolist():
        g, p = divmod(pair, len(panel.periods))
        cell = (_AUTHORITY_CODES[g], str(panel.periods[p].quarter()))
        months[cell] = months.get(cell, 0) + 1
    return summed, months
