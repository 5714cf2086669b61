"""The one matcher both paths use: who may take a booking at a time, or an on-demand call now.

Interpreters' facts and hours come from the node's :class:`scheduler.fact_index.FactIndex`, read from the
database one language at a time and kept until the matching version moves; a query judges only the
speakers of the language who serve the requesting organisation, with :func:`scheduler.constraints.eligible`
on the full facts. For a booking, those not available at the time (weekly hours or a standby shift) are
dropped next, then the survivors' held time and last assignments are read in one statement
(:mod:`scheduler.commitments`), which also tells whether the facts used are still current; those who
would pass a workload limit are dropped, and the rest ranked by :func:`scheduler.ranking.rank`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from core import matching_version
from core.clock import Clock
from core.db import Database
from core.ids import OrganisationId, UserId
from core.interpreters import Gender
from core.languages import LanguageTag
from core.models import InterpreterAssignmentRow, UserRow
from scheduler.availability import available_throughout
from scheduler.commitments import Commitments, loads_within_limits, read_commitments
from scheduler.constraints import (
    HardConstraint,
    InterpreterFacts,
    MatchRequest,
    check_hard,
    eligible,
)
from scheduler.fact_index import AvailabilitySource, FactIndex, Snapshot
from scheduler.id_sets import member
from scheduler.intervals import Interval
from scheduler.ranking import Ranking, rank
from scheduler.workload import WorkloadLimits


@dataclass(frozen=True)
class RelayPlan:
    """Relay interpreting: ``first`` works language -> pivot, ``second`` pivot -> counterpart."""

    pivot: LanguageTag
    first: Ranking
    second: Ranking

    def pair(self) -> tuple[UserId, UserId] | None:
        """The best two distinct interpreters, one per leg; None when the legs cannot be staffed apart."""
        for a in self.first.user_ids:
            for b in self.second.user_ids:
                if a != b:
                    return a, b
        return None


@dataclass(frozen=True)
class _Survivors:
    """Who is free at the time, with what weighing and ranking them needs; ``taken.version`` is the
    matching version as of the query's last statement."""

    free: list[InterpreterFacts]
    zones: Mapping[UserId, tzinfo]
    taken: Commitments
    outsider: InterpreterFacts | None


def _week_of(instant: datetime) -> Interval:
    """The UTC calendar week (Monday 00:00 to Monday 00:00) containing ``instant``: fair rotation's week."""
    day = instant.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    start = day - timedelta(days=day.weekday())
    return Interval(start, start + timedelta(days=7))


