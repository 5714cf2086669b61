"""Workload limits and fair-rotation load over held time, as the matcher weighs its candidates.

:func:`loads_within_limits` judges only the held time near a booking and works out once per zone whether
the booking alone breaks a limit; both shortcuts must leave every answer as :func:`breaches` on all the
held time of the week would give it, with the same minutes booked.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from core.ids import UserId
from scheduler.commitments import Commitments, loads_within_limits
from scheduler.intervals import Interval
from scheduler.workload import WorkloadLimits, breaches

MONDAY = datetime(2026, 3, 23, tzinfo=UTC)  # Europe changes clocks on the Sunday after
WEEK = Interval(MONDAY, MONDAY + timedelta(days=7))
ZONES: list[tzinfo] = [UTC, ZoneInfo("Europe/Belgrade"), ZoneInfo("America/Toronto"), ZoneInfo("Asia/Kabul")]
quarters = st.integers(0, 4 * 24 * 12).map(lambda q: MONDAY - timedelta(days=3) + timedelta(minutes=15 * q))
lengths = st.integers(1, 40).map(lambda q: timedelta(minutes=15 * q))
limits = st.builds(
    WorkloadLimits,
    buffer=st.sampled_from([timedelta(0), timedelta(minutes=10)]),
    daily_cap=st.sampled_from([timedelta(hours=4), timedelta(hours=6)]),
    max_continuous=st.sampled_from([timedelta(hours=2), timedelta(hours=3)]),
    rest=st.sampled_from([timedelta(minutes=15), timedelta(minutes=30)]),
)


@st.composite
def held_time(draw: st.DrawFn) -> list[tuple[datetime, datetime]]:
    """One interpreter's held bookings: never overlapping, as the booking store keeps them."""
    taken: list[Interval] = []
    for start, length in draw(st.lists(st.tuples(quarters, lengths), max_size=12)):
        candidate = Interval(start, start + length)
        if not any(candidate.overlaps(other) for other in taken):
            taken.append(candidate)
    return [(i.start_utc, i.end_utc) for i in taken]


def _week_minutes(held: list[tuple[datetime, datetime]]) -> int:
    pieces = (Interval(s, e).intersection(WEEK) for s, e in held)
    return int(sum((p.duration for p in pieces if p), timedelta(0)).total_seconds() // 60)


@settings(max_examples=300, deadline=None, database=None)
@given(
    limits,
    quarters,
    lengths,
    st.lists(st.tuples(held_time(), st.sampled_from(ZONES)), min_size=1, max_size=6),
)
def test_the_shortcuts_give_what_breaches_gives_on_all_the_held_time(
    rules: WorkloadLimits,
    start: datetime,
    length: timedelta,
    people: list[tuple[list[tuple[datetime, datetime]], tzinfo]],
) -> None:
    wanted = Interval(start, start + length)
    ids = [UserId(f"i{n}") for n in range(len(people))]
    taken = Commitments({uid: held for uid, (held, _) in zip(ids, people, strict=True)}, {}, 1)
    zones = {uid: zone for uid, (_, zone) in zip(ids, people, strict=True)}

    loads = loads_within_limits(rules, wanted, WEEK, ids, zones, taken)

    for uid, (held, zone) in zip(ids, people, strict=True):
        broken = breaches(rules, [Interval(s, e) for s, e in held], wanted, zone)
        assert (uid in loads) is not bool(broken)
        if uid in loads:
            assert loads[uid].booked_minutes_week == _week_minutes(held)


def test_the_last_assignment_and_a_zone_of_its_own_come_with_the_load() -> None:
    wanted = Interval(MONDAY + timedelta(hours=9), MONDAY + timedelta(hours=10))
    last = MONDAY - timedelta(days=2)
    held = {UserId("a"): [(MONDAY + timedelta(hours=7), MONDAY + timedelta(hours=8))]}
    taken = Commitments(held, {UserId("a"): last}, 1)

    loads = loads_within_limits(WorkloadLimits(), wanted, WEEK, [UserId("a"), UserId("b")], {}, taken)

    assert loads[UserId("a")].booked_minutes_week == 60
    assert loads[UserId("a")].last_assigned_at == last
    assert loads[UserId("b")].booked_minutes_week == 0  # no held time, no hours: UTC days


def test_a_booking_too_long_on_its_own_is_refused_for_everyone() -> None:
    wanted = Interval(MONDAY + timedelta(hours=9), MONDAY + timedelta(hours=13))
    taken = Commitments({}, {}, 1)

    assert loads_within_limits(WorkloadLimits(), wanted, WEEK, [UserId("a"), UserId("b")], {}, taken) == {}


def test_a_booking_alone_is_judged_on_each_interpreters_own_days() -> None:
    rules = WorkloadLimits(daily_cap=timedelta(hours=4), max_continuous=timedelta(hours=6))
    wanted = Interval(MONDAY + timedelta(hours=25), MONDAY + timedelta(hours=30))  # Tuesday 01:00-06:00 UTC
    utc, toronto = UserId("utc"), UserId("toronto")
    zones: dict[UserId, tzinfo] = {utc: UTC, toronto: ZoneInfo("America/Toronto")}

    loads = loads_within_limits(rules, wanted, WEEK, [utc, toronto], zones, Commitments({}, {}, 1))

    assert list(loads) == [toronto]  # 21:00 to 02:00 in Toronto: under four hours on either day
