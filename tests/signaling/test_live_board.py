"""The coordinators' live board from live state, with a fake clock: who is where, what waits, what runs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.accounts import Role
from core.config import Settings
from core.errors import Forbidden
from core.ids import CallId, new_id
from signaling.call_documents import LIVE_CALLS, booked_call, call_key, new_call
from signaling.live_board import board_json, board_scope
from tests.conftest import make_settings
from tests.support.domain import Domain
from tests.support.world import PASSWORD


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Rings never time out while a test moves the clock on to measure waiting.
    return make_settings(tmp_path, ring_timeout_s=600.0, grace_period_s=600.0)


async def board(d: Domain, viewer: str = "coord") -> dict[str, Any]:
    return board_json(await d.services.live_board.draw(board_scope(await d.who(viewer))))


def states(drawn: dict[str, Any]) -> dict[str, str]:
    return {line["name"]: line["state"] for line in drawn["interpreters"]}


def line(drawn: dict[str, Any], language: str) -> dict[str, Any]:
    return next(entry for entry in drawn["languages"] if entry["language"] == language)


async def standby(d: Domain, username: str) -> None:
    await d.services.presence.set_standby(d.world.id(username), f"sid-{username}", on=True)


async def request(d: Domain, caseworker: str = "cw.a", language: str = "ps") -> str:
    view = await d.services.calls.request(await d.who(caseworker), f"sid-{caseworker}", language, None)
    return str(view["call_id"])


async def test_with_nobody_online_every_interpreter_is_offline_and_counted_per_primary_language(
    domain: Domain,
) -> None:
    drawn = await board(domain)
    assert set(states(drawn).values()) == {"offline"}
    assert len(drawn["interpreters"]) == 5
    # ps, ps-AF and ps interpreters are one line, as in the coverage report; fa-IR counts under fa.
    assert line(drawn, "ps") | {"language": "ps"} == {
        "language": "ps",
        "standby": 0,
        "ringing": 0,
        "in_call": 0,
        "away": 0,
        "offline": 3,
        "waiting": 0,
        "active": 0,
    }
    assert line(drawn, "fa")["offline"] == 1
    assert (drawn["waiting"], drawn["calls"]) == ([], [])
    by_name = {entry["name"]: entry for entry in drawn["interpreters"]}
    assert by_name["Test ps.female"]["languages"] == ["ps-AF", "en"]
    assert by_name["Test ps.female"]["since"] is None


async def test_a_request_waits_with_its_waiting_time_then_runs_with_its_duration_then_leaves(
    domain: Domain,
) -> None:
    await standby(domain, "ps.male")
    drawn = await board(domain)
    assert states(drawn)["Test ps.male"] == "standby"
    assert line(drawn, "ps")["standby"] == 1

    domain.clock.advance(3)
    call_id = await request(domain)
    await domain.advance(7)
    drawn = await board(domain)
    [waiting] = drawn["waiting"]
    assert waiting == {
        "call_id": call_id,
        "language": "ps",
        "organisation": "Test Office A",
        "state": "ringing",
        "attempt": 1,
        "requested_at": (domain.clock.now() - timedelta(seconds=7)).isoformat(),
        "waiting_s": 7,
        "ringing": "Test ps.male",
    }
    assert states(drawn)["Test ps.male"] == "ringing"
    assert (line(drawn, "ps")["ringing"], line(drawn, "ps")["waiting"]) == (1, 1)

    await domain.services.calls.accept(await domain.who("ps.male"), "sid-ps.male", call_id)
    await domain.advance(42.5)
    drawn = await board(domain)
    assert drawn["waiting"] == []
    [call] = drawn["calls"]
    assert call == {
        "call_id": call_id,
        "language": "ps",
        "organisation": "Test Office A",
        "kind": "on_demand",
        "started_at": (domain.clock.now() - timedelta(seconds=42.5)).isoformat(),
        "duration_s": 42,
        "interpreters": ["Test ps.male"],
        "absent": [],
        "quality": {},  # no quality summary yet (signaling.call_quality)
    }
    assert states(drawn)["Test ps.male"] == "in_call"
    assert (line(drawn, "ps")["in_call"], line(drawn, "ps")["active"]) == (1, 1)

    await domain.services.calls.hang_up(await domain.who("cw.a"), call_id)
    drawn = await board(domain)
    assert (drawn["waiting"], drawn["calls"]) == ([], [])
    assert states(drawn)["Test ps.male"] == "standby"


async def test_a_request_between_two_rings_waits_searching_with_nobody_rung(domain: Domain) -> None:
    # Searching lasts only from one ring to the next: put a request in that state as the hunt leaves it.
    call_id = CallId(new_id())
    call = new_call(call_id, await domain.who("cw.a"), "sid-cw.a", "ar", None, domain.clock.now())
    await domain.services.store.create(call_key(call_id), call | {"attempt": 2})
    await domain.services.store.set_add(LIVE_CALLS, call_id)
    domain.clock.advance(61)
    [waiting] = (await board(domain))["waiting"]
    assert (waiting["state"], waiting["attempt"], waiting["ringing"]) == ("searching", 2, None)
    assert waiting["waiting_s"] == 61
    assert line(await board(domain), "ar")["waiting"] == 1


async def test_an_ended_call_left_in_the_live_set_is_not_shown(domain: Domain) -> None:
    call_id = await request(domain, language="ar")  # nobody on standby: it ends no_interpreter at once
    await domain.services.store.set_add(LIVE_CALLS, call_id)  # as a lost node may leave the set
    drawn = await board(domain)
    assert (drawn["waiting"], drawn["calls"]) == ([], [])


async def test_an_authority_sees_its_own_calls_and_the_interpreters_serving_it(domain: Domain) -> None:
    await standby(domain, "ps.male")  # serves A and B
    await standby(domain, "ps.only.b")  # serves B only
    for_a = await request(domain, "cw.a")  # rings ps.male (longest on standby)
    for_b = await request(domain, "cw.b")  # rings ps.only.b
    await domain.services.calls.accept(await domain.who("ps.male"), "sid-ps.male", for_a)

    pool = await board(domain, "coord")
    assert {c["call_id"] for c in pool["calls"]} | {w["call_id"] for w in pool["waiting"]} == {for_a, for_b}
    assert "Test ps.only.b" in states(pool)

    office_a = await board(domain, "coord.a")
    assert [c["call_id"] for c in office_a["calls"]] == [for_a]
    assert office_a["waiting"] == []  # office B's request is not office A's business
    assert "Test ps.only.b" not in states(office_a)
    assert set(states(office_a)) == {"Test ps.female", "Test ps.male", "Test ar.male", "Test fa.iran"}
    assert line(office_a, "ps")["waiting"] == 0


async def test_an_interpreter_busy_for_another_authority_shows_in_a_call_without_that_call(
    domain: Domain,
) -> None:
    await standby(domain, "ps.male")
    call_id = await request(domain, "cw.b")
    await domain.services.calls.accept(await domain.who("ps.male"), "sid-ps.male", call_id)
    office_a = await board(domain, "coord.a")
    assert states(office_a)["Test ps.male"] == "in_call"
    assert office_a["calls"] == []
    assert line(office_a, "ps")["active"] == 0


async def test_a_booked_room_runs_from_its_opening_and_names_whoever_has_not_joined(domain: Domain) -> None:
    store, w = domain.services.store, domain.world
    opened = domain.clock.now()
    call_id = CallId(new_id())
    room = booked_call(
        call_id,
        new_id(),
        w.office_a,
        "Test Office A",
        w.id("cw.a"),
        w.id("ps.female"),
        "ps",
        opened,
        opened + timedelta(hours=1),
        relay_interpreter_id=w.id("fa.iran"),
    )
    await store.create(call_key(call_id), room)
    await store.set_add(LIVE_CALLS, call_id)
    domain.clock.advance(90)
    [call] = (await board(domain, "coord.a"))["calls"]
    assert call["kind"] == "booked"
    assert call["started_at"] == opened.isoformat()
    assert call["duration_s"] == 90
    assert call["interpreters"] == ["Test ps.female", "Test fa.iran"]
    assert call["absent"] == ["caseworker", "interpreter", "relay_interpreter"]
    assert (await board(domain, "coord"))["calls"][0]["call_id"] == call_id


@pytest.mark.parametrize("username", ["cw.a", "ps.male"])
async def test_caseworkers_and_interpreters_are_refused_the_board(domain: Domain, username: str) -> None:
    with pytest.raises(Forbidden):
        board_scope(await domain.who(username))


async def test_admins_see_the_board_scoped_like_coordinators(domain: Domain) -> None:
    accounts, w = domain.services.accounts, domain.world
    w.users["admin.pool"] = await accounts.create_user(w.pool, "admin.pool", "Pool", PASSWORD, Role.ADMIN)
    w.users["admin.b"] = await accounts.create_user(w.office_b, "admin.b", "Office B", PASSWORD, Role.ADMIN)
    assert board_scope(await domain.who("admin.pool")).organisation_id is None
    assert board_scope(await domain.who("admin.b")).organisation_id == w.office_b
    assert "Test ar.male" not in states(await board(domain, "admin.b"))  # ar.male serves office A only
