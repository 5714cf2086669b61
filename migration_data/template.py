"""The template as data: each dataflow's legal basis, frequency, deadline, dimensions and totals rules.

Deadlines are configurable defaults after Regulation (EC) 862/2007 as amended by Regulation (EU) 2020/851
(Eurostat's transmission deadlines, roughly): monthly and quarterly data within two months of the end of
the reference period, annual data within three months. Pass ``deadline_months`` to :func:`with_deadline`
to change one. Dataflows marked ``regional`` are the region's own extensions, not Eurostat's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from migration_data import codelists as cl
from migration_data.codelists import CodeList
from migration_data.errors import UnknownDataflow
from migration_data.periods import DeadlineRule, Frequency

MEASURE = "OBS_VALUE"
DEFAULT_DEADLINE_MONTHS = {Frequency.MONTHLY: 2, Frequency.QUARTERLY: 2, Frequency.ANNUAL: 3}


@dataclass(frozen=True)
class Dimension:
    id: str
    codelist: CodeList


@dataclass(frozen=True)
class SumRule:
    """Along ``dimension``, the ``total`` cell equals the sum of the ``parts`` cells, all else equal."""

    name: str
    dimension: str
    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class CeilingRule:
    """Along ``dimension``, the ``part`` cell never exceeds the ``whole`` cell, all else equal."""

    name: str
    dimension: str
    part: str
    whole: str


@dataclass(frozen=True)
class Dataflow:
    id: str
    title: str
    legal_reference: str
    frequency: Frequency
    deadline: DeadlineRule
    dimensions: tuple[Dimension, ...]
    sum_rules: tuple[SumRule, ...]
    ceiling_rules: tuple[CeilingRule, ...]
    eurostat_dataset: str | None
    regional: bool = False
    version: str = "1.0"

    @property
    def dimension_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.dimensions)

    def codelist(self, dimension: str) -> CodeList:
        for d in self.dimensions:
            if d.id == dimension:
                return d.codelist
        raise KeyError(dimension)


SEX_TOTAL = SumRule("sex_total", "SEX", "T", ("M", "F", "UNK"))
AGE_TOTAL = SumRule("age_total", "AGE", "TOTAL", ("Y_LT14", "Y14-17", "Y18-34", "Y35-64", "Y_GE65", "UNK"))
UNDER_18 = SumRule("under_18_total", "AGE", "Y_LT18", ("Y_LT14", "Y14-17"))
CITIZEN_TOTAL = SumRule(
    "citizenship_total", "CITIZEN", "TOTAL", tuple(c for c in cl.CITIZEN.codes if c != "TOTAL")
)
APPLICANT_TOTAL = SumRule("applicants_total", "APPLICANT", "TOTAL", ("FRST", "SUBS"))
DECISIONS_TOTAL = SumRule("decisions_total", "DECISION", "TOTAL", ("TOTAL_POS", "REJECTED"))
POSITIVE_TOTAL = SumRule(
    "positive_decisions_total", "DECISION", "TOTAL_POS", ("GENCONV", "SUB_PROT", "HUMSTAT", "TEMP_PROT")
)
BORDER_TOTAL = SumRule("border_total", "BORDER", "TOTAL", ("LAND", "AIR", "SEA"))
REASON_TOTAL = SumRule(
    "refusal_reason_total", "REASON", "TOTAL", tuple(c for c in cl.REFUSAL_REASON.codes if c != "TOTAL")
)
RETURN_TYPE_TOTAL = SumRule("return_type_total", "RETURN_TYPE", "TOTAL", ("VOL", "ENF"))
ASSISTANCE_TOTAL = SumRule("assistance_total", "ASSISTANCE", "TOTAL", ("ASS", "NASS"))
DESTINATION_TOTAL = SumRule(
    "destination_total", "C_DEST", "TOTAL", tuple(c for c in cl.DESTINATION.codes if c != "TOTAL")
)
CENTRE_TOTAL = SumRule(
    "centre_type_total", "CENTRE_TYPE", "TOTAL", tuple(c for c in cl.CENTRE_TYPE.codes if c != "TOTAL")
)
MINOR_AGE_TOTAL = SumRule("under_18_total", "AGE", "Y_LT18", ("Y_LT14", "Y14-17"))
UAM_WITHIN_MINORS = CeilingRule("unaccompanied_within_minors", "UNACCOMPANIED", "UAM", "ALL")
UASC_WITHIN_CHILDREN = CeilingRule("uasc_within_children", "POPULATION", "UASC", "Y_LT18")
CHILDREN_WITHIN_TOTAL = CeilingRule("children_within_total", "POPULATION", "Y_LT18", "TOTAL")

CITIZEN = Dimension("CITIZEN", cl.CITIZEN)
SEX = Dimension("SEX", cl.SEX)
AGE = Dimension("AGE", cl.AGE)
PERSON_RULES = (CITIZEN_TOTAL, SEX_TOTAL, AGE_TOTAL, UNDER_18)


def _flow(
    id: str,
    title: str,
    legal_reference: str,
    frequency: Frequency,
    dimensions: tuple[Dimension, ...],
    sum_rules: tuple[SumRule, ...],
    eurostat_dataset: str | None,
    ceiling_rules: tuple[CeilingRule, ...] = (),
    regional: bool = False,
) -> Dataflow:
    deadline = DeadlineRule(DEFAULT_DEADLINE_MONTHS[frequency])
    return Dataflow(
        id, title, legal_reference, frequency, deadline, dimensions, sum_rules, ceiling_rules,
        eurostat_dataset, regional,
    )  # fmt: skip


M, Q, A = Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.ANNUAL
_ALL = (
    _flow(
        "ASY_APP", "Asylum applicants (total, first-time, subsequent)", "Art. 4(1)(a)", M,
        (CITIZEN, SEX, AGE, Dimension("APPLICANT", cl.APPLICANT)), (*PERSON_RULES, APPLICANT_TOTAL),
        "migr_asyappctzm",
    ),
    _flow(
        "ASY_PEND", "Persons with applications pending at the end of the month", "Art. 4(1)(b)", M,
        (CITIZEN, SEX, AGE), PERSON_RULES, "migr_asypenctzm",
    ),
    _flow(
        "ASY_WITHDRAWN", "Applications withdrawn", "Art. 4(1)(c)", M,
        (CITIZEN, SEX, AGE), PERSON_RULES, "migr_asywitha",
    ),
    _flow(
        "ASY_DEC", "First-instance decisions by outcome", "Art. 4(2)(a)", Q,
        (CITIZEN, SEX, AGE, Dimension("DECISION", cl.DECISION)),
        (*PERSON_RULES, DECISIONS_TOTAL, POSITIVE_TOTAL), "migr_asydcfstq",
    ),
    _flow(
        "ASY_UAM", "Unaccompanied minors applying for asylum", "Art. 4(3)(b)", A,
        (CITIZEN, SEX, Dimension("AGE", cl.AGE_MINOR), Dimension("UNACCOMPANIED", cl.UNACCOMPANIED)),
        (CITIZEN_TOTAL, SEX_TOTAL, MINOR_AGE_TOTAL), "migr_asyunaa", (UAM_WITHIN_MINORS,),
    ),
    _flow(
        "EI_REFUSED", "Third-country nationals refused entry at the external border", "Art. 5(1)(a)", A,
        (CITIZEN, Dimension("BORDER", cl.BORDER), Dimension("REASON", cl.REFUSAL_REASON)),
        (CITIZEN_TOTAL, BORDER_TOTAL, REASON_TOTAL), "migr_eirfs",
    ),
    _flow(
        "EI_PRESENT", "Third-country nationals found to be illegally present", "Art. 5(1)(b)", A,
        (CITIZEN, SEX, AGE), PERSON_RULES, "migr_eipre",
    ),
    _flow(
        "EI_ORDERED", "Third-country nationals ordered to leave", "Art. 7(1)(a)", Q,
        (CITIZEN, SEX, AGE), PERSON_RULES, "migr_eiord",
    ),
    _flow(
        "EI_RETURNED", "Third-country nationals returned, by type of return, assistance and destination",
        "Art. 7(1)(b)", Q,
        (CITIZEN, Dimension("RETURN_TYPE", cl.RETURN_TYPE), Dimension("ASSISTANCE", cl.ASSISTANCE),
         Dimension("C_DEST", cl.DESTINATION)),
        (CITIZEN_TOTAL, RETURN_TYPE_TOTAL, ASSISTANCE_TOTAL, DESTINATION_TOTAL), "migr_eirtn",
    ),
    _flow(
        "REG_ARRIVALS", "Registered arrivals (regional extension)", "regional extension", M,
        (CITIZEN, SEX, AGE), PERSON_RULES, None, regional=True,
    ),
    _flow(
        "REG_RECEPTION", "Presence in reception centres by centre type (regional extension)",
        "regional extension", M,
        (Dimension("CENTRE_TYPE", cl.CENTRE_TYPE), SEX, Dimension("POPULATION", cl.POPULATION)),
        (CENTRE_TOTAL, SEX_TOTAL), None, (UASC_WITHIN_CHILDREN, CHILDREN_WITHIN_TOTAL), regional=True,
    ),
)  # fmt: skip

DATAFLOWS: dict[str, Dataflow] = {flow.id: flow for flow in _ALL}


def dataflow(id: str) -> Dataflow:
    try:
        return DATAFLOWS[id]
    except KeyError:
        raise UnknownDataflow(f"no dataflow {id!r} in the template") from None


def with_deadline(flow: Dataflow, deadline_months: int) -> Dataflow:
    """The same dataflow with another transmission deadline (months after the period's end)."""
    return replace(flow, deadline=DeadlineRule(deadline_months))
