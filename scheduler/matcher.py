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
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Select, String, and_, any_, exists, func, literal, not_, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from core.clock import Clock
from core.db import Database
from core.ids import OrganisationId, UserId
from core.interpreters import Gender, WorkingLanguage
from core.languages import LanguageTag
from core.models import (
    BookingOfferRow,
    InterpreterAssignmentRow,
    InterpreterAvailabilityRow,
    InterpreterConflictRow,
    InterpreterLanguageRow,
    InterpreterOrganisationRow,
    InterpreterProfileRow,
    InterpreterSpecialisationRow,
    OrganisationExclusionRow,
    StandbyShiftRow,
    UserRow,
)
from scheduler.availability import Availability, is_available
from scheduler.constraints import (
    Accreditation,
    Attribute,
    HardConstraint,
    InterpreterFacts,
    LanguageSkill,
    MatchRequest,
    Specialisation,
    check_hard,
)
from scheduler.intervals import Interval
from scheduler.ranking import Load, Ranking, rank
from scheduler.workload import WorkloadLimits, breaches

# One row per working language of an interpreter, with their gender: what :meth:`Matcher._build_facts` reads.
_FACT_ROWS = select(
    InterpreterLanguageRow.user_id,
    InterpreterProfileRow.gender,
    InterpreterLanguageRow.tag,
    InterpreterLanguageRow.dialect,
    InterpreterLanguageRow.accreditation,
).join(InterpreterProfileRow, InterpreterProfileRow.user_id == InterpreterLanguageRow.user_id)


