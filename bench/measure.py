"""What every benchmark here measures with: a monotonic clock in seconds, and percentiles of samples."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass


def now() -> float:
    return time.perf_counter()


def ms(seconds: float) -> float:
    return seconds * 1000.0


def percentile(samples: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * pct / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Stats:
    p50: float
    p95: float
    p99: float
    max: float
    count: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        return cls(
            percentile(samples, 50),
            percentile(samples, 95),
            percentile(samples, 99),
            max(samples),
            len(samples),
        )
