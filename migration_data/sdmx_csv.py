"""Exchange in SDMX-CSV 2.0: disclosure-controlled figures out, another authority's figures in.

The header is ``STRUCTURE,STRUCTURE_ID,ACTION,FREQ,GEO,<dimensions>,TIME_PERIOD,OBS_VALUE,CONF_STATUS``
with STRUCTURE ``dataflow`` and ACTION ``I`` (information). STRUCTURE_ID names this template's own
dataflow, agency ``RRIS`` (for example ``RRIS:ASY_APP(1.0)``): its dimension ids and the regional codes are
ours, not Eurostat's, and each dataflow records the Eurostat dataset it maps onto. The codes themselves are
Eurostat's (CITIZEN, SEX, AGE, ...), and GEO is the reporting authority. A confidential cell has an empty
OBS_VALUE and CONF_STATUS ``C``; every other cell ``F``. Export takes only :class:`PublishedCells`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from migration_data.authorities import AUTHORITIES, AuthorityCode
from migration_data.cells import RawCells, encode_column
from migration_data.disclosure import CONFIDENTIAL, FREE, PublishedCells
from migration_data.errors import InvalidPeriod, UnknownDataflow, UploadRefused
from migration_data.periods import Period
from migration_data.personal_data import refuse_personal_values
from migration_data.template import MEASURE, Dataflow, dataflow

AGENCY = "RRIS"
FIXED = ("STRUCTURE", "STRUCTURE_ID", "ACTION")
_STRUCTURE_ID = re.compile(r"(?P<agency>[A-Z][A-Z0-9_]*):(?P<id>[A-Z][A-Z0-9_]*)\((?P<version>[0-9.]+)\)")


def structure_id(flow: Dataflow) -> str:
    return f"{AGENCY}:{flow.id}({flow.version})"


def header(flow: Dataflow) -> tuple[str, ...]:
    return (*FIXED, "FREQ", "GEO", *flow.dimension_ids, "TIME_PERIOD", MEASURE, "CONF_STATUS")


def export_sdmx_csv(flow: Dataflow, series: Sequence[tuple[AuthorityCode, Period, PublishedCells]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(flow))
    labels = [np.array(flow.codelist(d).codes, dtype=object) for d in flow.dimension_ids]
    for geo, period, cells in series:
        if cells.dataflow != flow.id:
            raise ValueError(f"cells of {cells.dataflow} exported as {flow.id}")
        lead = ("dataflow", structure_id(flow), "I", flow.frequency.value, geo)
        columns = [lab[cells.codes[d]].tolist() for lab, d in zip(labels, flow.dimension_ids, strict=True)]
        values = cells.values.tolist()
        secret = cells.confidential.tolist()
        for i in range(len(values)):
            writer.writerow(
                (
                    *lead,
                    *(column[i] for column in columns),
                    str(period),
                    "" if secret[i] else values[i],
                    CONFIDENTIAL if secret[i] else FREE,
                )
            )
    return out.getvalue()


@dataclass(frozen=True)
class ImportedSeries:
    """One authority's cells for one period from an SDMX-CSV file, as read (validate them next)."""

    flow: Dataflow
    authority: AuthorityCode
    period: Period
    cells: RawCells
    confidential: tuple[bool, ...]

    def published(self) -> PublishedCells:
        """The figures as published cells (for a file of published figures, as this service exports)."""
        codes = {}
        for dim in self.flow.dimension_ids:
            codes[dim] = encode_column(self.flow, dim, self.cells.columns[dim])
            if (codes[dim] < 0).any():
                raise UploadRefused(0, dim, "a code not in its list")
        secret = np.array(self.confidential, dtype=np.bool_)
        texts = np.array(self.cells.columns[MEASURE], dtype=str)
        values = np.where(secret, "0", texts).astype(np.int64)
        return PublishedCells(self.flow.id, codes, values, secret)