class AvailabilitySource(Protocol):
    """Parsed hours, cached per node and version (:class:`scheduler.availability_store.AvailabilityStore`)."""

    def cached(self, user_id: str, version: int) -> Availability | None: ...

    def parse(self, user_id: str, zone: str, pattern: str, version: int) -> Availability: ...


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
        self._availability = availability
        self._limits = limits
        self._pivots = tuple(pivots)

    # -- the eligible field ----------------------------------------------------------------------

    async def organisation_excluded(self, organisation: OrganisationId) -> frozenset[UserId]:
        query = select(OrganisationExclusionRow.interpreter_id).where(
            OrganisationExclusionRow.organisation_id == organisation
        )
        async with self._db.sessions() as session:
            return frozenset(UserId(u) for u in (await session.scalars(query)).all())

    def _prefilter(self, request: MatchRequest) -> Select[Any]:
        """Ids of interpreters who may be eligible: every hard constraint SQL can state, none relaxed."""
        lang = InterpreterLanguageRow
        query = (
            select(lang.user_id)
            .join(UserRow, UserRow.id == lang.user_id)
            .join(InterpreterProfileRow, InterpreterProfileRow.user_id == lang.user_id)
            .join(
                InterpreterOrganisationRow,
                and_(
                    InterpreterOrganisationRow.user_id == lang.user_id,
                    InterpreterOrganisationRow.organisation_id == request.organisation,
                ),
            )
            .where(
                lang.language == request.language.language,
                lang.accreditation >= int(request.min_accreditation),
                UserRow.active.is_(True),
            )
            .distinct()
        )
        if request.gender is not None:
            query = query.where(InterpreterProfileRow.gender == request.gender.value)
        excluded = request.excluded | request.organisation_excluded
        if excluded:
            query = query.where(lang.user_id.not_in(sorted(excluded)))
        query = query.where(
            not_(
                exists().where(
                    OrganisationExclusionRow.organisation_id == request.organisation,
                    OrganisationExclusionRow.interpreter_id == lang.user_id,
                )
            )
        )
        for specialisation in sorted(request.specialisations):
            query = query.where(
                exists().where(
                    InterpreterSpecialisationRow.user_id == lang.user_id,
                    InterpreterSpecialisationRow.specialisation == specialisation.value,
                )
            )
        if request.applicant_attributes:
            pairs = sorted((a.key, a.value) for a in request.applicant_attributes)
            query = query.where(
                not_(
                    exists().where(
                        InterpreterConflictRow.user_id == lang.user_id,
                        tuple_(InterpreterConflictRow.key, InterpreterConflictRow.value).in_(pairs),
                    )
                )
            )
        if request.counterpart is not None:
            other = InterpreterLanguageRow.__table__.alias("counterpart")
            query = query.where(
                exists().where(
                    other.c.user_id == lang.user_id, other.c.language == request.counterpart.language
                )
            )
        return query

    def _member(self, column: Any, ids: Sequence[str]) -> Any:
        """``column`` is one of ``ids``: one array parameter on PostgreSQL, so its statement is prepared
        once whatever the number of ids (an IN list of each length is a new statement to asyncpg)."""
        if self._db.is_sqlite:
            return column.in_(ids)
        return column == any_(literal(list(ids), ARRAY(String)))

    async def eligible(self, request: MatchRequest) -> list[InterpreterFacts]:
        """The facts of every interpreter breaking no hard constraint of ``request``, in id order."""
        async with self._db.engine.connect() as conn:
            return await self._eligible(conn, request)

    async def _eligible(self, conn: AsyncConnection, request: MatchRequest) -> list[InterpreterFacts]:
        pre = self._prefilter(request).subquery()
        rows = await conn.execute(_FACT_ROWS.where(InterpreterLanguageRow.user_id.in_(select(pre.c.user_id))))
        facts = await self._build_facts(conn, rows.all(), request)
        return [f for f in facts if not check_hard(request, f)]

    async def _facts(self, ids: Sequence[str], request: MatchRequest) -> list[InterpreterFacts]:
        """What the matcher knows of ``ids`` (see :meth:`_build_facts`)."""
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(_FACT_ROWS.where(self._member(InterpreterLanguageRow.user_id, ids)))
            return await self._build_facts(conn, rows.all(), request)

    async def _build_facts(
        self, conn: AsyncConnection, rows: Sequence[Any], request: MatchRequest
    ) -> list[InterpreterFacts]:
        """Facts from (user, gender, tag, dialect, accreditation) rows, in id order; specialisations and
        conflicts are read only when ``request`` asks about them. ``organisations`` holds just the
        requesting one: callers have established that it is served."""
        genders: dict[str, str] = {}
        skills: dict[str, list[LanguageSkill]] = defaultdict(list)
        for uid, gender, tag, dialect, level in rows:
            genders[uid] = gender
            language = WorkingLanguage(LanguageTag.parse(tag), dialect)
            skills[uid].append(LanguageSkill(language, Accreditation(level)))
        ids = sorted(genders)
        specialisations: dict[str, set[Specialisation]] = defaultdict(set)
        conflicts: dict[str, set[Attribute]] = defaultdict(set)
        if ids and request.specialisations:
            for uid, spec in await conn.execute(
                select(
                    InterpreterSpecialisationRow.user_id, InterpreterSpecialisationRow.specialisation
                ).where(self._member(InterpreterSpecialisationRow.user_id, ids))
            ):
                specialisations[uid].add(Specialisation(spec))
        if ids and request.applicant_attributes:
            for uid, key, value in await conn.execute(
                select(
                    InterpreterConflictRow.user_id, InterpreterConflictRow.key, InterpreterConflictRow.value
                ).where(self._member(InterpreterConflictRow.user_id, ids))
            ):
                conflicts[uid].add(Attribute(key, value))
        organisations = frozenset({request.organisation})
        return [
            InterpreterFacts(
                user_id=UserId(uid),
                gender=Gender(genders[uid]),
                languages=tuple(skills[uid]),
                organisations=organisations,
                specialisations=frozenset(specialisations[uid]),
                conflicts=frozenset(conflicts[uid]),
            )
            for uid in ids
        ]

    async def violations(self, request: MatchRequest, user_id: UserId) -> list[HardConstraint] | None:
        """Every hard constraint ``user_id`` breaks for ``request`` (a coordinator's choice is checked by
        the same rules); None when there is no such active interpreter."""
        facts = await self._one(request, user_id)
        return None if facts is None else check_hard(request, facts)

    async def _one(self, request: MatchRequest, user_id: UserId) -> InterpreterFacts | None:
        """The full facts of one active interpreter, the organisations they serve included."""
        async with self._db.sessions() as session:
            active = await session.scalar(
                select(UserRow.id).where(
                    UserRow.id == user_id, UserRow.role == "interpreter", UserRow.active.is_(True)
                )
            )
            if active is None:
                return None
            served = frozenset(
                OrganisationId(o)
                for o in (
                    await session.scalars(
                        select(InterpreterOrganisationRow.organisation_id).where(
                            InterpreterOrganisationRow.user_id == user_id
                        )
                    )
                ).all()
            )
        found = await self._facts([user_id], request)
        return replace(found[0], organisations=served) if found else None

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
            field = [f for f in await self._eligible(conn, request) if f.user_id not in skip]
            # A preferred interpreter the SQL left out is ranked too, so the explanation can say which
            # hard constraint kept them out (rank() rejects them again on the full facts).
            outsider = await self._outsider(request, field, skip)
            if not field:
                return rank(request, [outsider] if outsider else [], {})
            ids = [f.user_id for f in field]
            hours = await self._hours(conn, ids)
            rostered = await self._rostered(conn, ids, request.language, interval)
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

    async def _hours(self, conn: AsyncConnection, ids: list[UserId]) -> dict[UserId, Availability]:
        """Stated hours: versions first, patterns only for those this node has not parsed yet."""
        row = InterpreterAvailabilityRow
        hours: dict[UserId, Availability] = {}
        missing: list[str] = []
        for uid, version in await conn.execute(
            select(row.user_id, row.version).where(self._member(row.user_id, ids))
        ):
            known = self._availability.cached(uid, version)
            if known is None:
                missing.append(uid)
            else:
                hours[UserId(uid)] = known
        if missing:
            for uid, zone, pattern, version in await conn.execute(
                select(row.user_id, row.zone, row.pattern, row.version).where(
                    self._member(row.user_id, missing)
                )
            ):
                hours[UserId(uid)] = self._availability.parse(uid, zone, pattern, version)
        return hours

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
        self, conn: AsyncConnection, ids: list[UserId], language: LanguageTag, interval: Interval
    ) -> set[UserId]:
        """Those on a standby shift for the language covering the whole interval."""
        rows = await conn.execute(
            select(StandbyShiftRow.interpreter_id, StandbyShiftRow.language).where(
                self._member(StandbyShiftRow.interpreter_id, ids),
                StandbyShiftRow.cancelled.is_(False),
                StandbyShiftRow.start_at <= interval.start_utc,
                StandbyShiftRow.end_at >= interval.end_utc,
            )
        )
        return {UserId(uid) for uid, tag in rows if LanguageTag.parse(tag).covers(language)}

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
                self._member(InterpreterAssignmentRow.interpreter_id, ids),
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
            .where(self._member(BookingOfferRow.interpreter_id, ids), BookingOfferRow.answer == "accepted")
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
        request = MatchRequest(
            organisation=organisation,
            language=language,
            gender=gender,
            organisation_excluded=await self.organisation_excluded(organisation),
        )
        ids = [f.user_id for f in await self.eligible(request)]
        if not ids:
            return []
        now = self._clock.now()
        async with self._db.engine.connect() as conn:
            busy = await self._held(conn, ids, Interval(now, now + timedelta(seconds=1)))
        return [uid for uid in ids if uid not in busy]
