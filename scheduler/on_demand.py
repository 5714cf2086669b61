"""On-demand routing's view of the matcher, cached briefly per node.

Every ring step asks who may be rung; the answer changes only when a profile, an exclusion list or a
booked session changes, so a node reuses it for ``ttl_s`` seconds. A change shows on every node within
that time; presence (who is on standby right now) is never cached, the signalling server reads it live.
"""

from __future__ import annotations

from core.clock import Clock
from core.ids import OrganisationId, UserId
from core.interpreters import Gender
from core.languages import LanguageTag
from scheduler.matcher import Matcher

MAX_ENTRIES = 1024


class OnDemandCandidates:
    def __init__(self, matcher: Matcher, clock: Clock, ttl_s: float = 10.0) -> None:
        self._matcher = matcher
        self._clock = clock
        self._ttl_s = ttl_s
        self._cache: dict[tuple[str, str, str | None], tuple[float, list[UserId]]] = {}

    async def on_demand(
        self, organisation_id: OrganisationId, language: LanguageTag, gender: Gender | None, /
    ) -> list[UserId]:
        key = (organisation_id, language.tag, gender.value if gender else None)
        now = self._clock.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return list(cached[1])
        found = await self._matcher.on_demand(organisation_id, language, gender)
        if len(self._cache) >= MAX_ENTRIES:
            self._cache.clear()
        self._cache[key] = (now + self._ttl_s, found)
        return list(found)

    def forget(self) -> None:
        """Drop this node's answers at once (after a change made on this node)."""
        self._cache.clear()
