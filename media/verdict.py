"""What a pre-call test's link figures mean for a conversation: good, poor or failing, and advice.

A pure function of the measured figures, so it is tested as a table. Advice comes as stable codes the client
translates (``precall.advice.<code>`` in the interface catalogues).

Thresholds, and why:

* **failing** — the conversation cannot happen: no media came back (``no_media``: under 8 kbit/s, less than
  one Opus voice stream, or no packet at all), loss above 15 % (``severe_loss``: speech breaks up into
  syllables), or a round trip above 1000 ms (``very_high_latency``: people talk over each other and the
  interpreter cannot follow turns).
* **poor** — audio will work but video will stutter or lag: round trip above 300 ms (``high_latency``,
  ITU-T G.114's limit for interactive speech), jitter above 30 ms (``unstable_network``), loss above 3 %
  (``packet_loss``), or under 300 kbit/s received (``low_bandwidth``, too little for usable video; audio only
  is advised).
* **good** — none of the above (``ready``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    GOOD = "good"
    POOR = "poor"
    FAILING = "failing"


# A figure strictly above its limit (below, for bitrate) triggers the advice named in the module docstring.
FAILING_BITRATE_KBPS = 8.0
FAILING_LOSS_PCT = 15.0
FAILING_RTT_MS = 1000.0
POOR_RTT_MS = 300.0
POOR_JITTER_MS = 30.0
POOR_LOSS_PCT = 3.0
POOR_BITRATE_KBPS = 300.0


@dataclass(frozen=True)
class LinkFigures:
    """What the server measured on its side of a pre-call test; ``None``: not measured yet."""

    rtt_ms: float | None
    jitter_ms: float | None
    loss_pct: float
    bitrate_kbps: float
    packets_received: int

    def __post_init__(self) -> None:
        for name in ("rtt_ms", "jitter_ms"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} cannot be negative")
        if not 0 <= self.loss_pct <= 100:
            raise ValueError("loss_pct is a percentage")
        if self.bitrate_kbps < 0 or self.packets_received < 0:
            raise ValueError("bitrate_kbps and packets_received cannot be negative")


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    advice: tuple[str, ...]


def assess(figures: LinkFigures) -> Assessment:
    """The verdict and every piece of advice that applies, most serious first."""
    failing: list[str] = []
    if figures.packets_received == 0 or figures.bitrate_kbps < FAILING_BITRATE_KBPS:
        failing.append("no_media")
    if figures.loss_pct > FAILING_LOSS_PCT:
        failing.append("severe_loss")
    if figures.rtt_ms is not None and figures.rtt_ms > FAILING_RTT_MS:
        failing.append("very_high_latency")
    if failing:
        return Assessment(Verdict.FAILING, tuple(failing))
    poor: list[str] = []
    if figures.rtt_ms is not None and figures.rtt_ms > POOR_RTT_MS:
        poor.append("high_latency")
    if figures.jitter_ms is not None and figures.jitter_ms > POOR_JITTER_MS:
        poor.append("unstable_network")
    if figures.loss_pct > POOR_LOSS_PCT:
        poor.append("packet_loss")
    if figures.bitrate_kbps < POOR_BITRATE_KBPS:
        poor.append("low_bandwidth")
    if poor:
        return Assessment(Verdict.POOR, tuple(poor))
    return Assessment(Verdict.GOOD, ("ready",))
