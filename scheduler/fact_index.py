"""What the matcher knows of interpreters, kept in memory per node and reread when the matching version moves.

A candidate query used to rebuild the facts of the hundreds of interpreters of a big language from the
database every time. Facts change rarely (a profile, an exclusion list or someone's hours is edited) and
every such change (and every standby shift added or cancelled) moves :mod:`core.matching_version` on in
its own transaction; so a node keeps a :class:`Snapshot` per version, filled lazily one language (or
organisation) at a time. A change is seen by the very next query on every node: a query either reads
the version first (:meth:`FactIndex.snapshot`), or, working on the facts it holds (:meth:`FactIndex.cached`),
reads it along with its last statement and starts over on a new snapshot if it moved
(:meth:`FactIndex.adopt`). Held time and offers change with every booking and are never kept here.

A language is read with its speakers' stored hours (parsed on first use, and kept parsed per row version
by the :class:`AvailabilitySource` across versions), and its speakers are grouped by the organisations
they serve, so a warm query judges only those serving the requester and reads nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from core import matching_version
from core.db import Database
from core.ids import OrganisationId, UserId
from core.languages import LanguageTag
from core.models import InterpreterAvailabilityRow, OrganisationExclusionRow, StandbyShiftRow
from scheduler.availability import Availability
from scheduler.constraints import InterpreterFacts
from scheduler.fact_reader import StoredHours, read_interpreters, read_speakers
from scheduler.id_sets import member


class AvailabilitySource(Protocol):
    """Parsed hours, cached per node and row version (``scheduler.availability_store``)."""

    def parse(self, user_id: str, zone: str, pattern: str, version: int) -> Availability: ...


@dataclass
class Snapshot:
    """Facts as of one matching version; filled as queries need them."""

    version: int
    speakers: dict[str, list[InterpreterFacts]] = field(default_factory=dict)  # primary subtag -> facts
    # (primary subtag, organisation) -> the speakers serving that organisation, in id order.
    serving: dict[tuple[str, str], list[InterpreterFacts]] = field(default_factory=dict)
    excluded: dict[str, frozenset[UserId]] = field(default_factory=dict)  # organisation -> interpreters
    # Every interpreter whose facts were read, and which of them have the interpreter role.
    facts: dict[str, InterpreterFacts] = field(default_factory=dict)
    interpreters: set[str] = field(default_factory=set)
    hours: dict[str, StoredHours | None] = field(default_factory=dict)  # interpreter -> stored hours
    # Standby shifts not cancelled and not over when loaded: (interpreter, language, start, end).
    shifts: list[tuple[UserId, LanguageTag, datetime, datetime]] | None = None


class FactIndex:
    def __init__(self, db: Database, availability: AvailabilitySource) -> None:
        self._db = db
        self._availability = availability
        self._snapshot = Snapshot(version=-1)

    async def snapshot(self, conn: AsyncConnection) -> Snapshot:
        """The facts as of the database's current matching version (a new, empty one if it moved)."""
        return self.adopt(await matching_version.current(conn))

    def cached(self) -> Snapshot | None:
        """The facts this node holds, for a caller that reads the version later in its own statement
        and calls :meth:`adopt` with it; None before any version was read."""
        return self._snapshot if self._snapshot.version >= 0 else None

    def adopt(self, version: int) -> Snapshot:
        """The facts as of ``version``, just read from the database: a new, empty snapshot if it moved."""
        if version != self._snapshot.version:
            self._snapshot = Snapshot(version)
        return self._snapshot

    async def speakers(self, conn: AsyncConnection, snap: Snapshot, language: str) -> list[InterpreterFacts]:
        """Every active interpreter with a working language whose primary subtag is ``language``."""
        found = snap.speakers.get(language)
        if found is None:
            read = await read_speakers(conn, language, sqlite=self._db.is_sqlite)
            found = snap.speakers[language] = read.facts
            for facts in read.facts:
                uid = facts.user_id
                snap.facts[uid] = facts
                snap.hours[uid] = read.hours.get(uid)
            snap.interpreters |= read.interpreters
        return found

    async def serving(
        self, conn: AsyncConnection, snap: Snapshot, language: str, organisation: OrganisationId
    ) -> list[InterpreterFacts]:
        """The speakers of ``language`` who serve ``organisation``, in id order."""
        found = snap.serving.get((language, organisation))
        if found is None:
            speakers = await self.speakers(conn, snap, language)
            found = [f for f in speakers if organisation in f.organisations]
            snap.serving[language, organisation] = found
        return found

    def interpreter(self, snap: Snapshot, user_id: UserId) -> InterpreterFacts | None:
        """The facts ``snap`` holds of ``user_id`` as an active interpreter; None: ask the database."""
        return snap.facts.get(user_id) if user_id in snap.interpreters else None

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
        """The stated hours of those of ``ids`` who stated some; read only for those no language brought."""
        missing = [uid for uid in ids if uid not in snap.hours]
        if missing:
            row = InterpreterAvailabilityRow
            for uid in missing:
                snap.hours[uid] = None
            for found, zone, pattern, version in await conn.execute(
                select(row.user_id, row.zone, row.pattern, row.version).where(
                    member(row.user_id, missing, sqlite=self._db.is_sqlite)
                )
            ):
                snap.hours[found] = StoredHours(zone, pattern, version)
        parse = self._availability.parse
        return {
            uid: parse(uid, stored.zone, stored.pattern, stored.version)
            for uid in ids
            if (stored := snap.hours.get(uid)) is not None
        }

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
        """Everything the matcher judges of ``ids`` who have a profile, in id order, read afresh."""
        if not ids:
            return []
        return (await read_interpreters(conn, ids, sqlite=self._db.is_sqlite)).facts
