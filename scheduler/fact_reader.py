"""Interpreters' facts as the database holds them, read for every speaker of a language or for a few ids.

The matcher's per-node index (:mod:`scheduler.fact_index`) reads a whole language the first time a query
asks for it, so this is the cold path of a candidate query, kept to two statements built once: the people
(gender, role and stored hours), led by the language index, then every detail of their ids (working
languages, organisations served, specialisations, declared conflicts) as one ``UNION ALL`` of plain rows.
The few distinct values among them (skills, attributes) are built once per read and shared.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, bindparam, literal, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from core.ids import OrganisationId, UserId
from core.interpreters import Gender, WorkingLanguage
from core.languages import LanguageTag
from core.models import (
    InterpreterAvailabilityRow,
    InterpreterConflictRow,
    InterpreterLanguageRow,
    InterpreterOrganisationRow,
    InterpreterProfileRow,
    InterpreterSpecialisationRow,
    UserRow,
)
from scheduler.constraints import Accreditation, Attribute, InterpreterFacts, LanguageSkill, Specialisation
from scheduler.id_sets import Column, bound_ids, member_of

_GENDERS = {gender.value: gender for gender in Gender}
_SPECIALISATIONS = {specialisation.value: specialisation for specialisation in Specialisation}
# The kinds of detail row, told apart by the second column of the union.
_SKILL, _SERVES, _SPECIALISED, _CONFLICT = range(4)


@dataclass(frozen=True)
class StoredHours:
    """An interpreter's hours row as stored; parsed only when a query first needs them."""

    zone: str
    pattern: str
    version: int


@dataclass
class Read:
    """What one read found: facts in id order, who of them has the interpreter role, and stated hours."""

    facts: list[InterpreterFacts]
    interpreters: frozenset[str]
    hours: dict[str, StoredHours]


def _people(leader: Any) -> Select[*tuple[Any, ...]]:
    """Gender, role and stored hours of the people of ``leader`` (the table whose rows pick them)."""
    profile, stated = InterpreterProfileRow, InterpreterAvailabilityRow
    people = (
        select(profile.user_id, profile.gender, UserRow.role, stated.zone, stated.pattern, stated.version)
        .select_from(leader)
        .join(UserRow, UserRow.id == leader.user_id)
    )
    if leader is not profile:
        people = people.join(profile, profile.user_id == leader.user_id)
    return people.outerjoin(stated, stated.user_id == leader.user_id)


@functools.cache
def _people_speaking() -> Select[*tuple[Any, ...]]:
    # Led by the language index: PostgreSQL plans ``user_id IN (subquery)`` as a scan of every profile.
    # A speaker of two tags of one language (``sr``, ``sr-Latn``) comes twice, with the same values.
    language = InterpreterLanguageRow
    return _people(language).where(language.language == bindparam("language"), UserRow.active.is_(True))


@functools.cache
def _people_among(sqlite: bool) -> Select[*tuple[Any, ...]]:
    return _people(InterpreterProfileRow).where(
        member_of(InterpreterProfileRow.user_id, "ids", sqlite=sqlite)
    )


@functools.cache
def _details(sqlite: bool) -> CompoundSelect[*tuple[Any, ...]]:
    """Every detail row of the ids bound as ``ids``."""

    def who(column: Column) -> ColumnElement[bool]:
        return member_of(column, "ids", sqlite=sqlite)

    skill, served = InterpreterLanguageRow, InterpreterOrganisationRow
    spec, declared = InterpreterSpecialisationRow, InterpreterConflictRow
    return union_all(
        select(skill.user_id, literal(_SKILL), skill.tag, skill.dialect, skill.accreditation).where(
            who(skill.user_id)
        ),
        select(served.user_id, literal(_SERVES), served.organisation_id, null(), null()).where(
            who(served.user_id)
        ),
        select(spec.user_id, literal(_SPECIALISED), spec.specialisation, null(), null()).where(
            who(spec.user_id)
        ),
        select(declared.user_id, literal(_CONFLICT), declared.key, declared.value, null()).where(
            who(declared.user_id)
        ),
    )


async def read_speakers(conn: AsyncConnection, language: str, *, sqlite: bool) -> Read:
    """Every active user with a profile and a working language whose primary subtag is ``language``."""
    return await _read(conn, await conn.execute(_people_speaking(), {"language": language}), sqlite=sqlite)


async def read_interpreters(conn: AsyncConnection, ids: Sequence[str], *, sqlite: bool) -> Read:
    """The facts of those of ``ids`` who have a profile, whether active or not."""
    people = await conn.execute(_people_among(sqlite), {"ids": bound_ids(ids, sqlite=sqlite)})
    return await _read(conn, people, sqlite=sqlite)


async def _read(conn: AsyncConnection, people: Any, *, sqlite: bool) -> Read:
    found = _Found(people)
    if not found.genders:
        return Read([], frozenset(), {})
    ids = bound_ids(sorted(found.genders), sqlite=sqlite)
    return found.read(await conn.execute(_details(sqlite), {"ids": ids}))


class _Found:
    """The people rows of one read, then the facts once their details are read."""

    def __init__(self, people: Any) -> None:
        self.genders: dict[str, Gender] = {}
        self.interpreters: set[str] = set()
        self.hours: dict[str, StoredHours] = {}
        for uid, gender, role, zone, pattern, version in people:
            self.genders[uid] = _GENDERS[gender]
            if role == "interpreter":
                self.interpreters.add(uid)
            if pattern is not None:
                self.hours[uid] = StoredHours(zone, pattern, version)

    def read(self, details: Any) -> Read:
        skills: dict[str, list[LanguageSkill]] = defaultdict(list)
        organisations: dict[str, set[OrganisationId]] = defaultdict(set)
        specialisations: dict[str, set[Specialisation]] = defaultdict(set)
        conflicts: dict[str, set[Attribute]] = defaultdict(set)
        shared_skills: dict[tuple[str, str | None, int], LanguageSkill] = {}
        shared_attributes: dict[tuple[str, str], Attribute] = {}
        for uid, kind, name, value, level in details:
            if kind == _SKILL:
                skill = shared_skills.get((name, value, level))
                if skill is None:
                    working = WorkingLanguage(LanguageTag.parse(name), value)
                    skill = shared_skills[name, value, level] = LanguageSkill(working, Accreditation(level))
                skills[uid].append(skill)
            elif kind == _SERVES:
                organisations[uid].add(OrganisationId(name))
            elif kind == _SPECIALISED:
                specialisations[uid].add(_SPECIALISATIONS[name])
            else:
                attribute = shared_attributes.get((name, value))
                if attribute is None:
                    attribute = shared_attributes[name, value] = Attribute(name, value)
                conflicts[uid].add(attribute)
        facts = [
            InterpreterFacts(
                user_id=UserId(uid),
                gender=gender,
                languages=tuple(skills[uid]),
                organisations=frozenset(organisations[uid]),
                specialisations=frozenset(specialisations[uid]),
                conflicts=frozenset(conflicts[uid]),
            )
            for uid, gender in sorted(self.genders.items())
            if skills.get(uid)
        ]
        return Read(facts, frozenset(self.interpreters), self.hours)
