"""Ranking of free interpreters for an on-demand request: least recently busy first."""

from __future__ import annotations

from datetime import datetime

from core.ids import UserId
from signaling.presence import Presence
from signaling.states import PresenceState

_NEVER = datetime.min.isoformat()


def rank_free_interpreters(user_ids: list[UserId], presences: list[Presence | None]) -> list[Presence]:
    """Those of ``user_ids`` on standby, ordered so the one idle longest is rung first.

    Never busy since going online ranks first; ties go to whoever has been on standby longest.
    """
    free = [p for p in presences if p is not None and p.state == PresenceState.STANDBY]
    return sorted(
        free,
        key=lambda p: (
            p.last_busy_at.isoformat() if p.last_busy_at else _NEVER,
            p.since.isoformat(),
            p.user_id,
        ),
    )
