"""A small booking world written as rows (two offices, caseworkers, three interpreters) on SQLite or the real
PostgreSQL, and the snapshots that prove a refused write changed nothing: shared by the booking tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core.clock import FakeClock
from core.db import Database
from core.ids import OrganisationId, UserId
from core.migrate import upgrade
from core.models import BookingRow, InterpreterAssignmentRow, OrganisationRow
from scheduler.bookings import BookingRequest, BookingService
from tests.support.external import fresh_postgres_database
from tests.support.rows import user_row

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
DAY = datetime(2026, 3, 3, tzinfo=UTC)  # the day the tests book, tomorrow by the fake clock
OFFICE = OrganisationId("office")
OTHER_OFFICE = OrganisationId("other-office")
CASEWORKER = UserId("cw")
OTHER_CASEWORKER = UserId("cw2")
ELSEWHERE_CASEWORKER = UserId("cw-elsewhere")
INTERPRETERS = (UserId("int1"), UserId("int2"), UserId("int3"))
INT1, INT2, _ = INTERPRETERS


def at(hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


NINE = at(9)


def request(
    start: datetime = NINE,
    end: datetime | None = None,
    *,
    language: str = "ps-AF",
    caseworker: UserId = CASEWORKER,
    organisation: OrganisationId = OFFICE,
    modality: str = "video",
) -> BookingRequest:
    return BookingRequest.parse(
        organisation, caseworker, language, start, end or start + timedelta(hours=1), modality
    )


async def seed(db: Database) -> None:
    """Two offices, their caseworkers and three interpreters, written directly as rows."""
    async with db.transaction() as session:
        if await session.get(OrganisationRow, OFFICE) is not None:
            return
        for org in (OFFICE, OTHER_OFFICE):
            session.add(OrganisationRow(id=org, name=org, kind="authority", created_at=NOW))
        await session.flush()
        people = [(CASEWORKER, OFFICE, "caseworker"), (OTHER_CASEWORKER, OFFICE, "caseworker")]
        people += [(ELSEWHERE_CASEWORKER, OTHER_OFFICE, "caseworker")]
        people += [(uid, OTHER_OFFICE, "interpreter") for uid in INTERPRETERS]
        for uid, org, role in people:
            session.add(user_row(uid, org, role, NOW))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bookings.sqlite3'}"
        return
    async with fresh_postgres_database() as url:
        yield url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await upgrade(database)
    await seed(database)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def bookings(db: Database, clock: FakeClock) -> BookingService:
    return BookingService(db, clock)


Snapshot = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


async def snapshot(db: Database) -> Snapshot:
    """Every booking and assignment row, to prove a refused operation changed nothing."""
    async with db.sessions() as session:
        rows = (await session.execute(select(BookingRow.__table__).order_by(BookingRow.id))).all()
        held = (
            await session.execute(
                select(InterpreterAssignmentRow.__table__).order_by(InterpreterAssignmentRow.id)
            )
        ).all()
    return [tuple(r) for r in rows], [tuple(r) for r in held]


async def active_rows(db: Database) -> list[tuple[str, str, datetime, datetime]]:
    query = (
        select(
            InterpreterAssignmentRow.interpreter_id,
            InterpreterAssignmentRow.booking_id,
            InterpreterAssignmentRow.start_at,
            InterpreterAssignmentRow.end_at,
        )
        .where(InterpreterAssignmentRow.active.is_(True))
        .order_by(InterpreterAssignmentRow.interpreter_id, InterpreterAssignmentRow.start_at)
    )
    async with db.sessions() as session:
        return [(i, b, s, e) for i, b, s, e in (await session.execute(query)).all()]
