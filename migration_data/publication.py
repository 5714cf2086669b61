"""What leaves the service: published (disclosure-controlled) cells and the regional comparison tables.

Every figure here went through :mod:`disclosure`: rounded to the policy's base, small cells confidential
with no value. Aggregates are summed on the raw figures first and published after (as Eurostat rounds its
aggregates); a sum that drew on a cell already confidential when it arrived (an imported published file) is
confidential too, as it is incomplete.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from migration_data.activity import ActivityCell
from migration_data.authorities import AuthorityCode
from migration_data.cell_blob import StoredCells
from migration_data.disclosure import DisclosurePolicy, PublishedCells, publish, round_to_base
from migration_data.errors import InvalidPeriod
from migration_data.periods import Frequency, Period
from migration_data.template import Dataflow

REGION = "REGION"
MAX_YEARS = 10
_SHAPES = ((re.compile(r"\d{4}-\d{2}"), Frequency.MONTHLY), (re.compile(r"\d{4}-Q\d"), Frequency.QUARTERLY))


def parse_any_period(text: str) -> Period:
    """A period written YYYY-MM, YYYY-Qn or YYYY."""
    for shape, frequency in _SHAPES:
        if shape.fullmatch(text):
            return Period.parse(text, frequency)
    return Period.parse(text, Frequency.ANNUAL)


def _start(period: Period) -> datetime:
    return datetime(period.year, period.first_month, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PeriodRange:
    """From the start of ``first`` to the end of ``last``; a period is in it when it lies wholly inside."""

    first: Period
    last: Period

    @classmethod
    def parse(cls, first: str, last: str) -> PeriodRange:
        found = cls(parse_any_period(first), parse_any_period(last))
        if found.last.end() <= _start(found.first):
            raise InvalidPeriod("from must not be after to")
        if found.last.end() > datetime(found.first.year + MAX_YEARS, found.first.first_month, 1, tzinfo=UTC):
            raise InvalidPeriod(f"a range covers at most {MAX_YEARS} years")
        return found

    def __call__(self, period: Period) -> bool:
        return _start(self.first) <= _start(period) and period.end() <= self.last.end()

    def months(self) -> tuple[Period, Period]:
        """The first and last month of the range."""
        return (
            Period(Frequency.MONTHLY, self.first.year, self.first.first_month),
            Period(Frequency.MONTHLY, self.last.year, self.last.last_month),
        )


def published(stored: StoredCells, policy: DisclosurePolicy) -> PublishedCells:
    """A version's cells as they may leave the service; cells that came in confidential stay so."""
    out = publish(stored.cells, policy)
    secret = out.confidential | stored.confidential
    return PublishedCells(out.dataflow, out.codes, np.where(secret, 0, out.values), secret)


@dataclass(frozen=True)
class PublishedFigure:
    value: int | None  # None when confidential
    confidential: bool


def publish_figure(raw: int, incomplete: bool, policy: DisclosurePolicy) -> PublishedFigure:
    if incomplete or 0 < raw < policy.confidential_below:
        return PublishedFigure(None, True)
    return PublishedFigure(
        int(round_to_base(np.array([raw], dtype=np.int64), policy.rounding_base)[0]), False
    )


@dataclass(frozen=True)
class RegionalRow:
    geo: str  # an authority's code, or REGION for all of them
    period: Period
    code: str | None  # the ``by`` dimension's code, when broken down
    figure: PublishedFigure


def regional_table(
    flow: Dataflow,
    accepted: Sequence[tuple[AuthorityCode, Period, StoredCells]],
    by: str | None,
    policy: DisclosurePolicy,
) -> list[RegionalRow]:
    """Per authority and period, and for the region, the flow's total (every dimension at its total code,
    the first of its list), broken down along ``by`` when given; published figures only."""
    sums: dict[tuple[str, Period, str | None], list[int]] = {}
    labels = flow.codelist(by).codes if by else ()
    for authority, period, stored in accepted:
        cells = stored.cells
        keep = np.ones(len(cells), dtype=np.bool_)
        for dim in flow.dimension_ids:
            if dim != by:
                keep &= cells.codes[dim] == 0
        positions = cells.codes[by][keep] if by else np.zeros(int(keep.sum()), dtype=np.int16)
        values = cells.values[keep]
        secret = stored.confidential[keep]
        for position, value, incomplete in zip(
            positions.tolist(), values.tolist(), secret.tolist(), strict=True
        ):
            code = labels[position] if by else None
            for geo in (authority, REGION):
                total = sums.setdefault((geo, period, code), [0, 0])
                total[0] += value
                total[1] |= incomplete
    rows = [
        RegionalRow(geo, period, code, publish_figure(raw, bool(incomplete), policy))
        for (geo, period, code), (raw, incomplete) in sums.items()
    ]
    return sorted(rows, key=lambda r: (r.period, r.geo == REGION, r.geo, r.code or ""))


@dataclass(frozen=True)
class ActivityRow:
    geo: str
    month: Period
    language: str
    sessions: PublishedFigure
    minutes: PublishedFigure


def activity_table(cells: Sequence[ActivityCell], policy: DisclosurePolicy | None) -> list[ActivityRow]:
    """The activity flow per authority, month and language; published unless ``policy`` is None (the hub
    reads the service's own activity as it is, as it reads the usage report)."""

    def figure(raw: int) -> PublishedFigure:
        return PublishedFigure(raw, False) if policy is None else publish_figure(raw, False, policy)

    rows = []
    for c in cells:
        sessions, minutes = figure(c.sessions), figure(c.minutes)
        if sessions.confidential:  # the minutes of a few sessions would tell how few
            minutes = PublishedFigure(None, True)
        rows.append(ActivityRow(c.authority, c.month, c.language, sessions, minutes))
    return rows
