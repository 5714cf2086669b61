"""Each authority's standing list of interpreters it will not work with, which matching never offers it.

Only the fact is kept (organisation, interpreter, since when), never a reason: reasons may be personal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import matching_version
from core.accounts import Principal, Role
from core.clock import Clock
from core.db import Database
from core.errors import Forbidden, InvalidInput, NotFound
from core.ids import OrganisationId, UserId
from core.models import OrganisationExclusionRow, OrganisationRow, UserRow

MAX_EXCLUSIONS = 500


def may_manage_exclusions(who: Principal, organisation_id: OrganisationId) -> bool:
    """A coordinator of the organisation itself, or the operator's staff who oversee every authority."""
    return who.sees_all_organisations or (
        who.role is Role.COORDINATOR and who.organisation_id == organisation_id
    )


def require_may_manage_exclusions(who: Principal, organisation_id: OrganisationId) -> None:
    if not may_manage_exclusions(who, organisation_id):
        raise Forbidden("only the organisation's or the operator's coordinators manage its exclusions")


class OrganisationExclusions:
    """Reads and changes exclusion lists; every change is one transaction, checked as a whole first."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def excluded(self, organisation_id: OrganisationId) -> frozenset[UserId]:
        """The interpreters ``organisation_id`` excludes; :class:`NotFound` for an unknown organisation."""
        async with self._db.sessions() as session:
            await self._require_organisation(session, organisation_id)
            return await self._current(session, organisation_id)

    async def replace(
        self, organisation_id: OrganisationId, interpreter_ids: Iterable[UserId]
    ) -> frozenset[UserId]:
        """Make the list exactly ``interpreter_ids``; those already on it keep the time they were added."""
        wanted = frozenset(interpreter_ids)
        if len(wanted) > MAX_EXCLUSIONS:
            raise InvalidInput(f"at most {MAX_EXCLUSIONS} excluded interpreters")
        async with self._writing() as session:
            await self._require_organisation(session, organisation_id, lock=True)
            await self._require_interpreters(session, wanted)
            current = await self._current(session, organisation_id)
            gone = current - wanted
            if gone:
                await session.execute(
                    delete(OrganisationExclusionRow).where(
                        OrganisationExclusionRow.organisation_id == organisation_id,
                        OrganisationExclusionRow.interpreter_id.in_(gone),
                    )
                )
            self._add_rows(session, organisation_id, wanted - current)
        return wanted

    async def add(self, organisation_id: OrganisationId, interpreter_id: UserId) -> None:
        """Exclude one more interpreter (adding one already excluded changes nothing)."""
        async with self._writing() as session:
            await self._require_organisation(session, organisation_id, lock=True)
            await self._require_interpreters(session, {interpreter_id})
            current = await self._current(session, organisation_id)
            if interpreter_id in current:
                return
            if len(current) >= MAX_EXCLUSIONS:
                raise InvalidInput(f"at most {MAX_EXCLUSIONS} excluded interpreters")
            self._add_rows(session, organisation_id, {interpreter_id})

    async def remove(self, organisation_id: OrganisationId, interpreter_id: UserId) -> None:
        """Take an interpreter off the list (removing one not on it changes nothing)."""
        async with self._writing() as session:
            await self._require_organisation(session, organisation_id, lock=True)
            await session.execute(
                delete(OrganisationExclusionRow).where(
                    OrganisationExclusionRow.organisation_id == organisation_id,
                    OrganisationExclusionRow.interpreter_id == interpreter_id,
                )
            )

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        async with self._db.write_transaction() as session:
            yield session
            await matching_version.bump(session)

    async def _require_organisation(
        self, session: AsyncSession, organisation_id: OrganisationId, *, lock: bool = False
    ) -> None:
        # On PostgreSQL the organisation row's lock queues concurrent changes of one list, so two
        # replacements cannot both insert the same new exclusion.
        query = select(OrganisationRow.id).where(OrganisationRow.id == organisation_id)
        if await session.scalar(query.with_for_update() if lock else query) is None:
            raise NotFound("no such organisation")

    async def _require_interpreters(self, session: AsyncSession, ids: Iterable[UserId]) -> None:
        wanted = set(ids)
        if not wanted:
            return
        found = set(
            (
                await session.scalars(
                    select(UserRow.id).where(UserRow.id.in_(wanted), UserRow.role == Role.INTERPRETER.value)
                )
            ).all()
        )
        if found != wanted:
            raise InvalidInput("unknown interpreter among those excluded")

    async def _current(self, session: AsyncSession, organisation_id: OrganisationId) -> frozenset[UserId]:
        found = await session.scalars(
            select(OrganisationExclusionRow.interpreter_id).where(
                OrganisationExclusionRow.organisation_id == organisation_id
            )
        )
        return frozenset(UserId(i) for i in found.all())

    def _add_rows(
        self, session: AsyncSession, organisation_id: OrganisationId, interpreter_ids: Iterable[UserId]
    ) -> None:
        now = self._clock.now()
        session.add_all(
            OrganisationExclusionRow(organisation_id=organisation_id, interpreter_id=i, created_at=now)
            for i in interpreter_ids
        )
