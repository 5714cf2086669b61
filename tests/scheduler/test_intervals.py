"""UTC intervals: half-open, never empty, and merged or cut without losing or inventing an instant."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInput
from scheduler.intervals import Interval, covers, merge, subtract


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, 5, hour, minute, tzinfo=UTC)


def iv(start: int, end: int) -> Interval:
    return Interval(at(start), at(end))


def test_an_aware_interval_is_kept_in_utc() -> None:
    skopje = ZoneInfo("Europe/Skopje")
    interval = Interval(datetime(2026, 1, 5, 9, tzinfo=skopje), datetime(2026, 1, 5, 10, tzinfo=skopje))
    assert interval == iv(8, 9)
    assert interval.start_utc.tzinfo is UTC
    assert interval.duration == timedelta(hours=1)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(9), at(9)),
        (at(10), at(9)),
        (datetime(2026, 1, 5, 9), at(10)),
        (at(9), datetime(2026, 1, 5, 10)),
    ],
)
def test_empty_backward_or_naive_intervals_are_refused(start: datetime, end: datetime) -> None:
    with pytest.raises(InvalidInput):
        Interval(start, end)


def test_the_end_is_not_part_of_the_interval() -> None:
    assert iv(8, 9).contains(at(8))
    assert not iv(8, 9).contains(at(9))
    assert not iv(8, 9).overlaps(iv(9, 10))
    assert iv(8, 10).overlaps(iv(9, 11))
    assert iv(8, 12).covers(iv(9, 10))
    assert not iv(9, 10).covers(iv(8, 12))


def test_intersection_and_padding() -> None:
    assert iv(8, 10).intersection(iv(9, 11)) == iv(9, 10)
    assert iv(8, 9).intersection(iv(9, 10)) is None
    assert iv(9, 10).padded(timedelta(minutes=15), timedelta(minutes=30)) == Interval(at(8, 45), at(10, 30))
    with pytest.raises(InvalidInput):
        iv(9, 10).padded(before=timedelta(minutes=-1))


def test_merge_joins_overlapping_and_back_to_back_intervals() -> None:
    assert merge([iv(13, 14), iv(8, 10), iv(9, 11), iv(11, 12), iv(15, 16), iv(15, 16)]) == [
        iv(8, 12),
        iv(13, 14),
        iv(15, 16),
    ]
    assert merge([]) == []


def test_subtract_cuts_out_the_removed_time() -> None:
    assert subtract([iv(8, 12), iv(13, 17)], [iv(9, 10), iv(11, 14), iv(16, 18)]) == [
        iv(8, 9),
        iv(10, 11),
        iv(14, 16),
    ]
    assert subtract([iv(8, 12)], []) == [iv(8, 12)]
    assert subtract([iv(8, 12)], [iv(7, 13)]) == []


def test_covers_needs_one_piece_holding_all_of_it() -> None:
    assert covers([iv(8, 10), iv(10, 12)], iv(9, 11))
    assert not covers([iv(8, 10), iv(11, 12)], iv(9, 11))


intervals = st.tuples(st.integers(0, 23), st.integers(1, 6)).map(
    lambda p: Interval(at(p[0]), at(p[0]) + timedelta(hours=p[1]))
)


@settings(deadline=None, database=None)
@given(st.lists(intervals), st.lists(intervals), st.integers(0, 28 * 60))
def test_subtract_keeps_exactly_the_instants_of_base_outside_removed(
    base: list[Interval], removed: list[Interval], minute: int
) -> None:
    remaining = subtract(base, removed)
    assert all(earlier.end_utc < later.start_utc for earlier, later in itertools.pairwise(remaining))
    instant = at(0) + timedelta(minutes=minute)
    in_base = any(i.contains(instant) for i in base)
    in_removed = any(i.contains(instant) for i in removed)
    assert any(i.contains(instant) for i in remaining) is (in_base and not in_removed)
