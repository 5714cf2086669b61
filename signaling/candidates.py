"""Who may be rung for an on-demand request: the port signalling asks, and an adapter over the directory.

Eligibility (language, the organisation served, gender, the organisation's exclusions, a booked session held
right now) is the matcher's question, answered the same way for bookings and on-demand calls; signalling
only keeps presence and the order of ringing (:mod:`signaling.matching`). The scheduler may not be imported
here, so the composition root plugs its matcher in through :class:`CandidateSource`.
"""

from __future__ import annotations

from typing import Protocol

from core.ids import OrganisationId, UserId
from core.interpreters import Gender, InterpreterDirectory
from core.languages import LanguageTag


class CandidateSource(Protocol):
    async def on_demand(
        self, organisation_id: OrganisationId, language: LanguageTag, gender: Gender | None, /
    ) -> list[UserId]:
        """The interpreters who may take this request now, before presence is considered; any order.

        Asked before every ring, so it should answer from a cache on the hot path.
        """
        ...


class DirectoryCandidates:
    """A :class:`CandidateSource` from interpreter profiles alone: language, organisation served, gender."""

    def __init__(self, directory: InterpreterDirectory) -> None:
        self._directory = directory

    async def on_demand(
        self, organisation_id: OrganisationId, language: LanguageTag, gender: Gender | None, /
    ) -> list[UserId]:
        return [c.user_id for c in await self._directory.candidates(language, organisation_id, gender)]
