"""The template as data: the issue's dataflows, Eurostat's codes and the authorities' names."""

from __future__ import annotations

import pytest

from migration_data.authorities import AUTHORITIES, KOSOVO_FOOTNOTE, display_name, name_and_footnote
from migration_data.codelists import CITIZEN
from migration_data.errors import UnknownAuthority, UnknownDataflow
from migration_data.periods import Frequency
from migration_data.template import DATAFLOWS, dataflow, with_deadline


def test_every_dataflow_of_the_issue_is_there_with_its_frequency_and_eurostat_dataset():
    expected = {
        "ASY_APP": (Frequency.MONTHLY, "migr_asyappctzm"),
        "ASY_DEC": (Frequency.QUARTERLY, "migr_asydcfstq"),
        "EI_REFUSED": (Frequency.ANNUAL, "migr_eirfs"),
        "EI_PRESENT": (Frequency.ANNUAL, "migr_eipre"),
        "EI_ORDERED": (Frequency.QUARTERLY, "migr_eiord"),
        "EI_RETURNED": (Frequency.QUARTERLY, "migr_eirtn"),
    }
    for id, (frequency, dataset) in expected.items():
        assert (dataflow(id).frequency, dataflow(id).eurostat_dataset) == (frequency, dataset)
    regional = {f.id for f in DATAFLOWS.values() if f.regional}
    assert regional == {"REG_ARRIVALS", "REG_RECEPTION"}
    assert all("regional" in dataflow(i).title for i in regional)


def test_every_rule_names_codes_of_its_dimension():
    for flow in DATAFLOWS.values():
        for rule in flow.sum_rules:
            assert {rule.total, *rule.parts} <= set(flow.codelist(rule.dimension).codes)
        for ceiling in flow.ceiling_rules:
            assert {ceiling.part, ceiling.whole} <= set(flow.codelist(ceiling.dimension).codes)


def test_citizenship_uses_eurostats_codes():
    assert {"EL", "UK", "XK", "STLS", "UNK", "TOTAL", "SY", "AF"} <= set(CITIZEN.codes)
    assert not {"GR", "GB"} & set(CITIZEN.codes)


def test_kosovo_is_always_shown_with_its_designation_footnote():
    assert set(AUTHORITIES) == {"AL", "BA", "XK", "ME", "MK", "RS", "TR"}
    assert display_name("XK") == f"Kosovo* (*{KOSOVO_FOOTNOTE})"
    assert name_and_footnote("XK") == ("Kosovo*", KOSOVO_FOOTNOTE)
    assert display_name("MK") == "North Macedonia"


def test_deadlines_are_configurable_and_unknown_names_refused():
    assert with_deadline(dataflow("ASY_APP"), 1).deadline.months == 1
    with pytest.raises(UnknownDataflow):
        dataflow("NOPE")
    with pytest.raises(UnknownAuthority):
        display_name("FR")
