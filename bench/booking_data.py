"""A plausible booking world for benchmarks: authorities, an interpreter pool, their hours and bookings.

:func:`generate` builds the rows from a seed (the same seed, the same world, so two databases can be
compared), :func:`load` bulk-inserts them, and :func:`random_request` draws what an authority asks for.

The pool: interpreters with 1-3 languages drawn by demand (Zipf-like; regional tags such as ``fa-AF``,
some dialects), an accreditation per language, gender, specialisations, a declared nationality for some,
1-3 authorities served, and weekly hours (one shift on 3-5 days in one of seven IANA zones, a holiday
or two). Bookings lie in the next 8 weeks from a fixed Monday; 95 % hold (or, cancelled, held) one
interpreter's time, at most one booking per half-shift, so held time never overlaps nor breaks the
service's default workload limits; the other 5 % still wait for an interpreter.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, text

from core.db import Database
from core.ids import OrganisationId, UserId
from core.interpreters import Accreditation, Attribute, Gender, Specialisation
from core.languages import LanguageTag
from core.models import (
    Base,
    BookingOfferRow,
    BookingRow,
    InterpreterAssignmentRow,
    InterpreterAvailabilityRow,
    InterpreterConflictRow,
    InterpreterLanguageRow,
    InterpreterOrganisationRow,
    InterpreterProfileRow,
    InterpreterSpecialisationRow,
    OrganisationExclusionRow,
    OrganisationRow,
    UserRow,
)
from scheduler.availability import Availability, DateOverride, OverrideKind, Weekday, WeeklySlot, local_to_utc
from scheduler.availability_store import pattern_to_json
from scheduler.constraints import MatchRequest
from scheduler.intervals import Interval
from scheduler.workload import WorkloadLimits

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # a Monday, before anyone's shift; DST begins on 29 March
DAYS = 56
OFFICE_ZONE = "Europe/Belgrade"
# The service's defaults (core.config): 10 min buffer, 6 h a day, 3 h stretches, 30 min rest.
LIMITS = WorkloadLimits(timedelta(minutes=10), timedelta(hours=6), timedelta(hours=3), timedelta(minutes=30))
AUTHORITIES = (
    "Belgrade:RS",
    "Skopje:MK",
    "Sarajevo:BA",
    "Tirana:AL",
    "Podgorica:ME",
    "Zagreb:HR",
    "Vienna:AT",
)
# 60 primary languages and their weight, in demand and supply alike; regional variants share a weight.
_LANGUAGE_TABLE = """
    ar|ar-SY|ar-IQ:40 fa|fa-AF|fa-IR:35 en:40 ps:30 fr:25 de:20 ru:18 ku:15 ur:15 tr:14 so:12 ti:12 uk:12
    bn:10 sr|sr-Latn:10 es:10 ckb:8 sq:8 am:6 bs:6 hr:6 it:6 pt|pt-BR:6 hi:6 mk:5 zh:5 pa:5 ka:5 az:5 ro:5
    vi:4 ta:4 sw:4 om:4 hy:4 uz:4 bg:4 el:4 pl:4 si:3 ne:3 fil:3 ha:3 yo:3 ig:3 ln:3 he:3 tg:3 mn:3 nl:3
    my:2 th:2 km:2 id:2 ms:2 wo:2 ff:2 tk:2 ky:2 kk:2
