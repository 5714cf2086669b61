"""The call domain with a fake clock and a notifier that records what it would send."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.accounts import Principal
from core.clock import FakeClock
from rris.services import Services
from tests.support.world import World


@dataclass
class RecordingNotifier:
    sent: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    async def send(self, sid: str, event: str, payload: dict[str, Any]) -> None:
        self.sent.append((sid, event, payload))

    def to(self, sid: str, event: str | None = None) -> list[dict[str, Any]]:
        return [p for s, e, p in self.sent if s == sid and (event is None or e == event)]

    def events_to(self, sid: str) -> list[str]:
        return [e for s, e, _ in self.sent if s == sid]


@dataclass
class Domain:
    services: Services
    clock: FakeClock
    notes: RecordingNotifier
    world: World

    async def who(self, username: str) -> Principal:
        principal = await self.services.accounts.principal(self.world.id(username))
        assert principal is not None
        return principal

    async def advance(self, seconds: float) -> None:
        """Move time on, and let every timer's work finish."""
        self.clock.advance(seconds)
        await self.services.tasks.drain()
