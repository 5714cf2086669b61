"""Which sockets belong to which login session and to which user, across nodes.

A logout closes every socket of its session; an event for a person (a booked room opening) reaches every
socket they have open. A node that dies leaves its socket ids behind: sending to one reaches nobody.
"""

from __future__ import annotations

from core.state_store import StateStore


def _key(session_key: str) -> str:
    return f"session-sockets:{session_key}"


def _user_key(user_id: str) -> str:
    return f"user-sockets:{user_id}"


class SessionSockets:
    def __init__(self, store: StateStore) -> None:
        self._store = store

    async def opened(self, session_key: str, sid: str, user_id: str) -> None:
        await self._store.set_add(_key(session_key), sid)
        await self._store.set_add(_user_key(user_id), sid)

    async def closed(self, session_key: str, sid: str, user_id: str) -> None:
        await self._store.set_remove(_key(session_key), sid)
        await self._store.set_remove(_user_key(user_id), sid)

    async def of(self, session_key: str) -> set[str]:
        return await self._store.set_members(_key(session_key))

    async def of_user(self, user_id: str) -> set[str]:
        return await self._store.set_members(_user_key(user_id))
