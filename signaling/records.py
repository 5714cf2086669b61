"""Call records: the durable trace of each on-demand request (times and outcome, never content)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.accounts import Principal, Role
from core.db import Database
from core.errors import NotFound
from core.group_commit import GroupCommit
from core.ids import CallId, OrganisationId, UserId
from core.models import CallRecordRow
from signaling.states import Outcome


@dataclass(frozen=True)
class CallRecord:
    id: CallId
    organisation_id: OrganisationId
    caseworker_id: UserId
    interpreter_id: UserId | None
    language: str
    requested_gender: str | None
    requested_at: datetime
    rung_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str | None
    ring_attempts: int
    quality_rating: int | None = None  # the caseworker's, after a completed call (signaling.call_ratings)

    @classmethod
    def from_row(cls, row: CallRecordRow) -> CallRecord:
        return cls(
            id=CallId(row.id),
            organisation_id=OrganisationId(row.organisation_id),
            caseworker_id=UserId(row.caseworker_id),
            interpreter_id=UserId(row.interpreter_id) if row.interpreter_id else None,
            language=row.language,
            requested_gender=row.requested_gender,
            requested_at=row.requested_at,
            rung_at=row.rung_at,
            answered_at=row.answered_at,
            ended_at=row.ended_at,
            outcome=row.outcome,
            ring_attempts=row.ring_attempts,
            quality_rating=row.quality_rating,
        )

    def visible_to(self, who: Principal) -> bool:
        """Authorities see their own calls, interpreters the calls they took, operator staff all."""
        if who.sees_all_organisations:
            return True
        if who.role == Role.INTERPRETER:
            return self.interpreter_id == who.user_id
        if who.role == Role.CASEWORKER:
            return self.organisation_id == who.organisation_id
        return who.role in (Role.COORDINATOR, Role.ADMIN) and self.organisation_id == who.organisation_id


_PROGRESS_COLUMNS = ("interpreter_id", "rung_at", "answered_at", "ended_at", "outcome", "ring_attempts")


def _progress(record: CallRecord) -> tuple[bool, bool, int]:
    return (record.outcome is not None, record.answered_at is not None, record.ring_attempts)


class CallRecords:
    """Writes are upserts, so they may land in any order (across nodes too) and never undo an end."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._opened = GroupCommit(self._write_opened)
        self._progressed = GroupCommit(self._write_progressed)

    def _insert(self, records: list[CallRecord]) -> Any:
        insert = sqlite_insert if self._db.is_sqlite else postgresql_insert
        return insert(CallRecordRow).values([dataclasses.asdict(r) for r in records])

    async def opened(self, record: CallRecord) -> None:
        """The request exists; a no-op when a later write got there first (group-committed)."""
        await self._opened.submit(record)

    async def progressed(self, record: CallRecord) -> None:
        """The live call's facts so far (on answer, on end); an ended record is never changed again."""
        await self._progressed.submit(record)

    async def _write_opened(self, batch: list[CallRecord]) -> None:
        async with self._db.transaction() as session:
            await session.execute(self._insert(batch).on_conflict_do_nothing(index_elements=["id"]))

    async def _write_progressed(self, batch: list[CallRecord]) -> None:
        # One row per call in a statement (PostgreSQL refuses to update a row twice): the furthest on.
        latest: dict[str, CallRecord] = {}
        for record in batch:
            held = latest.get(record.id)
            if held is None or _progress(record) >= _progress(held):
                latest[record.id] = record
        statement = self._insert(list(latest.values()))
        statement = statement.on_conflict_do_update(
            index_elements=["id"],
            set_={column: statement.excluded[column] for column in _PROGRESS_COLUMNS},
            where=CallRecordRow.outcome.is_(None),
        )
        async with self._db.transaction() as session:
            await session.execute(statement)

    async def set_quality_rating(self, call_id: CallId, caseworker_id: UserId, score: int) -> bool:
        """Store a rating by compare-and-set: only on that caseworker's completed, still unrated call.

        False when the row did not qualify (another request rated it first); nothing is written then.
        """
        statement = (
            update(CallRecordRow)
            .where(
                CallRecordRow.id == call_id,
                CallRecordRow.caseworker_id == caseworker_id,
                CallRecordRow.outcome == Outcome.COMPLETED.value,
                CallRecordRow.quality_rating.is_(None),
            )
            .values(quality_rating=score)
        )
        async with self._db.transaction() as session:
            result = await session.execute(statement)
        return bool(getattr(result, "rowcount", 0) == 1)

    async def get(self, call_id: str, who: Principal) -> CallRecord:
        async with self._db.sessions() as session:
            row = await session.get(CallRecordRow, call_id)
        record = CallRecord.from_row(row) if row else None
        if record is None or not record.visible_to(who):
            raise NotFound("no such call")
        return record

    async def visible(self, who: Principal, limit: int = 100) -> list[CallRecord]:
        """Newest first, filtered in SQL by the same rule as :meth:`CallRecord.visible_to`."""
        query = select(CallRecordRow).order_by(CallRecordRow.requested_at.desc()).limit(limit)
        if not who.sees_all_organisations:
            if who.role == Role.INTERPRETER:
                query = query.where(CallRecordRow.interpreter_id == who.user_id)
            else:
                query = query.where(CallRecordRow.organisation_id == who.organisation_id)
        async with self._db.sessions() as session:
            rows = (await session.scalars(query)).all()
        return [CallRecord.from_row(r) for r in rows]
