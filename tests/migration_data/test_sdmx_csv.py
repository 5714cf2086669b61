"""SDMX-CSV 2.0: only disclosure-controlled figures leave; export then import gives the same figures;
an independent reader (sdmx1) parses the file and its codes are Eurostat's."""

from __future__ import annotations

import io

import numpy as np
import pytest
import sdmx
from sdmx.model import common, v30

from migration_data.authorities import AuthorityCode
from migration_data.codelists import AGE, SEX
from migration_data.disclosure import DisclosurePolicy, publish
from migration_data.errors import UploadRefused
from migration_data.periods import Frequency, Period
from migration_data.readers import read_csv
from migration_data.sdmx_csv import export_sdmx_csv, header, import_sdmx_csv
from migration_data.template import dataflow
from migration_data.validation import validate_upload
from tests.migration_data.cells_fixture import present_csv

PRESENT = dataflow("EI_PRESENT")
YEAR = Period(Frequency.ANNUAL, 2025)
# Eurostat's SEX and AGE codes as its migration datasets use them (see migration_data.codelists).
EUROSTAT_SEX = {"T", "M", "F", "UNK"}
EUROSTAT_AGE = {"TOTAL", "Y_LT14", "Y14-17", "Y_LT18", "Y18-34", "Y35-64", "Y_GE65", "UNK"}


def published():
    cells, report = validate_upload(PRESENT, read_csv(PRESENT, present_csv()), "2025")
    assert report.ok
    return cells, publish(cells, DisclosurePolicy())


def exported() -> str:
    _, out = published()
    return export_sdmx_csv(PRESENT, [(AuthorityCode("XK"), YEAR, out), (AuthorityCode("RS"), YEAR, out)])


def test_the_header_is_sdmx_csv_2():
    first = exported().splitlines()[0]
    assert first == "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,GEO,CITIZEN,SEX,AGE,TIME_PERIOD,OBS_VALUE,CONF_STATUS"
    assert exported().splitlines()[1].startswith("dataflow,RRIS:EI_PRESENT(1.0),I,A,XK,")


def test_export_then_import_gives_identical_figures():
    _, out = published()
    series = import_sdmx_csv(exported())
    assert [(s.authority, str(s.period)) for s in series] == [("XK", "2025"), ("RS", "2025")]
    back = series[0].published()
    assert np.array_equal(back.values, out.values)
    assert np.array_equal(back.confidential, out.confidential)
    for dim in PRESENT.dimension_ids:
        assert np.array_equal(back.codes[dim], out.codes[dim])


def test_published_values_are_multiples_of_5_small_cells_confidential_and_raw_never_leaves():
    raw, _ = published()
    lines = exported().splitlines()[1:]
    values = [line.split(",")[-2] for line in lines]
    flags = [line.split(",")[-1] for line in lines]
    assert all(v == "" or int(v) % 5 == 0 for v in values)
    small = (raw.values > 0) & (raw.values < 5)
    assert small.any()
    assert [f == "C" for f in flags[: len(raw)]] == small.tolist()
    assert all(v == "" for v, f in zip(values, flags, strict=True) if f == "C")
    odd_raw = {str(v) for v in raw.values.tolist() if v % 5}
    assert not odd_raw & set(values)


@pytest.mark.parametrize(
    ("change", "row", "column"),
    [
        (lambda t: t.replace("RRIS:EI_PRESENT(1.0)", "RRIS:NOPE(1.0)", 1), 2, "STRUCTURE_ID"),
        (lambda t: t.replace(",XK,", ",FR,", 1), 2, "GEO"),
        (lambda t: t.replace(",2025,", ",2025-01,", 1), 2, "TIME_PERIOD"),
        (lambda t: t.replace(",I,A,", ",D,A,", 1), 2, "ACTION"),
        (lambda t: t.replace("CONF_STATUS", "NAME", 1), 1, "CONF_STATUS"),
    ],
)
def test_a_malformed_file_is_refused_whole(change, row, column):
    with pytest.raises(UploadRefused) as refused:
        import_sdmx_csv(change(exported()))
    assert (refused.value.row, refused.value.column) == (row, column)


def test_imported_raw_figures_are_validated_like_an_upload():
    text = exported().replace(",C\r\n", ",F\r\n")
    [first, _] = import_sdmx_csv(text)
    _, report = validate_upload(PRESENT, first.cells, str(first.period))
    assert not report.ok
    assert "non_negative_integer" in report.error_counts  # the emptied confidential cells


def dsd() -> v30.DataStructureDefinition:
    structure = v30.DataStructureDefinition(id="EI_PRESENT", maintainer=common.Agency(id="RRIS"))
    for dim in header(PRESENT)[3:-2]:
        structure.dimensions.getdefault(dim)
    structure.measures.getdefault("OBS_VALUE")
    structure.attributes.getdefault("CONF_STATUS")
    return structure


def test_sdmx1_reads_the_export_and_its_codes_are_eurostats():
    structure = dsd()
    message = sdmx.read_sdmx(io.BytesIO(exported().encode()), format="csv", structure=structure)
    observations = [obs for data_set in message.data for obs in data_set.obs]
    assert len(observations) == len(exported().splitlines()) - 1
    keys = [{k: str(v.value) for k, v in obs.dimension.values.items()} for obs in observations]
    assert {k["SEX"] for k in keys} <= EUROSTAT_SEX == set(SEX.codes)
    assert {k["AGE"] for k in keys} <= EUROSTAT_AGE == set(AGE.codes)
    assert {k["CITIZEN"] for k in keys} == {"SY", "AF", "TOTAL"}
    assert {k["GEO"] for k in keys} == {"XK", "RS"}
    assert {str(obs.value) for obs in observations} - {""} <= {str(5 * n) for n in range(1000)}
