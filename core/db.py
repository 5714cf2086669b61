"""The async database: one engine per process, chosen by URL (SQLite embedded, PostgreSQL at scale)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Database:
    """Owns the engine and hands out sessions; close it on shutdown."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {}
        if not self.is_sqlite:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def write_transaction(self) -> AsyncIterator[AsyncSession]:
        """A transaction that reads in order to write: on SQLite it holds the write lock from its start.

        A deferred SQLite transaction would read under a shared lock, so two writers could both pass a
        check and then one fail to upgrade its lock. ``BEGIN IMMEDIATE`` as the first statement takes the
        write lock at once, waiting for it up to ``busy_timeout``, and the driver's implicit BEGIN then
        stays out of the way. On PostgreSQL the callers' row or advisory locks queue writers instead.
        """
        async with self.transaction() as session:
            if self.is_sqlite:
                await session.execute(text("BEGIN IMMEDIATE"))
            yield session

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()


def sync_url(url: str) -> str:
    """The same database through a synchronous driver, for libraries that are not async (APScheduler 3)."""
    parsed = make_url(url)
    drivers = {"sqlite": "sqlite", "postgresql": "postgresql+psycopg"}
    backend = parsed.get_backend_name()
    if backend not in drivers:
        raise ValueError(f"no synchronous driver for {backend!r}")
    return parsed.set(drivername=drivers[backend]).render_as_string(hide_password=False)
