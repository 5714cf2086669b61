"""A column matched against a list of ids, in the form each database serves best.

The list is one parameter whatever its length, so a statement is prepared once and its text never grows:
an array on PostgreSQL (``= ANY(:ids)``; to asyncpg an ``IN`` list of each length is a new statement), a
JSON array on SQLite (``IN (SELECT value FROM json_each(:ids))``, which SQLite probes as fast as an ``IN``
list and which stays within its limit of bound parameters for a language of thousands of speakers).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import ColumnElement, String, any_, bindparam, func, literal, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute

Column = ColumnElement[str] | InstrumentedAttribute[str]


def member(column: Column, ids: Sequence[str], *, sqlite: bool) -> ColumnElement[bool]:
    """``column`` is one of ``ids``, given now (for a statement built for one use)."""
    if sqlite:
        return column.in_(ids)
    return column == any_(literal(list(ids), ARRAY(String)))


def member_of(column: Column, name: str, *, sqlite: bool) -> ColumnElement[bool]:
    """``column`` is one of the ids bound later as ``name`` with :func:`bound_ids`: for statements built
    once and run often."""
    if sqlite:
        listed = select(literal_column("value", String)).select_from(func.json_each(bindparam(name)))
        return column.in_(listed)
    return column == any_(bindparam(name, type_=ARRAY(String)))


def bound_ids(ids: Sequence[str], *, sqlite: bool) -> object:
    """The value to bind for a :func:`member_of` parameter."""
    return json.dumps(list(ids)) if sqlite else list(ids)
