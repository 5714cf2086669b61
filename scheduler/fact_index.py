"""What the matcher knows of interpreters, kept in memory per node and reread when the matching version moves.

A candidate query used to rebuild the facts of the hundreds of interpreters of a big language from the
database every time. Facts change rarely (a profile, an exclusion list or someone's hours is edited) and
every such change (and every standby shift added or cancelled) moves :mod:`core.matching_version` on in
its own transaction; so a node keeps a
:class:`Snapshot` per version, filled lazily one language (or organisation, or interpreter's hours) at a
time, and each query pays one small read of the version instead. A change is seen by the very next query on
every node. Held time and offers change with every booking and are never kept here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import String, any_, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from core import matching_version
from core.db import Database
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
    OrganisationExclusionRow,
    StandbyShiftRow,
    UserRow,
)
from scheduler.availability import Availability
from scheduler.constraints import Accreditation, Attribute, InterpreterFacts, LanguageSkill, Specialisation


class AvailabilitySource(Protocol):
    """Parsed hours, cached per node and row version (``scheduler.availability_store``)."""

    def parse(self, user_id: str, zone: str, pattern: str, version: int) -> Availability: ...


@dataclass
class Snapshot:
    """Facts as of one matching version; filled as queries need them."""

    version: int
    speakers: dict[str, list[InterpreterFacts]] = field(default_factory=dict)  # primary subtag -> facts
    excluded: dict[str, frozenset[UserId]] = field(default_factory=dict)  # organisation -> interpreters
    hours: dict[str, Availability | None] = field(default_factory=dict)  # interpreter -> stated hours
    # Standby shifts not cancelled and not over when loaded: (interpreter, language, start, end).
    shifts: list[tuple[UserId, LanguageTag, datetime, datetime]] | None = None


class FactIndex:
    def __init__(self, db: Database, availability: AvailabilitySource) -> None:
        self._db = db
        self._availability = availability
        self._snapshot = Snapshot(version=-1)

    def member(self, column: Any, ids: Sequence[str]) -> Any:
        """``column`` is one of ``ids``: one array parameter on PostgreSQL, so its statement is prepared
        once whatever the number of ids (an IN list of each length is a new statement to asyncpg)."""
        if self._db.is_sqlite:
            return column.in_(ids)
        return column == any_(literal(list(ids), ARRAY(String)))

    async def snapshot(self, conn: AsyncConnection) -> Snapshot:
        """The facts as of the database's current matching version (a new, empty one if it moved)."""
        version = await matching_version.current(conn)
        if version != self._snapshot.version:
            self._snapshot = Snapshot(version)
        return self._snapshot

    async def speakers(self, conn: AsyncConnection, snap: Snapshot, language: str) -> list[InterpreterFacts]:
        """Every active interpreter with a working language whose primary subtag is ``language``."""
        found = snap.speakers.get(language)
        if found is None:
            ids = (
                await conn.scalars(
                    select(InterpreterLanguageRow.user_id)
                    .join(UserRow, UserRow.id == InterpreterLanguageRow.user_id)
                    .where(InterpreterLanguageRow.language == language, UserRow.active.is_(True))
                    .distinct()
                )
            ).all()
            found = await self.load(conn, ids)
            snap.speakers[language] = found
        return found

    async def excluded(
        self, conn: AsyncConnection, snap: Snapshot, organisation: OrganisationId
    ) -> frozenset[UserId]:
        found = snap.excluded.get(organisation)
        if found is None:
            rows = await conn.scalars(
                select(OrganisationExclusionRow.interpreter_id).where(
                    OrganisationExclusionRow.organisation_id == organisation
                )
            )
            found = frozenset(UserId(u) for u in rows.all())
            snap.excluded[organisation] = found
        return found

    async def hours(
        self, conn: AsyncConnection, snap: Snapshot, ids: Sequence[UserId]
    ) -> dict[UserId, Availability]:
        """The stated hours of those of ``ids`` who stated some."""
        missing = [uid for uid in ids if uid not in snap.hours]
        if missing:
            row = InterpreterAvailabilityRow
            for uid in missing:
                snap.hours[uid] = None
            for found, zone, pattern, version in await conn.execute(
                select(row.user_id, row.zone, row.pattern, row.version).where(
                    self.member(row.user_id, missing)
                )
            ):
                snap.hours[found] = self._availability.parse(found, zone, pattern, version)
        return {uid: hours for uid in ids if (hours := snap.hours.get(uid)) is not None}

    async def shifts(
        self, conn: AsyncConnection, snap: Snapshot, now: datetime
    ) -> list[tuple[UserId, LanguageTag, datetime, datetime]]:
        """Every standby shift not cancelled and not over (shift changes move the version on too)."""
        if snap.shifts is None:
            rows = await conn.execute(
                select(
                    StandbyShiftRow.interpreter_id,
                    StandbyShiftRow.language,
                    StandbyShiftRow.start_at,
                    StandbyShiftRow.end_at,
                ).where(StandbyShiftRow.cancelled.is_(False), StandbyShiftRow.end_at > now)
            )
            snap.shifts = [(UserId(u), LanguageTag.parse(t), s, e) for u, t, s, e in rows]
        return snap.shifts

    async def load(self, conn: AsyncConnection, ids: Sequence[str]) -> list[InterpreterFacts]:
        """Everything the matcher judges of ``ids`` who have a profile, in id order."""
        if not ids:
            return []
        genders: dict[str, str] = {
            uid: gender
            for uid, gender in await conn.execute(
                select(InterpreterProfileRow.user_id, InterpreterProfileRow.gender).where(
                    self.member(InterpreterProfileRow.user_id, ids)
                )
            )
        }
        skills: dict[str, list[LanguageSkill]] = defaultdict(list)
        rows = await conn.execute(
            select(
                InterpreterLanguageRow.user_id,
                InterpreterLanguageRow.tag,
                InterpreterLanguageRow.dialect,
                InterpreterLanguageRow.accreditation,
            ).where(self.member(InterpreterLanguageRow.user_id, ids))
        )
        for uid, tag, dialect, level in rows:
            skills[uid].append(
                LanguageSkill(WorkingLanguage(LanguageTag.parse(tag), dialect), Accreditation(level))
            )
        organisations: dict[str, set[OrganisationId]] = defaultdict(set)
        for uid, org in await conn.execute(
            select(InterpreterOrganisationRow.user_id, InterpreterOrganisationRow.organisation_id).where(
                self.member(InterpreterOrganisationRow.user_id, ids)
            )
        ):
            organisations[uid].add(OrganisationId(org))
        specialisations: dict[str, set[Specialisation]] = defaultdict(set)
        for uid, spec in await conn.execute(
            select(InterpreterSpecialisationRow.user_id, InterpreterSpecialisationRow.specialisation).where(
                self.member(InterpreterSpecialisationRow.user_id, ids)
            )
        ):
            specialisations[uid].add(Specialisation(spec))
        conflicts: dict[str, set[Attribute]] = defaultdict(set)
        for uid, key, value in await conn.execute(
            select(
                InterpreterConflictRow.user_id, InterpreterConflictRow.key, InterpreterConflictRow.value
            ).where(self.member(InterpreterConflictRow.user_id, ids))
        ):
            conflicts[uid].add(Attribute(key, value))
        return [
            InterpreterFacts(
                user_id=UserId(uid),
                gender=Gender(genders[uid]),
                languages=tuple(skills[uid]),
                organisations=frozenset(organisations[uid]),
                specialisations=frozenset(specialisations[uid]),
                conflicts=frozenset(conflicts[uid]),
            )
            for uid in sorted(genders)
            if skills[uid]
        ]
