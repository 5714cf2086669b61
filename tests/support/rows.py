"""Counting rows, the usual proof that a refused request wrote nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from core.db import Database
from core.models import UserRow


async def count_rows(db: Database, table: type) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


def user_row(user_id: str, organisation_id: str, role: str, created_at: datetime) -> UserRow:
    """A user written directly as a row (no password: ``-`` matches no hash), named by their id."""
    return UserRow(
        id=user_id,
        organisation_id=organisation_id,
        username=user_id,
        display_name=user_id,
        password_hash="-",
        role=role,
        active=True,
        created_at=created_at,
    )
