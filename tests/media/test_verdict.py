"""The verdict on a pre-call test's figures: every threshold on both sides, and the advice with it."""

from __future__ import annotations

import pytest

from media.verdict import Assessment, LinkFigures, Verdict, assess


def figures(
    rtt: float | None = 40.0,
    jitter: float | None = 5.0,
    loss: float = 0.0,
    kbps: float = 1200.0,
    packets: int = 500,
) -> LinkFigures:
    return LinkFigures(rtt, jitter, loss, kbps, packets)


@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        (figures(), Assessment(Verdict.GOOD, ("ready",))),
        (figures(rtt=None, jitter=None), Assessment(Verdict.GOOD, ("ready",))),
        (figures(rtt=300, jitter=30, loss=3, kbps=300), Assessment(Verdict.GOOD, ("ready",))),
        (figures(rtt=301), Assessment(Verdict.POOR, ("high_latency",))),
        (figures(jitter=31), Assessment(Verdict.POOR, ("unstable_network",))),
        (figures(loss=3.1), Assessment(Verdict.POOR, ("packet_loss",))),
        (figures(kbps=299), Assessment(Verdict.POOR, ("low_bandwidth",))),
        (
            figures(rtt=400, jitter=50, loss=10, kbps=100),
            Assessment(Verdict.POOR, ("high_latency", "unstable_network", "packet_loss", "low_bandwidth")),
        ),
        (
            figures(rtt=1000, loss=15, kbps=8),
            Assessment(Verdict.POOR, ("high_latency", "packet_loss", "low_bandwidth")),
        ),
        (figures(packets=0), Assessment(Verdict.FAILING, ("no_media",))),
        (figures(kbps=7.9), Assessment(Verdict.FAILING, ("no_media",))),
        (figures(loss=15.1), Assessment(Verdict.FAILING, ("severe_loss",))),
        (figures(rtt=1001), Assessment(Verdict.FAILING, ("very_high_latency",))),
        (
            figures(rtt=2000, loss=50, kbps=0, packets=0),
            Assessment(Verdict.FAILING, ("no_media", "severe_loss", "very_high_latency")),
        ),
    ],
)
def test_the_verdict_and_advice_follow_the_documented_thresholds(
    measured: LinkFigures, expected: Assessment
) -> None:
    assert assess(measured) == expected


@pytest.mark.parametrize(
    "bad",
    [
        {"rtt": -1.0},
        {"jitter": -0.1},
        {"loss": -1.0},
        {"loss": 100.1},
        {"kbps": -1.0},
        {"packets": -1},
    ],
)
def test_impossible_figures_are_refused_on_construction(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message names the field; the type is the contract
        figures(**bad)  # type: ignore[arg-type]
