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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, exists, func, not_, select, tuple_

from core.clock import Clock
from core.db import Database
from core.ids import OrganisationId, UserId
from core.interpreters import Gender, WorkingLanguage
from core.languages import LanguageTag
from core.models import (
    BookingOfferRow,
    InterpreterAssignmentRow,
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

_IN_CHUNK = 500  # ids per IN (...) list: SQLite allows 32766 variables, PostgreSQL more; stay modest


class AvailabilitySource(Protocol):
    async def load_many(self, user_ids: Iterable[UserId]) -> dict[UserId, Availability]: ...


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


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(ids), _IN_CHUNK):
        yield ids[i : i + _IN_CHUNK]


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

    async def eligible(self, request: MatchRequest) -> list[InterpreterFacts]:
        """The facts of every interpreter breaking no hard constraint of ``request``, in id order."""
        async with self._db.sessions() as session:
            ids: list[str] = sorted((await session.scalars(self._prefilter(request))).all())
        if not ids:
            return []
        return [f for f in await self._facts(ids, request) if not check_hard(request, f)]

    async def _facts(self, ids: Sequence[str], request: MatchRequest) -> list[InterpreterFacts]:
        """What the matcher knows of ``ids``; specialisations and conflicts only when ``request`` asks.

        ``organisations`` holds just the requesting one: callers have established that it is served.
        """
        genders: dict[str, str] = {}
        skills: dict[str, list[LanguageSkill]] = defaultdict(list)
        specialisations: dict[str, set[Specialisation]] = defaultdict(set)
        conflicts: dict[str, set[Attribute]] = defaultdict(set)
        async with self._db.sessions() as session:
            for chunk in _chunks(ids):
                for uid, gender in await session.execute(
                    select(InterpreterProfileRow.user_id, InterpreterProfileRow.gender).where(
                        InterpreterProfileRow.user_id.in_(chunk)
                    )
                ):
                    genders[uid] = gender
                for uid, tag, dialect, level in await session.execute(
                    select(
                        InterpreterLanguageRow.user_id,
                        InterpreterLanguageRow.tag,
                        InterpreterLanguageRow.dialect,
                        InterpreterLanguageRow.accreditation,
                    ).where(InterpreterLanguageRow.user_id.in_(chunk))
                ):
                    language = WorkingLanguage(LanguageTag.parse(tag), dialect)
                    skills[uid].append(LanguageSkill(language, Accreditation(level)))
                if request.specialisations:
                    for uid, spec in await session.execute(
                        select(
                            InterpreterSpecialisationRow.user_id, InterpreterSpecialisationRow.specialisation
                        ).where(InterpreterSpecialisationRow.user_id.in_(chunk))
                    ):
                        specialisations[uid].add(Specialisation(spec))
                if request.applicant_attributes:
                    for uid, key, value in await session.execute(
                        select(
                            InterpreterConflictRow.user_id,
                            InterpreterConflictRow.key,
                            InterpreterConflictRow.value,
                        ).where(InterpreterConflictRow.user_id.in_(chunk))
                    ):
                        conflicts[uid].add(Attribute(key, value))
        return [
            InterpreterFacts(
                user_id=UserId(uid),
                gender=Gender(genders[uid]),
                languages=tuple(skills[uid]),
                organisations=frozenset({request.organisation}),
                specialisations=frozenset(specialisations[uid]),
                conflicts=frozenset(conflicts[uid]),
            )
            for uid in ids
            if uid in genders and skills[uid]
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
        best first; ``skip`` (those who already declined this booking, say) are left out."""
        field = [f for f in await self.eligible(request) if f.user_id not in skip]
        # A preferred interpreter the SQL left out is ranked too, so the explanation can say which hard
        # constraint kept them out (rank() rejects them again on the full facts).
        preferred = request.preferred_interpreter
        outsider = None
        if preferred is not None and preferred not in skip and all(f.user_id != preferred for f in field):
            outsider = await self._one(request, preferred)
            if outsider is not None and not check_hard(request, outsider):
                outsider = None  # eligible after all, so merely unavailable: never rank them unchecked
        if not field:
            return rank(request, [outsider] if outsider else [], {})
        ids = [f.user_id for f in field]
        availability = await self._availability.load_many(ids)
        rostered = await self._rostered(ids, request.language, interval)
        week = _week_of(interval.start_utc)
        window = Interval(
            min(week.start_utc, interval.start_utc - self._limits.horizon),
            max(week.end_utc, interval.end_utc + self._limits.horizon),
        )
        held = await self._held(ids, window)
        last = await self._last_assigned(ids)
        fit: list[InterpreterFacts] = []
        load: dict[UserId, Load] = {}
        for facts in field:
            uid = facts.user_id
            hours = availability.get(uid)
            if uid not in rostered and (
                hours is None or not is_available(hours, interval.start_utc, interval.end_utc)
            ):
                continue
            zone = ZoneInfo(hours.zone) if hours is not None else UTC
            if breaches(self._limits, held.get(uid, ()), interval, zone):
                continue
            fit.append(facts)
            minutes = sum(
                (piece.duration for i in held.get(uid, ()) if (piece := i.intersection(week))),
                timedelta(0),
            )
            load[uid] = Load(int(minutes.total_seconds() // 60), last.get(uid))
        return rank(request, [*fit, outsider] if outsider else fit, load)

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

    async def _rostered(self, ids: list[UserId], language: LanguageTag, interval: Interval) -> set[UserId]:
        """Those on a standby shift for the language covering the whole interval."""
        found: set[UserId] = set()
        async with self._db.sessions() as session:
            for chunk in _chunks(ids):
                rows = await session.execute(
                    select(StandbyShiftRow.interpreter_id, StandbyShiftRow.language).where(
                        StandbyShiftRow.interpreter_id.in_(chunk),
                        StandbyShiftRow.cancelled.is_(False),
                        StandbyShiftRow.start_at <= interval.start_utc,
                        StandbyShiftRow.end_at >= interval.end_utc,
                    )
                )
                found.update(UserId(uid) for uid, tag in rows if LanguageTag.parse(tag).covers(language))
        return found

    async def _held(self, ids: list[UserId], window: Interval) -> dict[UserId, list[Interval]]:
        held: dict[UserId, list[Interval]] = defaultdict(list)
        async with self._db.sessions() as session:
            for chunk in _chunks(ids):
                rows = await session.execute(
                    select(
                        InterpreterAssignmentRow.interpreter_id,
                        InterpreterAssignmentRow.start_at,
                        InterpreterAssignmentRow.end_at,
                    ).where(
                        InterpreterAssignmentRow.interpreter_id.in_(chunk),
                        InterpreterAssignmentRow.active.is_(True),
                        InterpreterAssignmentRow.start_at < window.end_utc,
                        InterpreterAssignmentRow.end_at > window.start_utc,
                    )
                )
                for uid, start, end in rows:
                    held[UserId(uid)].append(Interval(start, end))
        return held

    async def _last_assigned(self, ids: list[UserId]) -> dict[UserId, datetime]:
        last: dict[UserId, datetime] = {}
        async with self._db.sessions() as session:
            for chunk in _chunks(ids):
                rows = await session.execute(
                    select(BookingOfferRow.interpreter_id, func.max(BookingOfferRow.offered_at))
                    .where(BookingOfferRow.interpreter_id.in_(chunk), BookingOfferRow.answer == "accepted")
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
        busy = await self._held(ids, Interval(now, now + timedelta(seconds=1)))
        return [uid for uid in ids if uid not in busy]
