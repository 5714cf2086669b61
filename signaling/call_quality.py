"""Call quality telemetry: a 0-100 score per participant per interval, a bounded series per call, and when
to tell the participants that a link is poor (and that it recovered).

Clients send a summary of their ``getStats()`` (round-trip time, jitter, loss, received bitrate, frames);
nothing of the media itself ever reaches the server. The series lives in the shared
:class:`~core.state_store.StateStore` (one document per call, ``quality:<call_id>``), so any node can add
to it and the coordinators' board (:mod:`signaling.live_board`) can read the latest scores.

The score is E-model-like (ITU-T G.107, simplified): a rating R starts at 93.2 and loses a delay
impairment and a loss impairment; loss weighs most::

    delay_ms = rtt_ms / 2 + 2 * jitter_ms + 10                       (one-way, jitter buffer, codec)
    Id       = delay_ms / 40                 if delay_ms < 160
             = 4 + (delay_ms - 160) / 10     otherwise
    Ie       = 95 * loss_pct / (loss_pct + 10)                       (Opus with in-band FEC)
    R        = 93.2 - Id - Ie
    audio    = 100 * R / 93.2

While video is sent (``audio_only`` false), a received bitrate under 150 kbps costs up to 15 points and
under 15 frames per second up to 10. The score is clamped to 0..100. So 0 % loss at 50 ms and 10 ms
jitter scores 98; 3 % loss 76; 10 % loss 49.

A link is *poor* once 3 consecutive scores are under 60, and stays poor until 3 consecutive scores are
75 or more (*recovered*); otherwise it is *fair* under 75 and *good* from 75.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from core.accounts import Principal
from core.clock import Clock
from core.errors import Conflict, DomainError
from core.logging import log_event
from core.state_store import Document, StateStore
from signaling.call_documents import others, read_call, role_in
from signaling.live import update
from signaling.states import CallState

log = logging.getLogger("rris.quality")

SERIES_LENGTH = 120  # intervals kept per participant (10 minutes at one summary per 5 s)
MIN_INTERVAL_S = 2.0  # at most one summary per participant per this many seconds
POOR_BELOW = 60
RECOVERED_FROM = 75
CONSECUTIVE = 3
GOOD, FAIR, POOR = "good", "fair", "poor"


class Notifier(Protocol):
    async def send(self, sid: str, event: str, payload: dict[str, Any]) -> None: ...


class TooFrequent(DomainError):
    """Quality summaries come at most once every 2 seconds per participant; this one was ignored."""

    code = "too_frequent"


@dataclass(frozen=True)
class Summary:
    """One interval of a client's ``getStats()``, as the protocol model validated it."""

    rtt_ms: float
    jitter_ms: float
    loss_pct: float
    bitrate_kbps: float
    audio_only: bool
    frames_per_s: float | None = None


def score(summary: Summary) -> int:
    """The interval's quality, 0 (unusable) to 100 (perfect); the formula is in the module docstring."""
    delay = summary.rtt_ms / 2 + 2 * summary.jitter_ms + 10
    delay_impairment = delay / 40 if delay < 160 else 4 + (delay - 160) / 10
    loss = max(0.0, summary.loss_pct)
    loss_impairment = 95 * loss / (loss + 10)
    value = 100 * (93.2 - delay_impairment - loss_impairment) / 93.2
    if not summary.audio_only:
        value -= 15 * max(0.0, 150 - summary.bitrate_kbps) / 150
        if summary.frames_per_s is not None:
            value -= 10 * max(0.0, 15 - summary.frames_per_s) / 15
    return max(0, min(100, round(value)))


def level_after(previous: str, scores: list[int]) -> str:
    """The link's level given its level so far and its scores, latest last (the poor/recovered rule)."""
    recent = scores[-CONSECUTIVE:]
    full = len(recent) == CONSECUTIVE
    if previous == POOR:
        return GOOD if full and all(s >= RECOVERED_FROM for s in recent) else POOR
    if full and all(s < POOR_BELOW for s in recent):
        return POOR
    return GOOD if not scores or scores[-1] >= RECOVERED_FROM else FAIR


def advice_for(previous: str, level: str) -> str | None:
    """What a client should do about a change of level: stop video when poor, resume it on recovery."""
    if level == POOR:
        return "audio_only"
    if previous == POOR:
        return "video_ok"
    return None


def quality_key(call_id: str) -> str:
    return f"quality:{call_id}"


def latest_scores(series: Document | None) -> dict[str, int]:
    """Each participant's latest score, by role, from a call's quality document."""
    if not series:
        return {}
    return {role: link["scores"][-1] for role, link in sorted(series.items()) if link.get("scores")}


class CallQuality:
    """Takes the participants' summaries, keeps the series, and tells both sides when a level changes."""

    def __init__(self, store: StateStore, notifier: Notifier, clock: Clock) -> None:
        self._store = store
        self._notify = notifier
        self._clock = clock

    async def report(self, who: Principal, call_id: str, summary: Summary) -> dict[str, Any]:
        """Add one interval of ``who``'s link; only a participant of an active call, once per 2 s."""
        call = await read_call(self._store, call_id)
        role = role_in(call, who.user_id)
        if call["state"] != CallState.ACTIVE:
            raise Conflict("the call is not active")
        now = self._clock.now().timestamp()
        value = score(summary)
        key = quality_key(call_id)
        await self._store.create(key, {})

        def change(series: Document) -> Document:
            link = series.get(role) or {"scores": [], "level": GOOD, "at": None}
            if link["at"] is not None and now - link["at"] < MIN_INTERVAL_S:
                raise TooFrequent()
            scores = [*link["scores"], value][-SERIES_LENGTH:]
            level = level_after(link["level"], scores)
            return series | {role: {"scores": scores, "level": level, "at": now}}

        old, entry = await update(self._store, key, change, "no such call")
        before = (old.get(role) or {}).get("level", GOOD)
        after = entry.value[role]["level"]
        if before != after:
            message = {
                "call_id": call_id,
                "role": role,
                "score": value,
                "level": after,
                "advice": advice_for(before, after),
            }
            log_event(log, "call.quality", call_id=call_id, role=role, level=after, score=value)
            for seat in (role, *others(call, role)):
                sid = call.get(f"{seat}_sid")
                if sid:
                    await self._notify.send(sid, "call:quality", message)
        return {"score": value}

    async def forget(self, call_id: str) -> None:
        """Drop a call's series (the call ended)."""
        await self._store.delete(quality_key(call_id))
