"""Refusing anything that looks like personal data: this template holds aggregates only.

Two tests: a column whose name says it holds personal data (name, date of birth, document number,
contact details), and values shaped like a date of birth or an identity or travel document number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from migration_data.errors import PersonalDataRefused

PERSONAL_COLUMN_WORDS = frozenset(
    {
        "name", "names", "surname", "firstname", "first_name", "given_name", "last_name", "lastname",
        "family_name", "middle_name", "full_name", "father_name", "mother_name", "date_of_birth", "dob",
        "birth", "birthdate", "birth_date", "birthday", "place_of_birth", "passport", "passport_no",
        "passport_number", "document", "document_number", "document_no", "doc_number", "id_number",
        "id_no", "personal_number", "personal_id", "national_id", "jmbg", "emb", "tc_kimlik", "address",
        "street", "phone", "telephone", "mobile", "email", "e_mail", "fingerprint", "photo", "signature",
        "case_number", "file_number", "registration_number", "eurodac",
    }
)  # fmt: skip
_PERSONAL_TOKENS = frozenset({"name", "surname", "birth", "passport", "dob", "email", "phone", "address"})

_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-](19|20)\d{2}|(19|20)\d{2}[./-]\d{1,2}[./-]\d{1,2}")
_DOCUMENT = re.compile(r"[A-Z]{1,3}\d{6,9}|\d{13}|[A-Z]\d{2}[A-Z]\d{5,7}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def normalised(column: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", column.strip().lower()).strip("_")


def column_is_personal(column: str) -> bool:
    name = normalised(column)
    return name in PERSONAL_COLUMN_WORDS or any(t in _PERSONAL_TOKENS for t in name.split("_"))


def refuse_personal_columns(header: Iterable[str], row: int = 1) -> None:
    for column in header:
        if column_is_personal(column):
            raise PersonalDataRefused(
                row, column, "this column would hold personal data; send aggregates only"
            )


def value_looks_personal(value: str) -> str | None:
    """Why ``value`` looks personal (a date, a document number, an e-mail address), or None."""
    text = value.strip()
    if _DATE.fullmatch(text):
        return "a date (of birth?)"
    if _DOCUMENT.fullmatch(text.upper().replace(" ", "")):
        return "a document or personal number"
    if _EMAIL.fullmatch(text):
        return "an e-mail address"
    return None


def refuse_personal_value(value: str, row: int, column: str) -> None:
    why = value_looks_personal(value)
    if why is not None:
        raise PersonalDataRefused(row, column, f"the value looks like {why}; send aggregates only")


def refuse_personal_values(column: str, texts: Sequence[str], rows: Sequence[int]) -> None:
    """Each distinct value once: dimension codes and counts never look like dates or documents."""
    distinct, first = np.unique(np.asarray(texts, dtype=str), return_index=True)
    plain = np.char.isdigit(distinct) & (np.char.str_len(distinct) < 13)
    for value, at in zip(distinct[~plain].tolist(), first[~plain].tolist(), strict=True):
        if value_looks_personal(value):
            refuse_personal_value(value, rows[at], column)
