"""Validation of one submission's cells: codes, values, unique cells, totals and ceilings, vectorised.

The cells are laid into a dense cube with one axis per dimension (a code's position in its list is its
index), so a totals rule is one slice-and-sum along an axis, whatever the number of cells. Messages are
built only for the positions that fail. Totals are checked on the raw figures where the total cell and at
least one of its parts were reported; an unreported cell counts as 0 in a sum.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from migration_data.cells import Codes, EncodedCells, Ints, Mask, RawCells, encode_column
from migration_data.errors import InvalidPeriod
from migration_data.issues import Issue, IssueCollector, ValidationReport
from migration_data.periods import Period
from migration_data.template import MEASURE, CeilingRule, Dataflow, SumRule

MAX_DIGITS = 12
_AtMessage = Callable[[tuple[int, ...]], str]
_IndexMessage = Callable[[int], str]


def validate_upload(
    flow: Dataflow, raw: RawCells, period: str | None = None
) -> tuple[EncodedCells, ValidationReport]:
    """Encode and check an upload's cells; the encoded cells hold only those with valid codes and values."""
    issues = IssueCollector()
    if period is not None:
        check_period(flow, period, issues)
    rows = np.asarray(raw.rows, dtype=np.int64)
    valid = np.ones(len(raw), dtype=np.bool_)
    codes: dict[str, Codes] = {}
    for dim in flow.dimension_ids:
        codes[dim] = encode_column(flow, dim, raw.columns[dim])
        unknown = codes[dim] < 0
        valid &= ~unknown
        _report_positions(issues, "code_in_list", dim, unknown, rows, _not_a_code(flow, dim, raw))
    values, good = parse_counts(raw.columns[MEASURE])
    valid &= good
    _report_positions(
        issues, "non_negative_integer", MEASURE, ~good, rows,
        lambda i: f"{raw.columns[MEASURE][i]!r} is not a non-negative whole number",
    )  # fmt: skip
    cells = EncodedCells(flow.id, codes, values, rows).select(valid)
    check_cells(flow, cells, issues)
    return cells, issues.report()


def _not_a_code(flow: Dataflow, dim: str, raw: RawCells) -> _IndexMessage:
    texts = raw.columns[dim]
    return lambda i: f"{texts[i]!r} is not a code of {flow.codelist(dim).id}"


def validate_cells(flow: Dataflow, cells: EncodedCells, period: str | None = None) -> ValidationReport:
    """Check already encoded cells (codes known valid): unique cells, value signs, totals and ceilings."""
    issues = IssueCollector()
    if period is not None:
        check_period(flow, period, issues)
    negative = cells.values < 0
    _report_positions(
        issues, "non_negative_integer", MEASURE, negative, cells.rows,
        lambda i: f"{int(cells.values[i])} is negative",
    )  # fmt: skip
    check_cells(flow, cells.select(~negative) if negative.any() else cells, issues)
    return issues.report()


def check_period(flow: Dataflow, period: str, issues: IssueCollector) -> None:
    try:
        Period.parse(period, flow.frequency)
    except InvalidPeriod as refused:
        issues.count("period_matches_frequency", 1)
        issues.error(Issue(0, "TIME_PERIOD", "period_matches_frequency", refused.message))


def parse_counts(texts: object) -> tuple[Ints, Mask]:
    """Whole non-negative numbers from strings, and which strings were such numbers."""
    text = np.char.strip(np.asarray(texts, dtype=str))
    if text.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.bool_)
    good = np.char.isdigit(text) & (np.char.str_len(text) <= MAX_DIGITS)
    values = np.where(good, text, "0").astype(np.int64)
    return values, good


def check_cells(flow: Dataflow, cells: EncodedCells, issues: IssueCollector) -> None:
    """Unique cells, then every totals and ceiling rule of the dataflow, on a dense cube."""
    cube = Cube.of(flow, cells, issues)
    for sum_rule in flow.sum_rules:
        cube.check_sum(sum_rule, issues)
    for ceiling in flow.ceiling_rules:
        cube.check_ceiling(ceiling, issues)


