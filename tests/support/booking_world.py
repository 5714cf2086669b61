"""A booking engine on a real database with a fake clock: organisations, people, profiles and hours.

Timers are recorded, not run: a test fires an effect itself, as the scheduler would at its time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from core.clock import FakeClock
from core.db import Database
from core.exclusions import OrganisationExclusions
from core.ids import OrganisationId, UserId
from core.interpreters import (
    Accreditation,
    Attribute,
    Gender,
    InterpreterDirectory,
    Specialisation,
    WorkingLanguage,
)
from core.languages import LanguageTag
from core.migrate import upgrade
from core.models import InterpreterAssignmentRow, OrganisationRow, UserRow
from scheduler.availability import Availability, Weekday, WeeklySlot
from scheduler.availability_store import AvailabilityStore
from scheduler.booking_jobs import BookingJobs
from scheduler.booking_types import Booking
from scheduler.bookings import BookingRequest, BookingService
from scheduler.matcher import Matcher
from scheduler.notifications import Notifications
from scheduler.offers import BookingEngine
from scheduler.requirements import BookingRequirements
from scheduler.timers import RecordingTimers
from scheduler.workload import WorkloadLimits
from tests.support.rows import user_row

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday
TOMORROW = datetime(2026, 3, 3, tzinfo=UTC)
OFFICE = OrganisationId("office")
OTHER_OFFICE = OrganisationId("other-office")
CASEWORKER = UserId("cw")
OTHER_CASEWORKER = UserId("cw-other")
COORDINATOR = UserId("coord")
PIVOTS = tuple(LanguageTag.parse(t) for t in ("en", "fr"))
LIMITS = WorkloadLimits(
    buffer=timedelta(minutes=10),
    daily_cap=timedelta(hours=6),
    max_continuous=timedelta(hours=3),
    rest=timedelta(minutes=30),
)
ALL_WEEK = tuple(WeeklySlot(Weekday(d), time(0), time(12)) for d in range(7)) + tuple(
    WeeklySlot(Weekday(d), time(12), time(0)) for d in range(7)
)


def at(hour: int, minute: int = 0, day: datetime = TOMORROW) -> datetime:
    return day + timedelta(hours=hour, minutes=minute)


@dataclass
class FakeRooms:
    opened: list[str] = field(default_factory=list)
    present: dict[str, frozenset[UserId]] = field(default_factory=dict)

    async def open(self, booking: Booking) -> bool:
        self.opened.append(booking.id)
        return True

    async def attendance(self, booking_id: str) -> frozenset[UserId]:
        return self.present.get(booking_id, frozenset())


@dataclass
class BookingWorld:
    db: Database
    clock: FakeClock
    timers: RecordingTimers
    rooms: FakeRooms
    directory: InterpreterDirectory
    availability: AvailabilityStore
    exclusions: OrganisationExclusions
    bookings: BookingService
    matcher: Matcher
    notifications: Notifications
    jobs: BookingJobs
    engine: BookingEngine

    async def interpreter(
        self,
        uid: str,
        *languages: str,
        gender: Gender = Gender.FEMALE,
        accreditation: Accreditation = Accreditation.CERTIFIED,
        specialisations: Iterable[Specialisation] = (),
        conflicts: Iterable[Attribute] = (),
        organisations: Iterable[OrganisationId] = (OFFICE,),
        hours: Availability | None = None,
        dialects: dict[str, str] | None = None,
    ) -> UserId:
        """An active interpreter with a profile and (by default) hours round the clock, in UTC."""
        user = UserId(uid)
        async with self.db.transaction() as session:
            session.add(
                UserRow(
                    id=user,
                    organisation_id=OTHER_OFFICE,
                    username=uid,
                    display_name=uid,
                    password_hash="-",
                    role="interpreter",
                    active=True,
                    created_at=NOW,
                )
            )
        working = [
            WorkingLanguage(LanguageTag.parse(tag), (dialects or {}).get(tag), accreditation)
            for tag in languages or ("ps-AF", "en")
        ]
        await self.directory.set_profile(
            user,
            gender,
            working,
            organisations,
            specialisations=specialisations,
            conflicts=conflicts,
        )
        await self.availability.put(user, hours or Availability("UTC", ALL_WEEK))
        return user

    def request(
        self,
        start: datetime,
        minutes: int = 60,
        *,
        language: str = "ps-AF",
        caseworker: UserId = CASEWORKER,
        dialect: str | None = None,
        **requirements: object,
    ) -> BookingRequest:
        return BookingRequest.parse(
            OFFICE,
            caseworker,
            language,
            start,
            start + timedelta(minutes=minutes),
            dialect=dialect,
            requirements=BookingRequirements.parse(dict(requirements)),
        )

    async def book(self, start: datetime, minutes: int = 60, **kwargs: object) -> Booking:
        booking, _ = await self.engine.book(self.request(start, minutes, **kwargs))  # type: ignore[arg-type]
        return booking

    async def held(self) -> list[tuple[str, str, datetime, datetime]]:
        """Every active assignment (interpreter, booking, start, end), sorted."""
        query = select(
            InterpreterAssignmentRow.interpreter_id,
            InterpreterAssignmentRow.booking_id,
            InterpreterAssignmentRow.start_at,
            InterpreterAssignmentRow.end_at,
        ).where(InterpreterAssignmentRow.active.is_(True))
        async with self.db.sessions() as session:
            return sorted(tuple(r) for r in (await session.execute(query)).all())  # type: ignore[misc]


async def _seed(db: Database) -> None:
    async with db.transaction() as session:
        if await session.get(OrganisationRow, OFFICE) is not None:
            return  # a database kept between examples of a property test
        for org in (OFFICE, OTHER_OFFICE):
            session.add(OrganisationRow(id=org, name=f"Fictional {org}", kind="authority", created_at=NOW))
        await session.flush()
        for uid, org, role in (
            (CASEWORKER, OFFICE, "caseworker"),
            (OTHER_CASEWORKER, OFFICE, "caseworker"),
            (COORDINATOR, OFFICE, "coordinator"),
        ):
            session.add(user_row(uid, org, role, NOW))


@asynccontextmanager
async def booking_world(database_url: str, limits: WorkloadLimits = LIMITS) -> AsyncIterator[BookingWorld]:
    db = Database(database_url)
    await upgrade(db)
    await _seed(db)
    clock = FakeClock(NOW)
    timers = RecordingTimers()
    rooms = FakeRooms()
    availability = AvailabilityStore(db, clock)
    bookings = BookingService(db, clock, limits=limits, offer_expiry=timedelta(hours=2))
    matcher = Matcher(db, clock, availability, limits, PIVOTS)
    notifications = Notifications(db, clock)
    jobs = BookingJobs(
        bookings,
        notifications,
        timers,
        rooms,
        clock,
        reminder_offsets=(timedelta(hours=24), timedelta(minutes=15)),
        no_show_grace=timedelta(minutes=15),
    )
    engine = BookingEngine(bookings, matcher, timers, clock, jobs)
    try:
        yield BookingWorld(
            db,
            clock,
            timers,
            rooms,
            InterpreterDirectory(db, clock, 0),
            availability,
            OrganisationExclusions(db, clock),
            bookings,
            matcher,
            notifications,
            jobs,
            engine,
        )
    finally:
        await db.close()
