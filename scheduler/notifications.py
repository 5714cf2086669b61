"""Messages the service owes people (reminders, rooms opening, no-shows): stored once, pushed if online.

A row is unique per user, kind and subject, so a timed effect that runs twice (two nodes, a retry after a
crash) still leaves one message, and only the first run pushes it. Bodies carry ids, times and language
tags: never names or anything said about an applicant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.clock import Clock
from core.db import Database
from core.ids import UserId
from core.models import NotificationRow

MAX_LISTED = 200


class Pusher(Protocol):
    """Delivers an event to every open socket of a user now; the transport implements it."""

    async def push(self, user_id: UserId, event: str, payload: dict[str, Any]) -> None: ...


class NoPusher:
    async def push(self, user_id: UserId, event: str, payload: dict[str, Any]) -> None:
        return None


@dataclass(frozen=True)
class Notification:
    id: int
    user_id: UserId
    kind: str
    subject_id: str
    body: dict[str, Any]
    created_at: datetime


class Notifications:
    def __init__(self, db: Database, clock: Clock, pusher: Pusher | None = None) -> None:
        self._db = db
        self._clock = clock
        self.pusher: Pusher = pusher or NoPusher()

    async def send(self, user_id: UserId, kind: str, subject_id: str, body: dict[str, Any]) -> bool:
        """Store the message and push it; False (and no push) when it was already sent."""
        row = NotificationRow(
            user_id=user_id,
            kind=kind,
            subject_id=subject_id,
            body=json.dumps(body, sort_keys=True),
            created_at=self._clock.now(),
        )
        try:
            async with self._db.transaction() as session:
                session.add(row)
        except IntegrityError:
            return False
        await self.pusher.push(user_id, "notification", {"kind": kind, "subject_id": subject_id, **body})
        return True

    async def for_user(self, user_id: UserId, limit: int = 50) -> list[Notification]:
        """The user's own messages, newest first."""
        query = (
            select(NotificationRow)
            .where(NotificationRow.user_id == user_id)
            .order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc())
            .limit(min(limit, MAX_LISTED))
        )
        async with self._db.sessions() as session:
            rows = (await session.scalars(query)).all()
        return [
            Notification(r.id, UserId(r.user_id), r.kind, r.subject_id, json.loads(r.body), r.created_at)
            for r in rows
        ]
