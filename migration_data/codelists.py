"""The code lists the template's dimensions draw from, with Eurostat's codes where Eurostat has them.

Sources (each list says which): Eurostat's migration datasets as published and queried through its
dissemination API (dimension ids ``citizen``, ``sex``, ``age``, ``applicant``, ``decision``, ``border``,
``reason``, ``c_dest``; code ``STLS`` stateless, ``UNK`` unknown, ``FRST`` first-time applicant, aggregates
``TOTAL``), Eurostat's ESMS metadata for ``migr_asyapp`` and ``migr_asydec`` (ISO 3166-1 alpha-2 with
Eurostat's exceptions) and the Schengen Borders Code, Annex V Part B (refusal grounds A to J). Codes marked
*regional* are this template's own, where Eurostat has no public code list we could confirm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from migration_data.countries import COUNTRIES


@dataclass(frozen=True)
class CodeList:
    """An ordered list of codes with English labels; a code's position is its small-integer encoding."""

    id: str
    labels: Mapping[str, str]
    source: str
    regional: bool = False
    index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {code: i for i, code in enumerate(self.labels)})

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def __contains__(self, code: object) -> bool:
        return code in self.labels

    def __len__(self) -> int:
        return len(self.labels)


CITIZEN = CodeList(
    "CL_CITIZEN",
    {"TOTAL": "Total", **COUNTRIES, "STLS": "Stateless", "UNK": "Unknown"},
    "ISO 3166-1 alpha-2 as Eurostat codes citizenship in migr_ datasets (EL, UK, XK), plus TOTAL, STLS, UNK",
)
DESTINATION = CodeList(
    "CL_C_DEST",
    {"TOTAL": "Total", **COUNTRIES, "UNK": "Unknown"},
    "Eurostat migr_eirtn dimension c_dest: countries as for citizenship, plus TOTAL and UNK",
)
SEX = CodeList(
    "CL_SEX",
    {"T": "Total", "M": "Males", "F": "Females", "UNK": "Unknown"},
    "Eurostat code list SEX as used in migr_asyappctzm",
)
AGE = CodeList(
    "CL_AGE",
    {
        "TOTAL": "Total",
        "Y_LT18": "Less than 18 years",
        "Y_LT14": "Less than 14 years",
        "Y14-17": "From 14 to 17 years",
        "Y18-34": "From 18 to 34 years",
        "Y35-64": "From 35 to 64 years",
        "Y_GE65": "65 years or over",
        "UNK": "Unknown",
    },
    "Eurostat code list AGE as used in migr_asyappctzm and migr_asydcfstq",
)
AGE_MINOR = CodeList(
    "CL_AGE_MINOR",
    {"Y_LT18": "Less than 18 years", "Y_LT14": "Less than 14 years", "Y14-17": "From 14 to 17 years"},
    "Eurostat code list AGE, the codes under 18 (unaccompanied minors)",
)
APPLICANT = CodeList(
    "CL_APPLICANT",
    {"TOTAL": "Total", "FRST": "First time applicant", "SUBS": "Subsequent applicant"},
    "Eurostat migr_asyappctzm dimension applicant (TOTAL, FRST confirmed; SUBS as we understand it: "
    "the datasets before 2024 coded asyl_app ASY_APP / NASY_APP instead)",
)
DECISION = CodeList(
    "CL_DECISION",
    {
        "TOTAL": "Total",
        "TOTAL_POS": "Total positive decisions",
        "GENCONV": "Geneva Convention status",
        "SUB_PROT": "Subsidiary protection status",
        "HUMSTAT": "Humanitarian status",
        "TEMP_PROT": "Temporary protection status",
        "REJECTED": "Rejected",
    },
    "Eurostat migr_asydcfstq dimension decision",
)
UNACCOMPANIED = CodeList(
    "CL_UNACCOMPANIED",
    {"ALL": "All applicants under 18", "UAM": "Unaccompanied minors"},
    "regional: the applicants under 18 and, of them, the unaccompanied (Eurostat publishes UAM apart, "
    "migr_asyunaa)",
    regional=True,
)
BORDER = CodeList(
    "CL_BORDER",
    {"TOTAL": "Total", "LAND": "Land border", "AIR": "Air border", "SEA": "Sea border"},
    "Eurostat migr_eirfs dimension border",
)
REFUSAL_REASON = CodeList(
    "CL_REASON",
    {
        "TOTAL": "Total",
        "A": "No valid travel document(s)",
        "B": "False / counterfeit / forged travel document",
        "C": "No valid visa or residence permit",
        "D": "False / counterfeit / forged visa or residence permit",
        "E": "No appropriate documentation justifying the purpose and conditions of stay",
        "F": "Already stayed 90 days during a 180-day period",
        "G": "No sufficient means of subsistence",
        "H": "An alert has been issued for refusal of entry",
        "I": "Considered a threat to public policy, internal security, public health or international "
        "relations",
        "J": "Other",
    },
    "Schengen Borders Code (Regulation (EU) 2016/399) Annex V Part B grounds A to I, as Eurostat migr_eirfs "
    "labels them; J 'other' is regional. Eurostat's exact reason codes were not confirmed: map on export",
    regional=True,
)
RETURN_TYPE = CodeList(
    "CL_RETURN_TYPE",
    {"TOTAL": "Total", "VOL": "Voluntary return", "ENF": "Enforced return"},
    "regional, after Eurostat migr_eirt_vol (voluntary / enforced); Eurostat's codes not confirmed",
    regional=True,
)
ASSISTANCE = CodeList(
    "CL_ASSISTANCE",
    {"TOTAL": "Total", "ASS": "Assisted", "NASS": "Non-assisted"},
    "regional, after Eurostat migr_eirt_ass (assisted / non-assisted); Eurostat's codes not confirmed",
    regional=True,
)
CENTRE_TYPE = CodeList(
    "CL_CENTRE_TYPE",
    {
        "TOTAL": "Total",
        "ASYLUM": "Asylum centre",
        "TRANSIT": "Transit or temporary reception centre",
        "CHILD": "Facility for unaccompanied and separated children",
        "DETENTION": "Reception or detention centre for foreigners",
    },
    "regional extension",
    regional=True,
)
POPULATION = CodeList(
    "CL_POPULATION",
    {
        "TOTAL": "All persons present",
        "Y_LT18": "Children (less than 18 years)",
        "UASC": "Unaccompanied and separated children",
    },
    "regional extension",
    regional=True,
)
