"""Which sockets belong to which login session, across nodes, so a logout can close them all."""

from __future__ import annotations

from core.state_store import StateStore


def _key(session_key: str) -> str:
    return f"session-sockets:{session_key}"


class SessionSockets:
    def __init__(self, store: StateStore) -> None:
        self._store = store

    async def opened(self, session_key: str, sid: str) -> None:
        await self._store.set_add(_key(session_key), sid)

    async def closed(self, session_key: str, sid: str) -> None:
        await self._store.set_remove(_key(session_key), sid)

    async def of(self, session_key: str) -> set[str]:
        return await self._store.set_members(_key(session_key))
