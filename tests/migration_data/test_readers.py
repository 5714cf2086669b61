"""CSV, XLSX and JSON uploads: malformed or personal uploads are refused whole, naming row and column."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from migration_data.errors import PersonalDataRefused, UploadRefused
from migration_data.readers import read_csv, read_json, read_xlsx
from migration_data.template import dataflow
from migration_data.validation import validate_upload
from tests.migration_data.cells_fixture import present_csv

PRESENT = dataflow("EI_PRESENT")


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_csv_upload_reads_every_cell_with_its_line():
    cells = read_csv(PRESENT, present_csv())
    assert len(cells) == len(present_csv().splitlines()) - 1
    assert cells.rows[0] == 2
    assert cells.columns["CITIZEN"][0] == "SY"


def test_columns_may_come_in_any_order():
    text = "OBS_VALUE,AGE,SEX,CITIZEN\r\n4,TOTAL,T,SY\r\n"
    assert read_csv(PRESENT, text).columns["AGE"] == ["TOTAL"]


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        ("CITIZEN,SEX,OBS_VALUE\r\nSY,T,4\r\n", 1, "AGE"),
        ("CITIZEN,SEX,AGE,OBS_VALUE,NOTE\r\nSY,T,TOTAL,4,x\r\n", 1, "NOTE"),
        ("CITIZEN,SEX,AGE,OBS_VALUE\r\nSY,T,TOTAL,4\r\nSY,M,TOTAL\r\n", 3, None),
        ("CITIZEN,SEX,AGE,OBS_VALUE\r\n", 2, None),
        ("", 1, None),
    ],
)
def test_a_malformed_csv_is_refused_whole_with_row_and_reason(text, row, column):
    with pytest.raises(UploadRefused) as refused:
        read_csv(PRESENT, text)
    assert (refused.value.row, refused.value.column) == (row, column)
    assert refused.value.reason


@pytest.mark.parametrize(
    "column", ["name", "Surname", "first_name", "Date of birth", "DOB", "passport_no", "Email", "phone"]
)
def test_a_personal_data_column_is_refused_outright(column):
    text = f"CITIZEN,SEX,AGE,OBS_VALUE,{column}\r\nSY,T,TOTAL,4,x\r\n"
    with pytest.raises(PersonalDataRefused) as refused:
        read_csv(PRESENT, text)
    assert (refused.value.row, refused.value.column, refused.value.code) == (
        1,
        column,
        "personal_data_refused",
    )


@pytest.mark.parametrize("value", ["12.05.1990", "1990-05-12", "AB1234567", "someone@example.org"])
def test_values_shaped_like_personal_data_are_refused_outright(value):
    text = f"CITIZEN,SEX,AGE,OBS_VALUE\r\nSY,T,TOTAL,4\r\nSY,M,{value},4\r\n"
    with pytest.raises(PersonalDataRefused) as refused:
        read_csv(PRESENT, text)
    assert (refused.value.row, refused.value.column) == (3, "AGE")


def test_an_xlsx_upload_reads_like_the_csv():
    rows = [line.split(",") for line in present_csv().splitlines()]
    book = xlsx([rows[0], *([c, s, a, int(n)] for c, s, a, n in rows[1:])])
    from_xlsx = read_xlsx(PRESENT, book)
    from_csv = read_csv(PRESENT, present_csv())
    assert from_xlsx.columns == from_csv.columns
    assert list(from_xlsx.rows) == list(from_csv.rows)
    assert validate_upload(PRESENT, from_xlsx, "2025")[1].ok


def test_a_date_cell_in_an_xlsx_is_refused_as_personal_data():
    book = xlsx([["CITIZEN", "SEX", "AGE", "OBS_VALUE"], ["SY", "T", dt.datetime(1990, 5, 12), 4]])
    with pytest.raises(PersonalDataRefused) as refused:
        read_xlsx(PRESENT, book)
    assert refused.value.row == 2


def test_bytes_that_are_no_workbook_are_refused():
    with pytest.raises(UploadRefused):
        read_xlsx(PRESENT, b"CITIZEN,SEX\r\n")


def test_json_cells_count_rows_from_one_and_refuse_personal_keys():
    cells = read_json(PRESENT, {"cells": [{"CITIZEN": "SY", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": 4}]})
    assert (cells.rows, cells.columns["OBS_VALUE"]) == ([1], ["4"])
    with pytest.raises(PersonalDataRefused) as refused:
        read_json(
            PRESENT,
            [
                {"CITIZEN": "SY", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": 4},
                {"CITIZEN": "SY", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": 4, "surname": "X"},
            ],
        )
    assert (refused.value.row, refused.value.column) == (2, "surname")
    with pytest.raises(UploadRefused):
        read_json(PRESENT, [{"CITIZEN": "SY", "SEX": "T", "AGE": "TOTAL", "OBS_VALUE": True}])
