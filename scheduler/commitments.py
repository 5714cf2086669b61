"""What candidates have already taken on: the time they hold around a booking and when each last took one.

Both change with every booking, so unlike the facts of :mod:`scheduler.fact_index` they are read afresh for
every candidate query, for all the surviving candidates in one statement: held time (active assignments
in a window), the last accepted offer per interpreter and the matching version, as one ``UNION ALL`` of
plain rows. From them :func:`loads_within_limits` keeps those the workload limits allow and weighs each
for fair rotation.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import CompoundSelect, Integer, bindparam, cast, func, null, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection

from core.ids import UserId
from core.models import BookingOfferRow, InterpreterAssignmentRow, MatchingVersionRow
from scheduler.id_sets import bound_ids, member_of
from scheduler.intervals import Interval
from scheduler.ranking import Load
from scheduler.workload import WorkloadLimits, breaches


@dataclass(frozen=True)
class Commitments:
    """Held time (UTC start and end) within the window asked for, each one's last accepted offer, and
    the matching version as of the same statement."""

    held: dict[UserId, list[tuple[datetime, datetime]]]
    last_assigned: dict[UserId, datetime]
    version: int


@functools.cache
def _statement(sqlite: bool) -> CompoundSelect[*tuple[Any, ...]]:
    """Built once per database kind: building and keying it anew cost as much as running it."""
    assigned, offer = InterpreterAssignmentRow, BookingOfferRow
    no_version = cast(null(), Integer)  # typed, or PostgreSQL takes the column for text
    held = select(assigned.interpreter_id, assigned.start_at, assigned.end_at, no_version).where(
        member_of(assigned.interpreter_id, "ids", sqlite=sqlite),
        assigned.active.is_(True),
        assigned.start_at < bindparam("until", type_=assigned.start_at.type),
        assigned.end_at > bindparam("since", type_=assigned.end_at.type),
    )
    # The last accepted offer has no end: a NULL there tells its rows from held time.
    last = (
        select(offer.interpreter_id, func.max(offer.offered_at), null(), no_version)
        .where(member_of(offer.interpreter_id, "ids", sqlite=sqlite), offer.answer == "accepted")
        .group_by(offer.interpreter_id)
    )
    # The version read along (core.matching_version.current's row), so that a query on facts this node
    # already holds needs no statement of its own to learn whether they are still current.
    version = select(null(), null(), null(), MatchingVersionRow.version).where(MatchingVersionRow.id == 1)
    return union_all(held, last, version)


async def read_commitments(
    conn: AsyncConnection, ids: Sequence[UserId], window: Interval, *, sqlite: bool
) -> Commitments:
    """The commitments of ``ids``: assignments overlapping ``window`` and every last accepted offer."""
    held: dict[UserId, list[tuple[datetime, datetime]]] = {}
    last: dict[UserId, datetime] = {}
    current = 0
    uid: UserId | None
    start: datetime | None
    end: datetime | None
    version: int | None
    bound = {"ids": bound_ids(ids, sqlite=sqlite), "until": window.end_utc, "since": window.start_utc}
    for uid, start, end, version in await conn.execute(_statement(sqlite), bound):
        if uid is None:
            current = int(version or 0)
        elif start is None:
            continue
        elif end is None:
            last[uid] = start if start.tzinfo else start.replace(tzinfo=UTC)
        else:
            held.setdefault(uid, []).append((start, end))
    return Commitments(held, last, current)


def loads_within_limits(
    limits: WorkloadLimits,
    wanted: Interval,
    week: Interval,
    ids: Iterable[UserId],
    zones: Mapping[UserId, tzinfo],
    taken: Commitments,
) -> dict[UserId, Load]:
    """The fair-rotation load (minutes held in ``week``, last assignment) of each of ``ids`` who may take
    ``wanted`` beside what they hold without breaking ``limits``; the others are left out.

    Only held time within :attr:`WorkloadLimits.horizon` of ``wanted`` can break a limit, so most
    candidates hold none that matters; whether ``wanted`` alone breaks one is worked out once per zone.
    """
    near_start, near_end = wanted.start_utc - limits.horizon, wanted.end_utc + limits.horizon
    week_start, week_end = week.start_utc, week.end_utc
    alone: dict[tzinfo, bool] = {}
    loads: dict[UserId, Load] = {}
    for uid in ids:
        held = taken.held.get(uid, ())
        zone = zones.get(uid, UTC)
        near = [Interval(start, end) for start, end in held if start < near_end and end > near_start]
        if near:
            broken = bool(breaches(limits, near, wanted, zone))
        elif (broken_alone := alone.get(zone)) is None:
            broken = alone[zone] = bool(breaches(limits, (), wanted, zone))
        else:
            broken = broken_alone
        if broken:
            continue
        minutes = timedelta(0)
        for start, end in held:
            if start < week_end and end > week_start:
                minutes += min(end, week_end) - max(start, week_start)
        loads[uid] = Load(int(minutes.total_seconds() // 60), taken.last_assigned.get(uid))
    return loads