"""
LANGUAGES = tuple(
    (tuple(tags.split("|")), int(weight)) for tags, weight in (e.split(":") for e in _LANGUAGE_TABLE.split())
)
DIALECTS = {"ps": ("Kandahari", "Yusufzai"), "ar": ("Levantine", "Iraqi", "Sudanese"), "ku": ("Kurmanji",)}
NATIONALITY = {"ps": "af", "fa": "af", "ar": "sy", "ku": "iq", "so": "so", "ti": "er", "ur": "pk", "tr": "tr"}
ZONES = (
    "Europe/Belgrade",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Athens",
    "Europe/Istanbul",
    "Asia/Tbilisi",
)
SHIFTS = ((7, 15), (8, 16), (9, 17), (10, 18), (12, 20))  # local hours
SPECIALISED = (
    (Specialisation.ASYLUM_INTERVIEW, 0.4),
    (Specialisation.MEDICAL, 0.15),
    (Specialisation.CHILD_FRIENDLY, 0.1),
    (Specialisation.GENDER_BASED_VIOLENCE, 0.08),
)
Rows = dict[type[Base], list[dict[str, Any]]]


@dataclass(frozen=True)
class Staff:
    """What booking generation needs of one interpreter with hours."""

    user_id: UserId
    tags: tuple[str, ...]
    served: tuple[OrganisationId, ...]
    zone: str
    shift: tuple[int, int]


@dataclass
class World:
    """What requests are drawn from: authorities, their caseworkers and exclusions, who speaks what."""

    tags: list[str] = field(default_factory=list)
    weights: list[int] = field(default_factory=list)
    caseworkers: dict[OrganisationId, list[UserId]] = field(default_factory=dict)
    excluded: dict[OrganisationId, frozenset[UserId]] = field(default_factory=dict)
    speakers: dict[str, list[UserId]] = field(default_factory=lambda: defaultdict(list))


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.rows: Rows = defaultdict(list)
        self.world = World()
        self.staff: list[Staff] = []
        self.slots: list[tuple[int, date, int]] = []  # (staff index, local date, half of the shift)

    def rid(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def user(self, org: str, name: str, role: str, active: bool = True) -> UserId:
        uid = self.rid()
        created = NOW - timedelta(days=self.rng.randint(30, 900))
        self.rows[UserRow].append(
            dict(
                id=uid,
                organisation_id=org,
                username=name,
                display_name=name.title(),
                password_hash="!",
                role=role,
                active=active,
                created_at=created,
            )
        )
        return UserId(uid)

    def organisations(self) -> tuple[str, list[OrganisationId]]:
        operator = self.rid()
        self.rows[OrganisationRow].append(
            dict(id=operator, name="RRIS pool", kind="operator", created_at=NOW)
        )
        orgs = [OrganisationId(self.rid()) for _ in AUTHORITIES]
        for org, name in zip(orgs, AUTHORITIES, strict=True):
            city, country = name.split(":")
            self.rows[OrganisationRow].append(
                dict(
                    id=org,
                    name=f"Asylum office {city}",
                    kind="authority",
                    country_code=country,
                    created_at=NOW,
                )
            )
            self.world.caseworkers[org] = [
                self.user(org, f"cw-{city.lower()}-{n:02d}", "caseworker") for n in range(20)
            ]
        return operator, orgs

    def interpreter(self, number: int, operator: str, orgs: list[OrganisationId], languages: int) -> None:
        rng, rows = self.rng, self.rows
        uid = self.user(operator, f"interpreter{number:05d}", "interpreter", active=rng.random() > 0.02)
        rows[InterpreterProfileRow].append(
            dict(user_id=uid, gender=rng.choices(list(Gender), (45, 45, 3, 7))[0])
        )
        count = rng.choices((1, 2, 3), (40, 40, 20))[0]
        picked = {
            rng.choices(range(languages), [w for _, w in LANGUAGES[:languages]])[0] for _ in range(count)
        }
        tags = [LanguageTag.parse(rng.choice(LANGUAGES[i][0])) for i in sorted(picked)]
        for tag in tags:
            self.world.speakers[tag.language].append(uid)
            dialects = DIALECTS.get(tag.language)
            rows[InterpreterLanguageRow].append(
                dict(
                    user_id=uid,
                    tag=tag.tag,
                    language=tag.language,
                    dialect=rng.choice(dialects) if dialects and rng.random() < 0.3 else None,
                    accreditation=rng.choices(list(Accreditation), (40, 30, 20, 10))[0].value,
                )
            )
        served = rng.sample(orgs, rng.choices((1, 2, 3), (50, 35, 15))[0])
        rows[InterpreterOrganisationRow] += [dict(user_id=uid, organisation_id=o) for o in served]
        specialised = [s for s, share in SPECIALISED if rng.random() < share]
        rows[InterpreterSpecialisationRow] += [dict(user_id=uid, specialisation=s.value) for s in specialised]
        if (nationality := NATIONALITY.get(tags[0].language)) and rng.random() < 0.3:
            rows[InterpreterConflictRow].append(dict(user_id=uid, key="nationality", value=nationality))
        if rng.random() < 0.01:
            return  # never stated any hours
        zone, (first, last) = rng.choice(ZONES), rng.choice(SHIFTS)
        weekdays = sorted(rng.sample(range(6), rng.choices((3, 4, 5), (30, 30, 40))[0]))
        holidays = {NOW.date() + timedelta(days=rng.randrange(DAYS)) for _ in range(rng.choice((0, 0, 1, 2)))}
        hours = Availability(
            zone,
            tuple(WeeklySlot(Weekday(d), time(first), time(last)) for d in weekdays),
            tuple(DateOverride(day, OverrideKind.UNAVAILABLE) for day in sorted(holidays)),
        )
        rows[InterpreterAvailabilityRow].append(
            dict(user_id=uid, zone=zone, pattern=pattern_to_json(hours), version=1, updated_at=NOW)
        )
        self.staff.append(Staff(uid, tuple(t.tag for t in tags), tuple(served), zone, (first, last)))
        for day in (NOW.date() + timedelta(days=d) for d in range(DAYS)):
            if day.weekday() in weekdays and day not in holidays:
                self.slots += [(len(self.staff) - 1, day, 0), (len(self.staff) - 1, day, 1)]

    def booking(self, slot: tuple[int, date, int] | None) -> None:
        """One booking; with a slot, it holds (or held) that staff member's time in that half-shift."""
        rng, rows = self.rng, self.rows
        bid, created = self.rid(), NOW - timedelta(minutes=rng.randint(60, 30 * 24 * 60))
        interpreter: UserId | None = None
        if slot is None:  # still waiting for an interpreter
            org, tag = rng.choice(list(self.world.caseworkers)), rng.choice(self.world.tags)
            start = datetime.combine(NOW.date() + timedelta(days=rng.randrange(1, DAYS)), time(9), UTC)
            end, state = start + timedelta(hours=1), "requested"
        else:
            staff, day, half = self.staff[slot[0]], slot[1], slot[2]
            interpreter, org, tag = staff.user_id, rng.choice(staff.served), rng.choice(staff.tags)
            first, last = staff.shift
            middle = (first + last) * 30  # minutes; each half keeps 30 of them free towards the middle
            low, high = (first * 60, middle - 30) if half == 0 else (middle + 30, last * 60)
            minutes = rng.choice((60, 90, 120))
            local = datetime.combine(day, time(0)) + timedelta(
                minutes=low + 15 * rng.randint(0, (high - low - minutes) // 15)
            )
            start = local_to_utc(local, staff.zone)
            end = local_to_utc(local + timedelta(minutes=minutes), staff.zone)
            state = rng.choices(("confirmed", "offered", "cancelled"), (83, 7, 10))[0]
            offered = created + timedelta(minutes=rng.randint(1, 30))
            answer = {"offered": None, "confirmed": "accepted", "cancelled": "released"}[state]
            rows[InterpreterAssignmentRow].append(
                dict(
                    booking_id=bid,
                    interpreter_id=interpreter,
                    start_at=start,
                    end_at=end,
                    active=state != "cancelled",
                )
            )
            rows[BookingOfferRow].append(
                dict(
                    booking_id=bid,
                    interpreter_id=interpreter,
                    leg="direct",
                    offered_at=offered,
                    expires_at=max(offered, NOW) + timedelta(hours=2),
                    answer=answer,
                    answered_at=offered if answer else None,
                    current=state != "cancelled",
                )
            )
        rows[BookingRow].append(
            dict(
                id=bid,
                organisation_id=org,
                caseworker_id=rng.choice(self.world.caseworkers[org]),
                language=tag,
                start_at=start,
                end_at=end,
                modality=rng.choice(("video", "video", "audio")),
                state=state,
                interpreter_id=interpreter if state in ("offered", "confirmed") else None,
                requirements="{}",
                request_fingerprint=hashlib.sha256(bid.encode()).hexdigest(),
                created_at=created,
                version={"requested": 1, "offered": 2, "confirmed": 3, "cancelled": 4}[state],
            )
        )


def generate(interpreters: int, bookings: int, languages: int, seed: int) -> tuple[Rows, World]:
    """Every row of the world (by table, in insertion order) and what requests are drawn from."""
    build = _Builder(random.Random(seed))
    operator, orgs = build.organisations()
    build.world.tags = [tag for tags, _ in LANGUAGES[:languages] for tag in tags]
    build.world.weights = [weight for tags, weight in LANGUAGES[:languages] for _ in tags]
    for number in range(interpreters):
        build.interpreter(number, operator, orgs, languages)
    pool = [s.user_id for s in build.staff]
    for org in orgs:
        build.world.excluded[org] = frozenset(build.rng.sample(pool, min(10, len(pool))))
        build.rows[OrganisationExclusionRow] += [
            dict(organisation_id=org, interpreter_id=u, created_at=NOW) for u in build.world.excluded[org]
        ]
    held = build.rng.sample(build.slots, min(len(build.slots), bookings * 95 // 100))
    for number in range(bookings):
        build.booking(held[number] if number < len(held) else None)
    return build.rows, build.world


async def load(db: Database, rows: Rows, batch: int = 10_000) -> None:
    """Bulk insert (executemany) in one transaction; on PostgreSQL then ANALYZE, as autovacuum would."""
    async with db.engine.begin() as conn:
        by_name = {model.__tablename__: values for model, values in rows.items()}
        for table in Base.metadata.sorted_tables:  # parents before children
            values = by_name.get(table.name, [])
            for first in range(0, len(values), batch):
                await conn.execute(insert(table), values[first : first + batch])
    if not db.is_sqlite:
        async with db.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))


def random_request(world: World, rng: random.Random) -> tuple[MatchRequest, Interval]:
    """What an authority asks for: one to two hours on a weekday in the booked range, with the odd extra
    requirement (gender, specialisation, accreditation, applicant attribute, dialect, a preferred or
    excluded interpreter, the counterpart language ``en``)."""
    org = rng.choice(sorted(world.caseworkers))
    language = LanguageTag.parse(rng.choices(world.tags, world.weights)[0])
    code, speakers = language.language, world.speakers[language.language]
    excluded = frozenset(rng.sample(speakers, 1)) if speakers and rng.random() < 0.05 else frozenset()
    preferred = rng.choice(speakers) if speakers and rng.random() < 0.05 else None
    if preferred in excluded or preferred in world.excluded[org]:
        preferred = None
    nationality = NATIONALITY.get(code)
    request = MatchRequest(
        organisation=org,
        language=language,
        dialect=rng.choice(DIALECTS[code]) if code in DIALECTS and rng.random() < 0.3 else None,
        gender=rng.choices((None, Gender.FEMALE, Gender.MALE), (75, 20, 5))[0],
        specialisations=frozenset([Specialisation.ASYLUM_INTERVIEW] if rng.random() < 0.2 else []),
        min_accreditation=rng.choices(list(Accreditation), (50, 30, 15, 5))[0],
        excluded=excluded,
        organisation_excluded=world.excluded[org],
        applicant_attributes=frozenset(
            [Attribute("nationality", nationality)] if nationality and rng.random() < 0.3 else []
        ),
        preferred_interpreter=preferred,
        counterpart=LanguageTag.parse("en") if code != "en" and rng.random() < 0.1 else None,
    )
    day = NOW.date() + timedelta(days=rng.randrange(1, DAYS - 2))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    local = datetime.combine(day, time(7)) + timedelta(minutes=15 * rng.randint(0, 36))
    length = timedelta(minutes=rng.choice((60, 90, 120)))
    return request, Interval(local_to_utc(local, OFFICE_ZONE), local_to_utc(local + length, OFFICE_ZONE))
