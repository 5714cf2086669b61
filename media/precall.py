"""Pre-call tests on this node: who started which echo peer, how many may run at once and for how long.

A caseworker, interpreter or coordinator sends their camera and microphone to an :class:`EchoPeer`, sees and
hears them come back, and reads the verdict the server measured. Each test is visible only to whoever started
it, ends on hang-up, on ICE failure or after ``max_lifetime_s``, and a node runs at most ``max_concurrent``
(each re-encodes video: CPU is the limit).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NewType

from core.clock import Clock, TimerHandle
from core.errors import DomainError, InvalidInput, NotFound
from core.tasks import TaskHolder
from media.echo_peer import EchoPeer
from media.verdict import Assessment, LinkFigures, assess

PrecallId = NewType("PrecallId", str)


class PrecallBusy(DomainError):
    """Too many connection tests are running on this server; try again in a minute."""

    code = "precall_busy"


@dataclass(frozen=True)
class PrecallLimits:
    max_concurrent: int = 4
    max_lifetime_s: float = 30.0


@dataclass(frozen=True)
class PrecallReport:
    id: PrecallId
    state: str  # the peer connection's state: new, connecting, connected, failed, closed
    elapsed_s: float
    figures: LinkFigures
    assessment: Assessment
    echoed_frames: Mapping[str, int]


@dataclass
class _Running:
    owner: str
    peer: EchoPeer
    started: float
    timer: TimerHandle | None = None


class PrecallTests:
    def __init__(
        self,
        clock: Clock,
        tasks: TaskHolder,
        limits: PrecallLimits | None = None,
        peer_closed: Callable[[], None] = lambda: None,
    ) -> None:
        self._clock = clock
        self._tasks = tasks
        self.limits = limits or PrecallLimits()
        self._peer_closed = peer_closed  # media.memory.FreedMemory: give the test's codec memory back
        self._running: dict[PrecallId, _Running] = {}

    @property
    def running(self) -> int:
        return len(self._running)

    async def start(
        self, owner: str, offer_sdp: str, ice_servers: Iterable[Mapping[str, Any]] = ()
    ) -> tuple[PrecallId, str]:
        """A new test answering ``offer_sdp``: its id and the answer SDP. A refused offer leaves nothing."""
        if len(self._running) >= self.limits.max_concurrent:
            raise PrecallBusy()
        test_id = PrecallId(secrets.token_urlsafe(16))
        peer = EchoPeer(self._clock, ice_servers, on_failed=lambda: self._end_later(test_id))
        # The slot is taken before the first await, so concurrent starts cannot pass the limit together.
        self._running[test_id] = _Running(owner, peer, self._clock.monotonic())
        try:
            answer = await peer.answer(offer_sdp)
        except Exception as exc:  # aiortc raises many kinds on a malformed offer; all mean "bad input"
            self._running.pop(test_id, None)
            await peer.close()
            raise InvalidInput("sdp: not a usable WebRTC offer with audio or video") from exc
        running = self._running.get(test_id)
        if running is None:  # closed meanwhile (shutdown)
            await peer.close()
            raise NotFound()
        running.timer = self._clock.call_later(self.limits.max_lifetime_s, lambda: self._end_later(test_id))
        return test_id, answer

    async def report(self, owner: str, test_id: str) -> PrecallReport:
        running = self._owned(owner, test_id)
        figures = await running.peer.figures()
        return PrecallReport(
            PrecallId(test_id),
            running.peer.state,
            round(self._clock.monotonic() - running.started, 1),
            figures,
            assess(figures),
            dict(running.peer.echoed),
        )

    async def end(self, owner: str, test_id: str) -> None:
        self._owned(owner, test_id)
        await self._end(PrecallId(test_id))

    async def close(self) -> None:
        """Ends every test (shutdown)."""
        for test_id in list(self._running):
            await self._end(test_id)

    def _owned(self, owner: str, test_id: str) -> _Running:
        running = self._running.get(PrecallId(test_id))
        if running is None or running.owner != owner:
            raise NotFound("no such connection test")
        return running

    def _end_later(self, test_id: PrecallId) -> None:
        self._tasks.spawn(self._end(test_id))

    async def _end(self, test_id: PrecallId) -> None:
        running = self._running.pop(test_id, None)
        if running is None:
            return
        if running.timer is not None:
            running.timer.cancel()
        await running.peer.close()
        self._peer_closed()
