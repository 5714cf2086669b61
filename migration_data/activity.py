"""The service's own activity as a section of the template: interpretation sessions by language and by
reporting authority per month (a regional extension, computed, never submitted).

The facts come through :class:`ActivitySource`, a port the composition root implements from the call
records and bookings (this package does not read them itself). A session counts as the usage report counts
minutes: an on-demand call answered and ended ``completed`` or ``dropped``, in the UTC month it was
answered; a ``completed`` booking, in the UTC month it started. Sessions of organisations whose country is
not a reporting authority (the operator, an office without a country) are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from migration_data.authorities import AUTHORITIES, AuthorityCode
from migration_data.periods import Frequency, Period

FLOW_ID = "REG_INTERPRETING"
TITLE = "Interpretation sessions by language and by authority (regional extension)"
LEGAL_REFERENCE = "regional extension: computed from the service's own call records and bookings"
MEASURES = ("SESSIONS", "MINUTES")


@dataclass(frozen=True)
class InterpretationSession:
    """One interpretation the service provided: its organisation's country, language, month and minutes."""

    country_code: str | None
    language: str
    month: Period
    minutes: int


class ActivitySource(Protocol):
    async def sessions(self, first: Period, last: Period) -> Sequence[InterpretationSession]:
        """Every counted session in the months ``first`` to ``last`` (both monthly, both included)."""
        ...


@dataclass(frozen=True)
class ActivityCell:
    authority: AuthorityCode
    month: Period
    language: str
    sessions: int
    minutes: int


def activity_cells(sessions: Sequence[InterpretationSession]) -> list[ActivityCell]:
    """Sessions and minutes per authority, month and language, ordered so; other organisations left out."""
    totals: dict[tuple[AuthorityCode, Period, str], list[int]] = {}
    for session in sessions:
        if session.country_code not in AUTHORITIES or session.month.frequency is not Frequency.MONTHLY:
            continue
        key = (AuthorityCode(session.country_code), session.month, session.language)
        counted = totals.setdefault(key, [0, 0])
        counted[0] += 1
        counted[1] += session.minutes
    return [
        ActivityCell(authority, month, language, n, minutes)
        for (authority, month, language), (n, minutes) in sorted(totals.items())
    ]
