"""A single-runner lock, so that of several server processes exactly one runs the timed jobs.

The kind follows the configuration, like everything that scales out: a session-level PostgreSQL advisory
lock where the database is PostgreSQL (it dies with its connection, so with its process), else a Redis key
with a token and an expiry where Redis is configured, else an exclusive ``flock`` on a file next to the
SQLite database (two processes on one SQLite file never both run jobs).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import uuid
from pathlib import Path
from typing import Protocol

import asyncpg  # type: ignore[import-untyped]
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

# The advisory lock's key: any fixed 64-bit number; advisory locks are scoped to one database already.
RUNNER_LOCK_KEY = int.from_bytes(hashlib.sha256(b"rris:timed-work-runner").digest()[:8], "big", signed=True)
_PG_TIMEOUT_S = 5.0
_REDIS_TIMEOUT_S = 5.0


class SingleRunnerLock(Protocol):
    """At most one holder at a time among all processes sharing the configuration."""

    async def try_acquire(self) -> bool:
        """Take the lock without waiting; True when this process holds it (also when it already did)."""

    async def renew(self) -> bool:
        """Confirm (and extend, where it expires) the lock; False when it is not, or no longer, held."""

    async def release(self) -> None:
        """Give the lock up if held and free its connection; ``try_acquire`` may be called again later."""


class PostgresAdvisoryLock:
    """``pg_try_advisory_lock`` held by the session of one dedicated connection.

    A session lock lives exactly as long as its connection: when the process dies, the server closes the
    connection and the lock is free at once, with no expiry to wait for.
    """

    def __init__(self, dsn: str, key: int = RUNNER_LOCK_KEY) -> None:
        self._dsn = dsn
        self._key = key
        self._conn: asyncpg.Connection | None = None
        self._held = False

    async def try_acquire(self) -> bool:
        if self._held:
            # A second pg_try_advisory_lock would stack, and one unlock would no longer free it.
            return await self.renew()
        if self._conn is None or self._conn.is_closed():
            self._conn = await asyncpg.connect(self._dsn, timeout=_PG_TIMEOUT_S)
        try:
            self._held = bool(
                await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self._key, timeout=_PG_TIMEOUT_S)
            )
        except BaseException:
            self._drop()
            raise
        return self._held

    async def renew(self) -> bool:
        if not self._held or self._conn is None or self._conn.is_closed():
            self._drop()
            return False
        try:
            await self._conn.fetchval("SELECT 1", timeout=_PG_TIMEOUT_S)
        except Exception:
            # Cannot confirm: drop the connection, which frees the lock on the server if it still had it.
            self._drop()
            return False
        return True

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        held, self._held = self._held, False
        if conn is None or conn.is_closed():
            return
        try:
            if held:
                await conn.execute("SELECT pg_advisory_unlock($1)", self._key, timeout=_PG_TIMEOUT_S)
            await conn.close(timeout=_PG_TIMEOUT_S)
        except Exception:
            conn.terminate()

    def _drop(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            self._conn.terminate()
        self._conn = None
        self._held = False


_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLock:
    """A Redis key holding this holder's random token, with an expiry the holder keeps extending.

    Renewal and release compare the token on the server (Lua), so a holder whose key expired and was taken
    over can neither extend nor delete the new holder's key. A holder that stops renewing loses the lock
    after ``ttl_s``; it must stop running jobs before then (``scheduler.timed_work`` trusts a renewal for
    less than the expiry).
    """

    def __init__(self, url: str, key: str, ttl_s: float = 15.0) -> None:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        self._url = url
        self._key = key
        self._ttl_ms = max(1, int(ttl_s * 1000))
        self.ttl_s = ttl_s
        self._token = uuid.uuid4().hex
        self._redis: Redis | None = None

    def _client(self) -> Redis:
        if self._redis is None:
            # Bounded: a Redis that stops answering must cost a renewal (so the lead), never hang a caller.
            self._redis = Redis.from_url(
                self._url,
                decode_responses=True,
                socket_timeout=_REDIS_TIMEOUT_S,
                socket_connect_timeout=_REDIS_TIMEOUT_S,
            )
        return self._redis

    async def try_acquire(self) -> bool:
        client = self._client()
        if await client.set(self._key, self._token, nx=True, px=self._ttl_ms):
            return True
        return await self.renew()  # ours already (for instance after a renewal that timed out)?

    async def renew(self) -> bool:
        try:
            done = await self._client().eval(_RENEW, 1, self._key, self._token, str(self._ttl_ms))
        except Exception:
            return False  # not confirmed; the key, if still ours, expires by itself
        return bool(done)

    async def release(self) -> None:
        client, self._redis = self._redis, None
        if client is None:
            return
        try:
            await client.eval(_RELEASE, 1, self._key, self._token)
        finally:
            await client.aclose()


class FileLock:
    """An exclusive, non-blocking ``flock`` on a file; the kernel frees it when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    async def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def renew(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor of the open file releases the flock


def lock_for(
    database_url: str, redis_url: str | None, redis_prefix: str, *, ttl_s: float = 15.0
) -> SingleRunnerLock:
    """The lock the configuration calls for; ``ttl_s`` is the Redis key's expiry (unused by the others)."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresAdvisoryLock(url.set(drivername="postgresql").render_as_string(hide_password=False))
    if redis_url:
        return RedisLock(redis_url, f"{redis_prefix}:timed-work:runner", ttl_s)
    if not url.database or url.database == ":memory:":
        raise ValueError("an in-memory SQLite database has no file to lock; timed work needs a file")
    database = Path(url.database)
    return FileLock(database.with_name(database.name + ".runner.lock"))