class Matcher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        availability: AvailabilitySource,
        limits: WorkloadLimits,
        pivots: Sequence[LanguageTag] = (),
    ) -> None:
        self._db = db
        self._clock = clock
        self._index = FactIndex(db, availability)
        self._limits = limits
        self._pivots = tuple(pivots)

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for the matcher's reads. On PostgreSQL each statement runs on its own (as it
        would see its own snapshot anyway at READ COMMITTED), sparing a query its BEGIN and ROLLBACK
        round trips; SQLite never opens a transaction for reads, and would only pay for the switch."""
        async with self._db.engine.connect() as conn:
            if not self._db.is_sqlite:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn

    # -- the eligible field ----------------------------------------------------------------------

    async def organisation_excluded(self, organisation: OrganisationId) -> frozenset[UserId]:
        async with self._reading() as conn:
            return await self._index.excluded(conn, await self._index.snapshot(conn), organisation)

    async def eligible(self, request: MatchRequest) -> list[InterpreterFacts]:
        """The facts of every interpreter breaking no hard constraint of ``request``, in id order."""
        async with self._reading() as conn:
            return await self._eligible(conn, await self._index.snapshot(conn), request)

    async def _eligible(
        self, conn: AsyncConnection, snap: Snapshot, request: MatchRequest
    ) -> list[InterpreterFacts]:
        serving = await self._index.serving(conn, snap, request.language.language, request.organisation)
        return [f for f in serving if eligible(request, f)]

    async def violations(self, request: MatchRequest, user_id: UserId) -> list[HardConstraint] | None:
        """Every hard constraint ``user_id`` breaks for ``request`` (a coordinator's choice is checked by
        the same rules); None when there is no such active interpreter."""
        facts = await self._one(request, user_id)
        return None if facts is None else check_hard(request, facts)

    async def _one(self, request: MatchRequest, user_id: UserId) -> InterpreterFacts | None:
        """The full facts of one active interpreter, read afresh."""
        async with self._reading() as conn:
            active = await conn.scalar(
                select(UserRow.id).where(
                    UserRow.id == user_id, UserRow.role == "interpreter", UserRow.active.is_(True)
                )
            )
            found = await self._index.load(conn, [user_id]) if active is not None else []
        return found[0] if found else None

    # -- bookings ---------------------------------------------------------------------------------

    async def rank_for(
        self, request: MatchRequest, interval: Interval, *, skip: frozenset[UserId] = frozenset()
    ) -> Ranking:
        """Eligible interpreters available at ``interval``, free of held time and within their limits,
        best first; ``skip`` (those who already declined this booking, say) are left out.

        One connection, and each step only for those the previous one kept: hours (in memory once a
        language was read) are checked before held time and past assignments are read. That one
        statement reads the matching version too: on the rare query that finds it moved, the field is
        worked out again on facts read afresh, so a change is still seen by the very next query.
        """
        async with self._reading() as conn:
            snap = self._index.cached() or await self._index.snapshot(conn)
            found = await self._survivors(conn, snap, request, interval, skip)
            if found.taken.version != snap.version:
                snap = self._index.adopt(found.taken.version)
                found = await self._survivors(conn, snap, request, interval, skip)
                self._index.adopt(found.taken.version)
        week = _week_of(interval.start_utc)
        ids = [f.user_id for f in found.free]
        load = loads_within_limits(self._limits, interval, week, ids, found.zones, found.taken)
        fit = [f for f in found.free if f.user_id in load]
        outsider = found.outsider
        return rank(request, [*fit, outsider] if outsider else fit, load)

    async def _survivors(
        self,
        conn: AsyncConnection,
        snap: Snapshot,
        request: MatchRequest,
        interval: Interval,
        skip: frozenset[UserId],
    ) -> _Survivors:
        field = [f for f in await self._eligible(conn, snap, request) if f.user_id not in skip]
        # A preferred interpreter the SQL left out is ranked too, so the explanation can say which
        # hard constraint kept them out (rank() rejects them again on the full facts).
        outsider = await self._outsider(snap, request, field, skip)
        hours = await self._index.hours(conn, snap, [f.user_id for f in field])
        rostered = await self._rostered(conn, snap, request.language, interval)
        start, end = interval.start_utc, interval.end_utc
        on_hours = available_throughout(
            {uid: h for uid, h in hours.items() if uid not in rostered}, start, end
        )
        free = [f for f in field if f.user_id in rostered or f.user_id in on_hours]
        if not free:
            nothing = Commitments({}, {}, await matching_version.current(conn))
            return _Survivors([], {}, nothing, outsider)
        week = _week_of(start)
        window = Interval(
            min(week.start_utc, start - self._limits.horizon),
            max(week.end_utc, end + self._limits.horizon),
        )
        ids = [f.user_id for f in free]
        taken = await read_commitments(conn, ids, window, sqlite=self._db.is_sqlite)
        zones = {uid: h.tz for uid in ids if (h := hours.get(uid)) is not None}
        return _Survivors(free, zones, taken, outsider)

    async def _outsider(
        self, snap: Snapshot, request: MatchRequest, field: list[InterpreterFacts], skip: frozenset[UserId]
    ) -> InterpreterFacts | None:
        preferred = request.preferred_interpreter
        if preferred is None or preferred in skip or any(f.user_id == preferred for f in field):
            return None
        # Usually a speaker of the language, whose facts the snapshot holds; anyone else is read afresh.
        outsider = self._index.interpreter(snap, preferred) or await self._one(request, preferred)
        if outsider is not None and not check_hard(request, outsider):
            return None  # eligible after all, so merely unavailable: never rank them unchecked
        return outsider

    async def relay_for(
        self, request: MatchRequest, interval: Interval, *, skip: frozenset[UserId] = frozenset()
    ) -> RelayPlan | None:
        """When nobody covers language and counterpart together: the first pivot both legs can staff."""
        target = request.counterpart
        if target is None:
            return None
        for pivot in self._pivots:
            if pivot.covers(request.language) or pivot.covers(target):
                continue
            first = await self.rank_for(replace(request, counterpart=pivot), interval, skip=skip)
            if not first.candidates:
                continue
            second_request = replace(
                request, language=pivot, counterpart=target, dialect=None, preferred_interpreter=None
            )
            second = await self.rank_for(second_request, interval, skip=skip)
            plan = RelayPlan(pivot, first, second)
            if plan.pair() is not None:
                return plan
        return None

    async def _rostered(
        self, conn: AsyncConnection, snap: Snapshot, language: LanguageTag, interval: Interval
    ) -> set[UserId]:
        """Those on a standby shift for the language covering the whole interval."""
        shifts = await self._index.shifts(conn, snap, self._clock.now())
        return {
            uid
            for uid, tag, start, end in shifts
            if start <= interval.start_utc and end >= interval.end_utc and tag.covers(language)
        }

    async def _held(
        self, conn: AsyncConnection, ids: list[UserId], window: Interval
    ) -> dict[UserId, list[Interval]]:
        held: dict[UserId, list[Interval]] = defaultdict(list)
        rows = await conn.execute(
            select(
                InterpreterAssignmentRow.interpreter_id,
                InterpreterAssignmentRow.start_at,
                InterpreterAssignmentRow.end_at,
            ).where(
                member(InterpreterAssignmentRow.interpreter_id, ids, sqlite=self._db.is_sqlite),
                InterpreterAssignmentRow.active.is_(True),
                InterpreterAssignmentRow.start_at < window.end_utc,
                InterpreterAssignmentRow.end_at > window.start_utc,
            )
        )
        for uid, start, end in rows:
            held[UserId(uid)].append(Interval(start, end))
        return held

    # -- on demand --------------------------------------------------------------------------------

    async def on_demand(
        self, organisation: OrganisationId, language: LanguageTag, gender: Gender | None
    ) -> list[UserId]:
        """Who may be rung now: eligible under the same hard rules, not holding a booked session now.

        Presence (standby) and the order of ringing are the signalling server's part.
        """
        async with self._reading() as conn:
            snap = await self._index.snapshot(conn)
            request = MatchRequest(
                organisation=organisation,
                language=language,
                gender=gender,
                organisation_excluded=await self._index.excluded(conn, snap, organisation),
            )
            ids = [f.user_id for f in await self._eligible(conn, snap, request)]
            if not ids:
                return []
            now = self._clock.now()
            busy = await self._held(conn, ids, Interval(now, now + timedelta(seconds=1)))
        return [uid for uid in ids if uid not in busy]
