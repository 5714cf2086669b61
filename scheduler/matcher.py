"""The one matcher both paths use: who may take a booking at a time, or an on-demand call now.

The database narrows the field with every hard constraint it can state in SQL (organisation served,
language, accreditation, gender, specialisations, exclusions, conflicts of interest), so a query touches the
few hundred interpreters of one language, not all of them; :func:`scheduler.constraints.check_hard` then
judges each survivor on the full facts, so no candidate can slip through a gap in the SQL. For a booking,
those who are not available at the time (weekly hours or a standby shift), already hold time nearby, or
would pass a workload limit are dropped, and the rest ranked by :func:`scheduler.ranking.rank`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from core.clock import Clock
from core.db import Database
from core.ids import OrganisationId, UserId
from core.interpreters import Gender
from core.languages import LanguageTag
from core.models import (
    BookingOfferRow,
    InterpreterAssignmentRow,
    UserRow,
)
from scheduler.availability import is_available
from scheduler.constraints import (
    HardConstraint,
    InterpreterFacts,
    MatchRequest,
    check_hard,
    eligible,
)
from scheduler.fact_index import AvailabilitySource, FactIndex, Snapshot
from scheduler.intervals import Interval
from scheduler.ranking import Load, Ranking, rank
from scheduler.workload import WorkloadLimits, breaches


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

    # -- the eligible field ----------------------------------------------------------------------

    async def organisation_excluded(self, organisation: OrganisationId) -> frozenset[UserId]:
        async with self._db.engine.connect() as conn:
            return await self._index.excluded(conn, await self._index.snapshot(conn), organisation)

    async def eligible(self, request: MatchRequest) -> list[InterpreterFacts]:
        """The facts of every interpreter breaking no hard constraint of ``request``, in id order."""
        async with self._db.engine.connect() as conn:
            return await self._eligible(conn, await self._index.snapshot(conn), request)

    async def _eligible(
        self, conn: AsyncConnection, snap: Snapshot, request: MatchRequest
    ) -> list[InterpreterFacts]:
        speakers = await self._index.speakers(conn, snap, request.language.language)
        return [f for f in speakers if eligible(request, f)]

    async def violations(self, request: MatchRequest, user_id: UserId) -> list[HardConstraint] | None:
        """Every hard constraint ``user_id`` breaks for ``request`` (a coordinator's choice is checked by
        the same rules); None when there is no such active interpreter."""
        facts = await self._one(request, user_id)
        return None if facts is None else check_hard(request, facts)

    async def _one(self, request: MatchRequest, user_id: UserId) -> InterpreterFacts | None:
        """The full facts of one active interpreter, read afresh."""
        async with self._db.engine.connect() as conn:
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

        One connection, and each step only for those the previous one kept: hours are checked before held
        time and past assignments are read.
        """
        async with self._db.engine.connect() as conn:
            snap = await self._index.snapshot(conn)
            field = [f for f in await self._eligible(conn, snap, request) if f.user_id not in skip]
            # A preferred interpreter the SQL left out is ranked too, so the explanation can say which
            # hard constraint kept them out (rank() rejects them again on the full facts).
            outsider = await self._outsider(request, field, skip)
            if not field:
                return rank(request, [outsider] if outsider else [], {})
            ids = [f.user_id for f in field]
            hours = await self._index.hours(conn, snap, ids)
            rostered = await self._rostered(conn, snap, request.language, interval)
            free = [
                f
                for f in field
                if f.user_id in rostered
                or (
                    (h := hours.get(f.user_id)) is not None
                    and is_available(h, interval.start_utc, interval.end_utc)
                )
            ]
            if not free:
                return rank(request, [outsider] if outsider else [], {})
            free_ids = [f.user_id for f in free]
            week = _week_of(interval.start_utc)
            window = Interval(
                min(week.start_utc, interval.start_utc - self._limits.horizon),
                max(week.end_utc, interval.end_utc + self._limits.horizon),
            )
            held = await self._held(conn, free_ids, window)
            last = await self._last_assigned(conn, free_ids)
        fit: list[InterpreterFacts] = []
        load: dict[UserId, Load] = {}
        for facts in free:
            uid = facts.user_id
            stated = hours.get(uid)
            zone = ZoneInfo(stated.zone) if stated is not None else UTC
            if breaches(self._limits, held.get(uid, ()), interval, zone):
                continue
            fit.append(facts)
            minutes = sum(
                (piece.duration for i in held.get(uid, ()) if (piece := i.intersection(week))),
                timedelta(0),
            )
            load[uid] = Load(int(minutes.total_seconds() // 60), last.get(uid))
        return rank(request, [*fit, outsider] if outsider else fit, load)

    async def _outsider(
        self, request: MatchRequest, field: list[InterpreterFacts], skip: frozenset[UserId]
    ) -> InterpreterFacts | None:
        preferred = request.preferred_interpreter
        if preferred is None or preferred in skip or any(f.user_id == preferred for f in field):
            return None
        outsider = await self._one(request, preferred)
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
                self._index.member(InterpreterAssignmentRow.interpreter_id, ids),
                InterpreterAssignmentRow.active.is_(True),
                InterpreterAssignmentRow.start_at < window.end_utc,
                InterpreterAssignmentRow.end_at > window.start_utc,
            )
        )
        for uid, start, end in rows:
            held[UserId(uid)].append(Interval(start, end))
        return held

    async def _last_assigned(self, conn: AsyncConnection, ids: list[UserId]) -> dict[UserId, datetime]:
        last: dict[UserId, datetime] = {}
        rows = await conn.execute(
            select(BookingOfferRow.interpreter_id, func.max(BookingOfferRow.offered_at))
            .where(
                self._index.member(BookingOfferRow.interpreter_id, ids), BookingOfferRow.answer == "accepted"
            )
            .group_by(BookingOfferRow.interpreter_id)
        )
        for uid, at in rows:
            if at is not None:
                last[UserId(uid)] = at if at.tzinfo else at.replace(tzinfo=UTC)
        return last

    # -- on demand --------------------------------------------------------------------------------

    async def on_demand(
        self, organisation: OrganisationId, language: LanguageTag, gender: Gender | None
    ) -> list[UserId]:
        """Who may be rung now: eligible under the same hard rules, not holding a booked session now.

        Presence (standby) and the order of ringing are the signalling server's part.
        """
        async with self._db.engine.connect() as conn:
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
