"""Reading a submission's cells from CSV, XLSX or JSON, all in long format: one cell per row.

The header is the dataflow's dimension ids and ``OBS_VALUE``, in any order. A structurally malformed
upload (missing or unknown column, ragged row, no cells, not the format it claims) or one that looks like
personal data is refused whole with :class:`UploadRefused` naming the row and column: nothing of it is
returned. Bad codes and values are not refusals but validation errors (:mod:`validation`), so an officer
sees all of them at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence

from openpyxl import load_workbook

from migration_data.cells import RawCells
from migration_data.errors import PersonalDataRefused, UploadRefused
from migration_data.personal_data import refuse_personal_columns, refuse_personal_values
from migration_data.template import MEASURE, Dataflow


def read_csv(flow: Dataflow, text: str) -> RawCells:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as broken:
        raise UploadRefused(reader.line_num, None, f"not valid CSV: {broken}") from None
    if not rows:
        raise UploadRefused(1, None, "the file is empty")
    (_, header), body = rows[0], rows[1:]
    return _cells(flow, header, ((n, row) for n, row in body if any(cell.strip() for cell in row)))


def read_xlsx(flow: Dataflow, data: bytes) -> RawCells:
    """The first worksheet; its first row is the header."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as broken:
        raise UploadRefused(0, None, f"not an XLSX workbook: {broken}") from None
    try:
        sheet = book.worksheets[0]
        table = [
            (n, [_xlsx_text(v, n, i) for i, v in enumerate(row)])
            for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()
    if not table:
        raise UploadRefused(1, None, "the worksheet is empty")
    header = [h.strip() for h in table[0][1]]
    while header and not header[-1]:
        header.pop()
    body = ((n, row[: len(header)]) for n, row in table[1:] if any(c.strip() for c in row))
    return _cells(flow, header, body, extra_ok=True)


def _xlsx_text(value: object, row: int, index: int) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date | dt.datetime | dt.time):
        raise PersonalDataRefused(row, f"column {index + 1}", "a date cell (of birth?); send aggregates only")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_json(flow: Dataflow, payload: object) -> RawCells:
    """``{"cells": [{"CITIZEN": "SY", ..., "OBS_VALUE": 12}, ...]}`` or the bare list; rows count from 1."""
    items = payload.get("cells") if isinstance(payload, dict) else payload
    if not isinstance(items, list) or not items:
        raise UploadRefused(0, "cells", "expected a non-empty list of cells")
    header = [*flow.dimension_ids, MEASURE]
    body: list[tuple[int, list[str]]] = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise UploadRefused(n, None, "each cell must be an object")
        refuse_personal_columns(item, n)
        keys = set(item)
        if keys != set(header):
            _refuse_columns(flow, list(item), n)
        row = []
        for column in header:
            value = item[column]
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise UploadRefused(n, column, "a cell's fields are strings, and OBS_VALUE may be an integer")
            row.append(str(value))
        body.append((n, row))
    return _cells(flow, header, body)


def _cells(
    flow: Dataflow, header: Sequence[str], body: Iterable[tuple[int, Sequence[str]]], extra_ok: bool = False
) -> RawCells:
    header = [h.strip() for h in header]
    refuse_personal_columns(header)
    _refuse_columns(flow, header, 1)
    width = len(header)
    numbers: list[int] = []
    rows: list[Sequence[str]] = []
    for n, row in body:
        if len(row) != width and not (extra_ok and len(row) < width):
            raise UploadRefused(n, None, f"expected {width} fields, found {len(row)}")
        numbers.append(n)
        rows.append(row if len(row) == width else [*row, *[""] * (width - len(row))])
    if not rows:
        raise UploadRefused(2, None, "no cells: the upload has a header and nothing else")
    columns = {name: [row[i].strip() for row in rows] for i, name in enumerate(header)}
    for name, texts in columns.items():
        refuse_personal_values(name, texts, numbers)
    return RawCells(columns, numbers)


def _refuse_columns(flow: Dataflow, header: Sequence[str], row: int) -> None:
    expected = [*flow.dimension_ids, MEASURE]
    for column in header:
        if header.count(column) > 1:
            raise UploadRefused(row, column, "the column appears twice")
        if column not in expected:
            raise UploadRefused(row, column, f"unknown column; expected {','.join(expected)}")
    for column in expected:
        if column not in header:
            raise UploadRefused(row, column, "missing column")
