"""The durable side of consented recording: organisation policies, recordings, their tracks and the
audit log. Rows stay here; callers get frozen dataclasses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select, update

from core.db import Database
from core.errors import NotFound
from core.ids import OrganisationId, UserId
from core.models import (
    OrganisationRow,
    RecordingAuditRow,
    RecordingPolicyRow,
    RecordingRow,
    RecordingTrackRow,
    UTCDateTime,
)


def _utc(at: datetime) -> Any:
    return literal(at, UTCDateTime())


@dataclass(frozen=True)
class RecordingPolicy:
    organisation_id: OrganisationId
    allowed: bool
    retention_days: int


@dataclass(frozen=True)
class Recording:
    id: str
    organisation_id: OrganisationId
    call_id: str
    caseworker_id: UserId
    language: str
    state: str  # recording, complete, deleted
    started_at: datetime
    ended_at: datetime | None
    expires_at: datetime
    deleted_at: datetime | None

    @classmethod
    def from_row(cls, row: RecordingRow) -> Recording:
        return cls(
            row.id,
            OrganisationId(row.organisation_id),
            row.call_id,
            UserId(row.caseworker_id),
            row.language,
            row.state,
            row.started_at,
            row.ended_at,
            row.expires_at,
            row.deleted_at,
        )


@dataclass(frozen=True)
class Track:
    id: str
    recording_id: str
    seat: str
    user_id: UserId
    key_id: str
    wrapped_key: bytes
    started_at: datetime
    ended_at: datetime | None
    size_bytes: int | None

    @classmethod
    def from_row(cls, row: RecordingTrackRow) -> Track:
        return cls(
            row.id,
            row.recording_id,
            row.seat,
            UserId(row.user_id),
            row.key_id,
            row.wrapped_key,
            row.started_at,
            row.ended_at,
            row.size_bytes,
        )


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_id: UserId | None
    action: str
    detail: str


class RecordingStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def policy(self, organisation_id: str) -> RecordingPolicy | None:
        async with self._db.sessions() as session:
            row = await session.get(RecordingPolicyRow, organisation_id)
        if row is None:
            return None
        return RecordingPolicy(OrganisationId(row.organisation_id), row.allowed, row.retention_days)

    async def set_policy(self, policy: RecordingPolicy, by: UserId, now: datetime) -> None:
        async with self._db.transaction() as session:
            if await session.get(OrganisationRow, policy.organisation_id) is None:
                raise NotFound("no such organisation")
            row = await session.get(RecordingPolicyRow, policy.organisation_id)
            if row is None:
                session.add(
                    RecordingPolicyRow(
                        organisation_id=policy.organisation_id,
                        allowed=policy.allowed,
                        retention_days=policy.retention_days,
                        updated_at=now,
                        updated_by=by,
                    )
                )
            else:
                row.allowed, row.retention_days = policy.allowed, policy.retention_days
                row.updated_at, row.updated_by = now, by

    async def create(self, recording: Recording, consents: Sequence[tuple[UserId, str]]) -> None:
        """The new recording with its consents and start in the audit log, in one transaction."""
        async with self._db.transaction() as session:
            session.add(
                RecordingRow(
                    id=recording.id,
                    organisation_id=recording.organisation_id,
                    call_id=recording.call_id,
                    caseworker_id=recording.caseworker_id,
                    language=recording.language,
                    state=recording.state,
                    started_at=recording.started_at,
                    ended_at=None,
                    expires_at=recording.expires_at,
                    deleted_at=None,
                )
            )
            await session.flush()
            for user_id, seat in consents:
                session.add(self._audit_row(recording.id, recording.started_at, user_id, "consented", seat))
            session.add(self._audit_row(recording.id, recording.started_at, None, "started", ""))

    async def get(self, recording_id: str) -> Recording | None:
        async with self._db.sessions() as session:
            row = await session.get(RecordingRow, recording_id)
        return Recording.from_row(row) if row else None

    async def of_organisation(self, organisation_id: str, limit: int) -> list[Recording]:
        return await self._newest(RecordingRow.organisation_id == organisation_id, limit)

    async def of_caseworker(self, caseworker_id: str, limit: int) -> list[Recording]:
        return await self._newest(RecordingRow.caseworker_id == caseworker_id, limit)

    async def _newest(self, condition: Any, limit: int) -> list[Recording]:
        async with self._db.sessions() as session:
            rows = await session.scalars(
                select(RecordingRow).where(condition).order_by(RecordingRow.started_at.desc()).limit(limit)
            )
            return [Recording.from_row(row) for row in rows]

    async def end(self, recording_id: str, at: datetime, by: UserId | None, reason: str) -> bool:
        """Mark it complete once (a second stop changes nothing) and audit who stopped it and why."""
        async with self._db.transaction() as session:
            result = await session.execute(
                update(RecordingRow)
                .where(RecordingRow.id == recording_id, RecordingRow.state == "recording")
                .values(state="complete", ended_at=at)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return False
            session.add(self._audit_row(recording_id, at, by, "stopped", reason))
            return True

    async def add_track(self, track: Track) -> None:
        async with self._db.transaction() as session:
            session.add(
                RecordingTrackRow(
                    id=track.id,
                    recording_id=track.recording_id,
                    seat=track.seat,
                    user_id=track.user_id,
                    key_id=track.key_id,
                    wrapped_key=track.wrapped_key,
                    started_at=track.started_at,
                    ended_at=None,
                    size_bytes=None,
                )
            )
            session.add(
                self._audit_row(
                    track.recording_id, track.started_at, track.user_id, "leg_started", track.seat
                )
            )

    async def track_ended(self, track_id: str, at: datetime, size_bytes: int) -> None:
        async with self._db.transaction() as session:
            await session.execute(
                update(RecordingTrackRow)
                .where(RecordingTrackRow.id == track_id, RecordingTrackRow.ended_at.is_(None))
                .values(ended_at=at, size_bytes=size_bytes)
            )

    async def tracks(self, recording_id: str) -> list[Track]:
        async with self._db.sessions() as session:
            rows = await session.scalars(
                select(RecordingTrackRow)
                .where(RecordingTrackRow.recording_id == recording_id)
                .order_by(RecordingTrackRow.started_at, RecordingTrackRow.id)
            )
            return [Track.from_row(row) for row in rows]

    async def mark_deleted(self, recording_id: str, at: datetime) -> bool:
        """Deleted once; the row and its audit stay, the wrapped keys go (the files are unreadable anyway)."""
        async with self._db.transaction() as session:
            result = await session.execute(
                update(RecordingRow)
                .where(RecordingRow.id == recording_id, RecordingRow.state != "deleted")
                .values(
                    state="deleted", deleted_at=at, ended_at=func.coalesce(RecordingRow.ended_at, _utc(at))
                )
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                return False
            await session.execute(
                update(RecordingTrackRow)
                .where(RecordingTrackRow.recording_id == recording_id)
                .values(wrapped_key=b"", ended_at=func.coalesce(RecordingTrackRow.ended_at, _utc(at)))
            )
            session.add(self._audit_row(recording_id, at, None, "deleted", "retention period over"))
            return True

    async def audit(
        self, recording_id: str, at: datetime, actor: UserId | None, action: str, detail: str = ""
    ) -> None:
        async with self._db.transaction() as session:
            session.add(self._audit_row(recording_id, at, actor, action, detail))

    async def audit_log(self, recording_id: str) -> list[AuditEntry]:
        async with self._db.sessions() as session:
            rows = await session.scalars(
                select(RecordingAuditRow)
                .where(RecordingAuditRow.recording_id == recording_id)
                .order_by(RecordingAuditRow.at, RecordingAuditRow.id)
            )
            return [
                AuditEntry(row.at, UserId(row.actor_id) if row.actor_id else None, row.action, row.detail)
                for row in rows
            ]

    @staticmethod
    def _audit_row(
        recording_id: str, at: datetime, actor: UserId | None, action: str, detail: str
    ) -> RecordingAuditRow:
        return RecordingAuditRow(
            recording_id=recording_id, at=at, actor_id=actor, action=action, detail=detail[:200]
        )
