"""Live state shared by every signalling node: JSON documents with compare-and-set, and sets.

In-process for the embedded default; Redis when several nodes serve the same calls. Every change of
live call or presence state is a compare-and-set, so two nodes (or two events) can never both win.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol, cast

from redis.asyncio import Redis

Document = dict[str, Any]


@dataclass(frozen=True)
class Entry:
    """A document and the exact stored text it was read from, which is the compare-and-set token.

    ``value`` may be shared with the store's own copy: read it, copy it to change it, never mutate it.
    """

    value: Document
    token: str


def _encode(value: Document) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


class StateStore(Protocol):
    async def get(self, key: str) -> Entry | None: ...

    async def get_many(self, keys: list[str]) -> list[Entry | None]: ...

    async def create(self, key: str, value: Document) -> Entry | None:
        """Store ``value`` only if ``key`` is absent; None when it already exists."""
        ...

    async def replace(self, key: str, expected: Entry, value: Document) -> Entry | None:
        """Store ``value`` only if ``key`` still holds ``expected``; None when it changed."""
        ...

    async def delete(self, key: str, expected: Entry | None = None) -> bool: ...

    async def set_add(self, key: str, member: str) -> None: ...

    async def set_remove(self, key: str, member: str) -> None: ...

    async def set_members(self, key: str) -> set[str]: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


class MemoryStateStore:
    """One process's state; operations are atomic because they never await between read and write.

    Documents are kept as the same JSON text Redis would hold and, decoded once at write time, as the
    value every read hands out: reads (one per relayed message) cost no decoding.
    """

    def __init__(self) -> None:
        self._docs: dict[str, Entry] = {}
        self._sets: dict[str, set[str]] = {}

    @staticmethod
    def _entry(value: Document) -> Entry:
        raw = _encode(value)
        return Entry(json.loads(raw), raw)  # decoded as Redis would hand it back (enums as strings)

    async def get(self, key: str) -> Entry | None:
        return self._docs.get(key)

    async def get_many(self, keys: list[str]) -> list[Entry | None]:
        return [self._docs.get(k) for k in keys]

    async def create(self, key: str, value: Document) -> Entry | None:
        if key in self._docs:
            return None
        entry = self._docs[key] = self._entry(value)
        return entry

    async def replace(self, key: str, expected: Entry, value: Document) -> Entry | None:
        current = self._docs.get(key)
        if current is None or current.token != expected.token:
            return None
        entry = self._docs[key] = self._entry(value)
        return entry

    async def delete(self, key: str, expected: Entry | None = None) -> bool:
        current = self._docs.get(key)
        if current is None or (expected is not None and current.token != expected.token):
            return False
        del self._docs[key]
        return True

    async def set_add(self, key: str, member: str) -> None:
        self._sets.setdefault(key, set()).add(member)

    async def set_remove(self, key: str, member: str) -> None:
        self._sets.get(key, set()).discard(member)

    async def set_members(self, key: str) -> set[str]:
        return set(self._sets.get(key, ()))

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None


_REPLACE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
_DELETE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisStateStore:
    """The same contract over Redis; compare-and-set runs as a Lua script, atomically on the server."""

    def __init__(self, url: str, prefix: str = "rris:") -> None:
        self._redis: Redis = Redis.from_url(url, decode_responses=True)
        self._prefix = prefix
        self._replace = self._redis.register_script(_REPLACE)
        self._delete = self._redis.register_script(_DELETE)

    def _k(self, key: str) -> str:
        return self._prefix + key

    async def get(self, key: str) -> Entry | None:
        raw = cast(str | None, await self._redis.get(self._k(key)))
        return Entry(json.loads(raw), raw) if raw is not None else None

    async def get_many(self, keys: list[str]) -> list[Entry | None]:
        if not keys:
            return []
        raws = cast(list[str | None], await self._redis.mget([self._k(k) for k in keys]))
        return [Entry(json.loads(r), r) if r is not None else None for r in raws]

    async def create(self, key: str, value: Document) -> Entry | None:
        raw = _encode(value)
        created = await self._redis.set(self._k(key), raw, nx=True)
        return Entry(json.loads(raw), raw) if created else None

    async def replace(self, key: str, expected: Entry, value: Document) -> Entry | None:
        raw = _encode(value)
        done = await self._replace(keys=[self._k(key)], args=[expected.token, raw])
        return Entry(json.loads(raw), raw) if done else None

    async def delete(self, key: str, expected: Entry | None = None) -> bool:
        if expected is None:
            return bool(await self._redis.delete(self._k(key)))
        return bool(await self._delete(keys=[self._k(key)], args=[expected.token]))

    async def set_add(self, key: str, member: str) -> None:
        await self._redis.sadd(self._k(key), member)

    async def set_remove(self, key: str, member: str) -> None:
        await self._redis.srem(self._k(key), member)

    async def set_members(self, key: str) -> set[str]:
        return cast(set[str], await self._redis.smembers(self._k(key)))

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()
