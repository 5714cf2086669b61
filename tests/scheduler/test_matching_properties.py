"""Properties of the matcher and the engine, over generated requests and sequences of operations.

1. The matcher returns exactly the interpreters a brute-force check of every hard constraint accepts, on a
   generated population: the SQL prefilter neither lets a violator through nor loses an eligible one.
2. No two active bookings of one interpreter ever overlap (or come within the buffer), and every held
   booking holds exactly its interpreters' time, after any sequence of book / accept / decline / withdraw /
   cancel / reassign / expire.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from core.errors import DomainError
from core.ids import UserId
from core.interpreters import Accreditation, Attribute, Gender, Specialisation, WorkingLanguage
from core.languages import LanguageTag
from core.models import BookingOfferRow, BookingRow, InterpreterAssignmentRow
from scheduler.booking_states import HOLDS_SLOT, BookingState
from scheduler.constraints import InterpreterFacts, LanguageSkill, MatchRequest, check_hard, eligible
from tests.support.booking_world import LIMITS, OFFICE, OTHER_OFFICE, BookingWorld, at, booking_world

TAGS = ("ps-AF", "ps", "fa-AF", "fa-IR", "fa", "ar", "en", "mk", "tr")
GENDERS = (Gender.FEMALE, Gender.MALE, Gender.NON_BINARY, Gender.UNDISCLOSED)
ATTRIBUTES = tuple(Attribute(k, v) for k in ("nationality", "community") for v in ("af", "ir", "hazara"))


def _population(seed: int = 7, size: int = 40) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    people = []
    for n in range(size):
        people.append(
            {
                "uid": f"i{n:02d}",
                "tags": rng.sample(TAGS, rng.randint(1, 3)),
                "accreditation": rng.choice(list(Accreditation)),
                "gender": rng.choice(GENDERS),
                "specialisations": rng.sample(list(Specialisation), rng.randint(0, 2)),
                "conflicts": rng.sample(ATTRIBUTES, rng.randint(0, 2)),
                "organisations": rng.choice([[OFFICE], [OTHER_OFFICE], [OFFICE, OTHER_OFFICE], []]),
            }
        )
    return people


POPULATION = _population()
STRUCK_OFF = frozenset({UserId("i03"), UserId("i11")})


def _truth(person: dict[str, Any]) -> InterpreterFacts:
    """The facts as the test wrote them, not as the database returns them."""
    return InterpreterFacts(
        user_id=UserId(person["uid"]),
        gender=person["gender"],
        languages=tuple(
            LanguageSkill(WorkingLanguage(LanguageTag.parse(t)), person["accreditation"])
            for t in person["tags"]
        ),
        organisations=frozenset(person["organisations"]),
        specialisations=frozenset(person["specialisations"]),
        conflicts=frozenset(person["conflicts"]),
    )


@pytest.fixture(scope="module")
def population_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('matching') / 'population.sqlite3'}"

    async def build() -> None:
        async with booking_world(url) as world:
            for person in POPULATION:
                await world.interpreter(
                    person["uid"],
                    *person["tags"],
                    gender=person["gender"],
                    accreditation=person["accreditation"],
                    specialisations=person["specialisations"],
                    conflicts=person["conflicts"],
                    organisations=person["organisations"],
                )
            await world.exclusions.replace(OFFICE, sorted(STRUCK_OFF))

    asyncio.run(build())
    return url


_requests = st.builds(
    MatchRequest,
    organisation=st.sampled_from([OFFICE, OTHER_OFFICE]),
    language=st.sampled_from(TAGS).map(LanguageTag.parse),
    gender=st.sampled_from([None, Gender.FEMALE, Gender.MALE, Gender.NON_BINARY]),
    specialisations=st.frozensets(st.sampled_from(list(Specialisation)), max_size=2),
    min_accreditation=st.sampled_from(list(Accreditation)),
    excluded=st.frozensets(st.sampled_from([UserId(p["uid"]) for p in POPULATION]), max_size=4),
    applicant_attributes=st.frozensets(st.sampled_from(ATTRIBUTES), max_size=2),
    counterpart=st.sampled_from([None, *TAGS]).map(lambda t: LanguageTag.parse(t) if t else None),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=_requests)
def test_the_matcher_returns_exactly_those_breaking_no_hard_constraint(
    population_db: str, request: MatchRequest
) -> None:
    if request.organisation == OFFICE:
        request = MatchRequest(**{**request.__dict__, "organisation_excluded": STRUCK_OFF})

    async def query() -> set[str]:
        async with booking_world(population_db) as world:
            return {f.user_id for f in await world.matcher.eligible(request)}

    found = asyncio.run(query())
    expected = {p["uid"] for p in POPULATION if not check_hard(request, _truth(p))}
    assert found == expected
    # The matcher's short-circuit test says the same as the full list of broken rules, person by person.
    assert {p["uid"] for p in POPULATION if eligible(request, _truth(p))} == expected


# -- the engine, operation by operation ----------------------------------------------------------

_slot = st.tuples(st.integers(0, 20), st.integers(1, 8))  # start in quarter hours after 09:00, length
_pick = st.integers(0, 100)
_operations = st.lists(
    st.one_of(
        st.tuples(st.just("book"), _slot, st.booleans()),
        st.tuples(st.just("accept"), _pick, _pick),
        st.tuples(st.just("decline"), _pick, _pick),
        st.tuples(st.just("withdraw"), _pick, _pick),
        st.tuples(st.just("cancel"), _pick),
        st.tuples(st.just("assign"), _pick, _pick),
        st.tuples(st.just("expire"), _pick),
    ),
    max_size=25,
)
STAFF = ("ps-en", "ps-en-2", "en-mk", "ps-mk")


async def _apply(world: BookingWorld, made: list[str], op: tuple[Any, ...]) -> None:
    kind, *args = op
    if kind == "book":
        (quarter, length), relay = args
        start = at(9) + timedelta(minutes=15 * quarter)
        extra = {"counterpart_language": "mk"} if relay else {}
        made.append((await world.book(start, 15 * length, **extra)).id)
        return
    if not made:
        return
    booking = await world.bookings.get(made[args[0] % len(made)])
    who = UserId(STAFF[args[1] % len(STAFF)]) if len(args) > 1 else None
    holders = booking.interpreters
    if kind == "accept" and holders:
        await world.engine.accept(booking.id, holders[args[1] % len(holders)], None)
    elif kind == "decline" and holders:
        await world.engine.decline(booking.id, holders[args[1] % len(holders)])
    elif kind == "withdraw" and holders:
        await world.engine.withdraw(booking.id, holders[args[1] % len(holders)])
    elif kind == "cancel":
        await world.engine.cancel(booking.id)
    elif kind == "assign" and who is not None:
        await world.engine.assign_by_hand(booking.id, who)
    elif kind == "expire":
        world.clock.advance(3 * 3600)
        await world.engine.expire(booking.id)


async def _check(world: BookingWorld) -> None:
    held = sorted(await world.held(), key=lambda h: (h[0], h[2]))
    for (i1, _, _, end1), (i2, _, start2, _) in itertools.pairwise(held):
        if i1 == i2:
            assert end1 + LIMITS.buffer <= start2, held
    by_booking: dict[str, set[str]] = {}
    for interpreter, booking_id, _, _ in held:
        by_booking.setdefault(booking_id, set()).add(interpreter)
    async with world.db.sessions() as session:
        rows = (await session.scalars(select(BookingRow))).all()
    for row in rows:
        holders = {i for i in (row.interpreter_id, row.relay_interpreter_id) if i}
        if BookingState(row.state) in HOLDS_SLOT and row.state != BookingState.COMPLETED:
            assert by_booking.get(row.id) == holders, (row.state, holders, by_booking.get(row.id))
        elif BookingState(row.state) not in HOLDS_SLOT:
            assert row.id not in by_booking
            # A cancelled booking remembers who held it (their calendar shows it cancelled).
            assert row.state == BookingState.CANCELLED or not holders


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=_operations)
def test_no_two_active_bookings_of_one_interpreter_ever_overlap(
    tmp_path: Path, operations: list[tuple[Any, ...]]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'engine.sqlite3'}"

    async def run() -> None:
        async with booking_world(url) as world:
            async with world.db.transaction() as session:
                for table in (BookingOfferRow, InterpreterAssignmentRow, BookingRow):
                    await session.execute(delete(table))
            if not await world.directory.profile(UserId(STAFF[0])):
                await world.interpreter("ps-en", "ps-AF", "en")
                await world.interpreter("ps-en-2", "ps-AF", "en")
                await world.interpreter("en-mk", "en", "mk")
                await world.interpreter("ps-mk", "ps-AF", "mk")
            made: list[str] = []
            for op in operations:
                # Refused moves belong to the sequence; the invariant must hold regardless.
                with contextlib.suppress(DomainError):
                    await _apply(world, made, op)
                await _check(world)

    asyncio.run(run())
