"""The matching version: a counter every change to matching facts moves on, in the change's transaction.

Nodes keep interpreters' facts and hours in memory for matching (``scheduler.fact_index``) and reread them
only when this number differs from the one they loaded at, so a profile, exclusion or availability
change is seen by the next match on every node, never a stale one.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from core.models import MatchingVersionRow


async def bump(session: AsyncSession) -> None:
    """Move the version on, inside the caller's write transaction."""
    await session.execute(
        update(MatchingVersionRow)
        .where(MatchingVersionRow.id == 1)
        .values(version=MatchingVersionRow.version + 1)
    )


async def current(conn: AsyncConnection) -> int:
    version = await conn.scalar(select(MatchingVersionRow.version).where(MatchingVersionRow.id == 1))
    return int(version or 0)
