"""Counting rows, the usual proof that a refused request wrote nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import Database


async def count_rows(db: Database, table: type) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)
