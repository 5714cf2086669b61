"""The port through which scheduler services ask for timed work, so they never import APScheduler.

The composition root hands services a :class:`Timers` backed by :mod:`scheduler.timed_work`; tests hand
them :class:`RecordingTimers` and fire the effects themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class Timers(Protocol):
    async def schedule(self, kind: str, subject_id: str, run_at: datetime) -> None:
        """Run ``kind``'s effect for ``subject_id`` at ``run_at``; scheduling it again replaces the time."""

    async def cancel(self, kind: str, subject_id: str) -> None:
        """Forget ``kind`` for ``subject_id``; nothing happens when none is scheduled."""


@dataclass
class RecordingTimers:
    """Keeps what was asked, for tests: ``due[(kind, subject_id)]`` is the run time."""

    due: dict[tuple[str, str], datetime] = field(default_factory=dict)

    async def schedule(self, kind: str, subject_id: str, run_at: datetime) -> None:
        self.due[(kind, subject_id)] = run_at

    async def cancel(self, kind: str, subject_id: str) -> None:
        self.due.pop((kind, subject_id), None)

    def of_kind(self, kind: str) -> dict[str, datetime]:
        return {subject: at for (k, subject), at in self.due.items() if k == kind}
