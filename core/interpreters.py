"""Interpreter profiles: working languages, gender and the authorities each interpreter serves."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select

from core.clock import Clock
from core.db import Database
from core.errors import InvalidInput, NotFound
from core.ids import OrganisationId, UserId
from core.languages import LanguageTag
from core.models import (
    InterpreterLanguageRow,
    InterpreterOrganisationRow,
    InterpreterProfileRow,
    OrganisationRow,
    UserRow,
)

MAX_DIALECT_LENGTH = 80


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"
    UNDISCLOSED = "undisclosed"


@dataclass(frozen=True)
class WorkingLanguage:
    tag: LanguageTag
    dialect: str | None = None


@dataclass(frozen=True)
class InterpreterProfile:
    user_id: UserId
    gender: Gender
    languages: tuple[WorkingLanguage, ...]
    organisations: frozenset[OrganisationId]

    def covers(self, requested: LanguageTag) -> bool:
        return any(lang.tag.covers(requested) for lang in self.languages)


@dataclass(frozen=True)
class Candidate:
    """An interpreter who may take a request, before presence and ranking are considered."""

    user_id: UserId
    gender: Gender


class InterpreterDirectory:
    """Reads and writes profiles; the single place that knows how they are stored."""

    def __init__(self, db: Database, clock: Clock, cache_s: float = 10.0) -> None:
        self._db = db
        self._clock = clock
        self._cache_s = cache_s
        # Candidate lists per (language, organisation, gender): on-demand routing asks for the same
        # few on every request. A profile change clears this node's cache at once; other nodes see
        # it within ``cache_s``.
        self._cache: dict[tuple[str, str, str | None], tuple[float, list[Candidate]]] = {}

    async def set_profile(
        self,
        user_id: UserId,
        gender: Gender,
        languages: Iterable[WorkingLanguage],
        organisations: Iterable[OrganisationId],
    ) -> InterpreterProfile:
        langs = tuple(dict.fromkeys(languages))
        orgs = frozenset(organisations)
        if not langs:
            raise InvalidInput("an interpreter needs at least one working language")
        for lang in langs:
            if lang.dialect is not None and not 1 <= len(lang.dialect) <= MAX_DIALECT_LENGTH:
                raise InvalidInput(f"dialect must be 1 to {MAX_DIALECT_LENGTH} characters")
        self._cache.clear()
        async with self._db.transaction() as session:
            user = await session.get(UserRow, user_id)
            if user is None or user.role != "interpreter":
                raise NotFound("no such interpreter")
            known = set(
                (await session.scalars(select(OrganisationRow.id).where(OrganisationRow.id.in_(orgs)))).all()
            )
            if known != set(orgs):
                raise InvalidInput("unknown organisation among those served")
            profile = await session.get(InterpreterProfileRow, user_id)
            if profile is None:
                session.add(InterpreterProfileRow(user_id=user_id, gender=gender.value))
                await session.flush()
            else:
                profile.gender = gender.value
            await session.execute(
                delete(InterpreterLanguageRow).where(InterpreterLanguageRow.user_id == user_id)
            )
            await session.execute(
                delete(InterpreterOrganisationRow).where(InterpreterOrganisationRow.user_id == user_id)
            )
            session.add_all(
                InterpreterLanguageRow(
                    user_id=user_id, tag=lang.tag.tag, language=lang.tag.language, dialect=lang.dialect
                )
                for lang in langs
            )
            session.add_all(InterpreterOrganisationRow(user_id=user_id, organisation_id=o) for o in orgs)
        return InterpreterProfile(user_id, gender, langs, orgs)

    async def candidates(
        self, language: LanguageTag, organisation_id: OrganisationId, gender: Gender | None = None
    ) -> list[Candidate]:
        """Active interpreters who serve ``organisation_id``, cover ``language`` and match ``gender``."""
        key = (language.tag, organisation_id, gender.value if gender else None)
        cached = self._cache.get(key)
        now = self._clock.monotonic()
        if cached is not None and cached[0] > now:
            return list(cached[1])
        found = await self._query_candidates(language, organisation_id, gender)
        self._cache[key] = (now + self._cache_s, found)
        return list(found)

    async def _query_candidates(
        self, language: LanguageTag, organisation_id: OrganisationId, gender: Gender | None
    ) -> list[Candidate]:
        query = (
            select(InterpreterLanguageRow.user_id, InterpreterLanguageRow.tag, InterpreterProfileRow.gender)
            .join(InterpreterProfileRow, InterpreterProfileRow.user_id == InterpreterLanguageRow.user_id)
            .join(UserRow, UserRow.id == InterpreterLanguageRow.user_id)
            .join(
                InterpreterOrganisationRow,
                (InterpreterOrganisationRow.user_id == InterpreterLanguageRow.user_id)
                & (InterpreterOrganisationRow.organisation_id == organisation_id),
            )
            .where(InterpreterLanguageRow.language == language.language, UserRow.active.is_(True))
        )
        if gender is not None:
            query = query.where(InterpreterProfileRow.gender == gender.value)
        async with self._db.sessions() as session:
            rows = (await session.execute(query)).all()
        matched: dict[str, Gender] = {}
        for user_id, tag, row_gender in rows:
            if LanguageTag.parse(tag).covers(language):
                matched[user_id] = Gender(row_gender)
        return [Candidate(UserId(uid), g) for uid, g in matched.items()]

    async def profile(self, user_id: UserId) -> InterpreterProfile | None:
        async with self._db.sessions() as session:
            row = await session.get(InterpreterProfileRow, user_id)
            if row is None:
                return None
            langs = (
                await session.scalars(
                    select(InterpreterLanguageRow).where(InterpreterLanguageRow.user_id == user_id)
                )
            ).all()
            orgs = (
                await session.scalars(
                    select(InterpreterOrganisationRow.organisation_id).where(
                        InterpreterOrganisationRow.user_id == user_id
                    )
                )
            ).all()
        return InterpreterProfile(
            user_id,
            Gender(row.gender),
            tuple(WorkingLanguage(LanguageTag.parse(lang.tag), lang.dialect) for lang in langs),
            frozenset(OrganisationId(o) for o in orgs),
        )
