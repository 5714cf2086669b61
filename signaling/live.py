"""Compare-and-set updates of live documents, retried when another event or node got there first."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

from core.errors import Conflict, NotFound
from core.state_store import Document, Entry, StateStore

MAX_CAS_ATTEMPTS = 64
_BACKOFF_BASE_S = 0.0005
_BACKOFF_CAP_S = 0.02


async def update(
    store: StateStore, key: str, change: Callable[[Document], Document], missing: str = "not found"
) -> tuple[Document, Entry]:
    """Apply ``change`` to the document at ``key`` atomically; returns (old value, new entry).

    ``change`` gets a copy and may raise a domain error to refuse; it is re-run on a lost race. Lost
    races back off with jitter (capped exponential), so many writers on one key all get through
    instead of colliding in lockstep.
    """
    for attempt in range(MAX_CAS_ATTEMPTS):
        entry = await store.get(key)
        if entry is None:
            raise NotFound(missing)
        new_value = change(dict(entry.value))
        written = await store.replace(key, entry, new_value)
        if written is not None:
            return entry.value, written
        await asyncio.sleep(random.uniform(0, min(_BACKOFF_CAP_S, _BACKOFF_BASE_S * 2**attempt)))
    raise Conflict("too much contention; try again")