def import_sdmx_csv(text: str) -> list[ImportedSeries]:
    """Every series of the file, or :class:`UploadRefused` naming row and column: never a part of them."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        lines = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as broken:
        raise UploadRefused(reader.line_num, None, f"not valid CSV: {broken}") from None
    if len(lines) < 2:
        raise UploadRefused(1, None, "expected a header and at least one observation")
    columns = lines[0][1]
    if tuple(columns[:3]) != FIXED:
        raise UploadRefused(1, None, f"SDMX-CSV 2.0 starts with {','.join(FIXED)}")
    flow = _flow_of(lines[1][0], lines[1][1][1] if len(lines[1][1]) > 1 else "")
    expected = header(flow)
    if sorted(columns) != sorted(expected):
        missing = sorted(set(expected) - set(columns)) or sorted(set(columns) - set(expected))
        raise UploadRefused(1, missing[0], f"the header for {structure_id(flow)} is {','.join(expected)}")
    at = {name: columns.index(name) for name in expected}
    groups: dict[tuple[AuthorityCode, Period], tuple[list[int], list[list[str]]]] = {}
    for n, row in lines[1:]:
        if len(row) != len(columns):
            raise UploadRefused(n, None, f"expected {len(columns)} fields, found {len(row)}")
        key = _series_key(flow, n, row, at)
        numbers, rows = groups.setdefault(key, ([], []))
        numbers.append(n)
        rows.append(row)
    return [
        _series(flow, geo, period, numbers, rows, at) for (geo, period), (numbers, rows) in groups.items()
    ]


def _flow_of(row: int, text: str) -> Dataflow:
    match = _STRUCTURE_ID.fullmatch(text)
    if match is None or match["agency"] != AGENCY:
        raise UploadRefused(row, "STRUCTURE_ID", f"expected {AGENCY}:<dataflow>(<version>), found {text!r}")
    try:
        flow = dataflow(match["id"])
    except UnknownDataflow as unknown:
        raise UploadRefused(row, "STRUCTURE_ID", unknown.message) from None
    if match["version"] != flow.version:
        raise UploadRefused(row, "STRUCTURE_ID", f"version {match['version']} of {flow.id} is not known")
    return flow


def _series_key(flow: Dataflow, n: int, row: list[str], at: dict[str, int]) -> tuple[AuthorityCode, Period]:
    expected = {"STRUCTURE": "dataflow", "STRUCTURE_ID": structure_id(flow), "FREQ": flow.frequency.value}
    for column, value in expected.items():
        if row[at[column]] != value:
            raise UploadRefused(n, column, f"expected {value!r}, found {row[at[column]]!r}")
    if row[at["ACTION"]] not in {"I", "A", "R"}:
        raise UploadRefused(n, "ACTION", "only I, A or R observations are imported, not deletions")
    geo = row[at["GEO"]]
    if geo not in AUTHORITIES:
        raise UploadRefused(n, "GEO", f"{geo!r} is not a reporting authority")
    try:
        period = Period.parse(row[at["TIME_PERIOD"]], flow.frequency)
    except InvalidPeriod as bad:
        raise UploadRefused(n, "TIME_PERIOD", bad.message) from None
    if row[at["CONF_STATUS"]] not in {FREE, CONFIDENTIAL, ""}:
        raise UploadRefused(n, "CONF_STATUS", "expected F, C or nothing")
    if row[at["CONF_STATUS"]] == CONFIDENTIAL and row[at[MEASURE]].strip():
        raise UploadRefused(n, MEASURE, "a confidential observation carries no value")
    return AuthorityCode(geo), period


def _series(
    flow: Dataflow,
    geo: AuthorityCode,
    period: Period,
    numbers: list[int],
    rows: list[list[str]],
    at: dict[str, int],
) -> ImportedSeries:
    columns = {name: [row[at[name]].strip() for row in rows] for name in (*flow.dimension_ids, MEASURE)}
    for name, texts in columns.items():
        refuse_personal_values(name, texts, numbers)
    confidential = tuple(row[at["CONF_STATUS"]] == CONFIDENTIAL for row in rows)
    return ImportedSeries(flow, geo, period, RawCells(columns, numbers), confidential)