class Cube:
    """The cells laid out densely: values, which cells were reported, and each cell's source row."""

    def __init__(self, flow: Dataflow, values: Ints, present: Mask, rows: Ints) -> None:
        self.flow = flow
        self.values = values
        self.present = present
        self.rows = rows

    @classmethod
    def of(cls, flow: Dataflow, cells: EncodedCells, issues: IssueCollector) -> Cube:
        shape = tuple(len(d.codelist) for d in flow.dimensions)
        flat = np.ravel_multi_index(tuple(cells.codes[d] for d in flow.dimension_ids), shape)
        size = int(np.prod(shape))
        seen = np.bincount(flat, minlength=size)
        if (seen > 1).any():
            repeated = seen[flat] > 1
            first = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(first, flat[repeated], cells.rows[repeated])
            later = repeated & (cells.rows > first[flat])
            _report_positions(
                issues, "unique_cell", MEASURE, later, cells.rows,
                lambda i: f"the same cell as row {int(first[flat[i]])}",
            )  # fmt: skip
        values = np.zeros(size, dtype=np.int64)
        present = np.zeros(size, dtype=np.bool_)
        rows = np.zeros(size, dtype=np.int64)
        values[flat] = cells.values
        present[flat] = True
        rows[flat] = cells.rows
        return cls(flow, values.reshape(shape), present.reshape(shape), rows.reshape(shape))

    def _axis(self, dimension: str) -> int:
        return self.flow.dimension_ids.index(dimension)

    def _position(self, dimension: str, code: str) -> int:
        return self.flow.codelist(dimension).index[code]

    def check_sum(self, rule: SumRule, issues: IssueCollector) -> None:
        axis = self._axis(rule.dimension)
        total_at = self._position(rule.dimension, rule.total)
        parts_at = [self._position(rule.dimension, p) for p in rule.parts]
        total = np.take(self.values, total_at, axis=axis)
        parts = np.take(self.values, parts_at, axis=axis).sum(axis=axis)
        checked = np.take(self.present, total_at, axis=axis) & np.take(self.present, parts_at, axis=axis).any(
            axis=axis
        )
        bad = checked & (total != parts)
        if not bad.any():
            return
        rows = np.take(self.rows, total_at, axis=axis)
        named = "+".join(rule.parts) if len(rule.parts) <= 8 else f"the other {rule.dimension} codes"
        self._report(
            issues, rule.name, bad, rows, axis, rule.total,
            lambda at: f"{rule.total}={int(total[at])} but {named}={int(parts[at])}",
        )  # fmt: skip

    def check_ceiling(self, rule: CeilingRule, issues: IssueCollector) -> None:
        axis = self._axis(rule.dimension)
        part_at = self._position(rule.dimension, rule.part)
        whole_at = self._position(rule.dimension, rule.whole)
        part = np.take(self.values, part_at, axis=axis)
        whole = np.take(self.values, whole_at, axis=axis)
        checked = np.take(self.present, part_at, axis=axis) & np.take(self.present, whole_at, axis=axis)
        bad = checked & (part > whole)
        if not bad.any():
            return
        rows = np.take(self.rows, part_at, axis=axis)
        self._report(
            issues, rule.name, bad, rows, axis, rule.part,
            lambda at: f"{rule.part}={int(part[at])} exceeds {rule.whole}={int(whole[at])}",
        )  # fmt: skip

    def _report(
        self,
        issues: IssueCollector,
        rule: str,
        bad: Mask,
        rows: Ints,
        axis: int,
        code: str,
        describe: _AtMessage,
    ) -> None:
        issues.count(rule, int(bad.sum()))
        positions = np.argwhere(bad)[: issues.room()]
        others = [d for i, d in enumerate(self.flow.dimensions) if i != axis]
        axis_id = self.flow.dimension_ids[axis]
        for position in positions:
            at = tuple(int(p) for p in position)
            key = [f"{d.id}={d.codelist.codes[p]}" for d, p in zip(others, at, strict=True)]
            key.insert(axis, f"{axis_id}={code}")
            issues.error(Issue(int(rows[at]), MEASURE, rule, f"{', '.join(key)}: {describe(at)}"))


def _report_positions(
    issues: IssueCollector, rule: str, column: str, failing: Mask, rows: Ints, describe: _IndexMessage
) -> None:
    n = int(failing.sum())
    if not n:
        return
    issues.count(rule, n)
    for i in np.flatnonzero(failing)[: issues.room()]:
        issues.error(Issue(int(rows[i]), column, rule, describe(int(i))))
