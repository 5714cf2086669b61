"""Booked rooms, driven with a fake clock: opened once per booking, joined by its two people only, kept
open until the booking closes, and remembered as attendance after they end."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.ids import CallId, new_id
from signaling.booked_rooms import room_key
from signaling.call_documents import LIVE_CALLS, call_key
from signaling.calls import PeerUnavailable
from signaling.states import PresenceState
from tests.support.domain import Domain

GRACE = 2.0  # make_settings default
HOUR = timedelta(hours=1)


async def open_room(
    d: Domain,
    booking_id: str | None = None,
    closes_in: timedelta = HOUR,
    caseworker: str = "cw.a",
    interpreter: str = "ps.male",
    language: str = "ps",
) -> CallId:
    return await d.services.booked_rooms.open(
        booking_id or new_id(),
        d.world.office_a,
        "Test Office A",
        d.world.id(caseworker),
        d.world.id(interpreter),
        language,
        d.clock.now() + closes_in,
    )


async def connect(d: Domain, username: str, sid: str | None = None) -> str:
    """A socket of ``username`` is open (what the server's connect handler records)."""
    sid = sid or f"sid-{username}"
    await d.services.sockets.opened(f"session-of-{sid}", sid, d.world.id(username))
    return sid


async def join(d: Domain, username: str, call_id: str, sid: str | None = None) -> dict:
    return await d.services.booked_rooms.join(await d.who(username), sid or f"sid-{username}", call_id)


async def close_socket(d: Domain, username: str, sid: str | None = None) -> None:
    """What the server's disconnect handler does."""
    who, sid = await d.who(username), sid or f"sid-{username}"
    await d.services.calls.socket_closed(who, sid)
    await d.services.booked_rooms.socket_closed(who, sid)


async def live(d: Domain, call_id: str) -> dict | None:
    entry = await d.services.store.get(call_key(call_id))
    return entry.value if entry else None


async def presence_of(d: Domain, username: str) -> PresenceState | None:
    presence = await d.services.presence.get(d.world.id(username))
    return presence.state if presence else None


async def test_opening_a_booking_twice_returns_the_same_room_and_announces_it_once(domain: Domain) -> None:
    await connect(domain, "cw.a")
    booking = new_id()
    first = await open_room(domain, booking)
    second = await open_room(domain, booking)
    assert second == first
    assert len(domain.notes.to("sid-cw.a", "room:open")) == 1
    assert await domain.services.store.set_members(LIVE_CALLS) == {first}


async def test_concurrent_opens_of_one_booking_make_one_room(domain: Domain, monkeypatch) -> None:
    await connect(domain, "cw.a")
    await connect(domain, "ps.male")
    store = domain.services.store
    made: list[str] = []
    get, create = store.get, store.create

    async def slow_get(key: str):
        found = await get(key)
        await asyncio.sleep(0)  # the answer takes a while: every open reads "no room yet" before any writes
        return found

    async def noted_create(key: str, value: dict):
        if key.startswith("call:"):
            made.append(key)
        return await create(key, value)

    monkeypatch.setattr(store, "get", slow_get)
    monkeypatch.setattr(store, "create", noted_create)
    booking = new_id()
    opened = await asyncio.gather(*(open_room(domain, booking) for _ in range(5)))
    monkeypatch.undo()
    assert len(made) == 5  # all five raced as far as making a call
    assert len(set(opened)) == 1
    assert [key for key in made if await store.get(key) is not None] == [call_key(opened[0])]
    assert await domain.services.store.set_members(LIVE_CALLS) == {opened[0]}
    assert len(domain.notes.to("sid-cw.a", "room:open")) == 1
    assert len(domain.notes.to("sid-ps.male", "room:open")) == 1
    marker = await domain.services.store.get(room_key(booking))
    assert marker is not None
    assert marker.value["call_id"] == opened[0]


async def test_both_people_are_told_on_every_socket_they_have_open_and_nobody_else(domain: Domain) -> None:
    for username, sid in (("cw.a", "cw-tab-1"), ("cw.a", "cw-tab-2"), ("ps.male", "in-tab"), ("cw.a2", "x")):
        await connect(domain, username, sid)
    booking = new_id()
    call_id = await open_room(domain, booking)
    told = {
        "call_id": call_id,
        "state": "active",
        "language": "ps",
        "organisation": "Test Office A",
        "attempt": 0,
        "booking_id": booking,
        "closes_at": (domain.clock.now() + HOUR).isoformat(),
    }
    assert domain.notes.to("cw-tab-1", "room:open") == [told | {"role": "caseworker"}]
    assert domain.notes.to("cw-tab-2", "room:open") == [told | {"role": "caseworker"}]
    assert domain.notes.to("in-tab", "room:open") == [told | {"role": "interpreter"}]
    assert domain.notes.to("x") == []


async def test_someone_without_a_socket_gets_nothing_now_and_finds_the_room_on_connecting(
    domain: Domain,
) -> None:
    call_id = await open_room(domain)
    assert domain.notes.sent == []
    rooms = await domain.services.booked_rooms.rooms_of(await domain.who("ps.male"))
    assert [(r["call_id"], r["role"], r["disconnected"]) for r in rooms] == [
        (call_id, "interpreter", ["caseworker", "interpreter"])
    ]
    assert await domain.services.booked_rooms.rooms_of(await domain.who("cw.a2")) == []


async def test_a_stranger_cannot_join_and_changes_nothing(domain: Domain) -> None:
    await connect(domain, "cw.a")
    call_id = await open_room(domain)
    before = await live(domain, call_id)
    sent = len(domain.notes.sent)
    for outsider in ("cw.a2", "cw.b", "ps.female", "coord", "coord.a"):
        with pytest.raises(Forbidden):
            await join(domain, outsider, call_id)
        with pytest.raises(Forbidden):
            await domain.services.booked_rooms.rejoin(await domain.who(outsider), "sid-x", call_id)
        with pytest.raises(Forbidden):
            await domain.services.calls.hang_up(await domain.who(outsider), call_id)
    assert await live(domain, call_id) == before
    assert len(domain.notes.sent) == sent
    assert await presence_of(domain, "ps.female") is None
    assert await domain.services.booked_rooms.attendance(before["booking"]["id"]) == frozenset()


async def test_room_join_refuses_an_on_demand_call(domain: Domain) -> None:
    await domain.services.presence.set_standby(domain.world.id("ps.male"), "sid-ps.male", on=True)
    view = await domain.services.calls.request(await domain.who("cw.a"), "sid-cw.a", "ps", None)
    await domain.services.calls.accept(await domain.who("ps.male"), "sid-ps.male", view["call_id"])
    with pytest.raises(NotFound):
        await join(domain, "cw.a", view["call_id"])


async def test_both_join_and_negotiation_is_relayed_only_between_the_two(domain: Domain) -> None:
    call_id = await open_room(domain)
    first = await join(domain, "cw.a", call_id)
    assert first["role"] == "caseworker"
    assert first["peer_present"] is False
    with pytest.raises(PeerUnavailable):  # the interpreter has not come yet
        await domain.services.calls.relay(await domain.who("cw.a"), call_id, "signal:description", {})
    second = await join(domain, "ps.male", call_id)
    assert (second["role"], second["peer_present"], second["state"]) == ("interpreter", True, "active")
    assert domain.notes.to("sid-cw.a", "call:peer-rejoined") == [{"call_id": call_id, "role": "interpreter"}]
    assert await presence_of(domain, "ps.male") == PresenceState.IN_CALL

    await domain.services.calls.relay(await domain.who("cw.a"), call_id, "signal:description", {"sdp": "o"})
    await domain.services.calls.relay(
        await domain.who("ps.male"), call_id, "signal:description", {"sdp": "a"}
    )
    assert domain.notes.to("sid-ps.male", "signal:description") == [
        {"sdp": "o", "call_id": call_id, "from": "caseworker"}
    ]
    assert domain.notes.to("sid-cw.a", "signal:description") == [
        {"sdp": "a", "call_id": call_id, "from": "interpreter"}
    ]
    for outsider in ("cw.a2", "ps.female", "coord"):
        with pytest.raises(Forbidden):
            await domain.services.calls.relay(await domain.who(outsider), call_id, "signal:candidate", {})
    assert {sid for sid, _, _ in domain.notes.sent} == {"sid-cw.a", "sid-ps.male"}


async def test_attendance_names_who_joined_and_outlives_the_room_by_a_day(domain: Domain) -> None:
    booking = new_id()
    call_id = await open_room(domain, booking)
    assert await domain.services.booked_rooms.attendance(booking) == frozenset()
    await join(domain, "cw.a", call_id)
    await join(domain, "cw.a", call_id, sid="sid-cw.a-again")  # twice counts once
    await domain.services.calls.hang_up(await domain.who("cw.a"), call_id)
    assert await live(domain, call_id) is None
    assert await domain.services.booked_rooms.attendance(booking) == {domain.world.id("cw.a")}
    assert await open_room(domain, booking) == call_id  # an ended room is not opened again

    await domain.advance((HOUR + timedelta(days=1)).total_seconds() - 1)
    await domain.services.booked_rooms.forget_old()
    assert await domain.services.booked_rooms.attendance(booking) == {domain.world.id("cw.a")}
    await domain.advance(2)
    await domain.services.booked_rooms.forget_old()
    assert await domain.services.booked_rooms.attendance(booking) == frozenset()
    assert await domain.services.booked_rooms.rooms_of(await domain.who("cw.a")) == []


async def test_an_empty_room_is_not_swept_by_the_grace_period_and_ends_at_closes_at(domain: Domain) -> None:
    booking = new_id()
    call_id = await open_room(domain, booking, closes_in=timedelta(minutes=10))
    for _ in range(10):  # well past any grace period, sweeping as every node does
        await domain.advance(59)
        await domain.services.calls.sweep()
    assert (await live(domain, call_id))["state"] == "active"
    await domain.advance(10)  # 600 s: closes_at
    assert await live(domain, call_id) is None
    assert await domain.services.store.set_members(LIVE_CALLS) == set()
    assert await domain.services.booked_rooms.attendance(booking) == frozenset()


async def test_a_room_whose_node_was_lost_still_ends_by_the_sweep_after_closes_at(domain: Domain) -> None:
    call_id = await open_room(domain, closes_in=timedelta(minutes=10))
    await join(domain, "cw.a", call_id)
    domain.clock.lose_timers()
    await domain.advance(600.5)
    await domain.services.calls.sweep()
    assert await live(domain, call_id) is not None  # within the sweep's slack
    await domain.advance(1)
    await domain.services.calls.sweep()
    assert await live(domain, call_id) is None
    assert domain.notes.to("sid-cw.a", "call:ended") == [
        {"call_id": call_id, "reason": "dropped", "outcome": "dropped"}
    ]


async def test_someone_who_steps_out_may_come_back_until_closes_at(domain: Domain) -> None:
    call_id = await open_room(domain, closes_in=timedelta(minutes=10))
    await join(domain, "cw.a", call_id)
    await join(domain, "ps.male", call_id)
    await close_socket(domain, "ps.male")
    assert domain.notes.to("sid-cw.a", "call:peer-disconnected") == [
        {"call_id": call_id, "role": "interpreter", "grace_s": 600.0}
    ]
    await domain.advance(GRACE * 10)
    await domain.services.calls.sweep()
    assert (await live(domain, call_id))["disconnected"].keys() == {"interpreter"}
    back = await domain.services.booked_rooms.rejoin(await domain.who("ps.male"), "sid-ps.male-2", call_id)
    assert (back["ice_restart"], back["peer_present"]) == (True, True)
    assert (await live(domain, call_id))["disconnected"] == {}
    await domain.services.calls.relay(await domain.who("cw.a"), call_id, "signal:candidate", {})
    assert domain.notes.to("sid-ps.male-2", "signal:candidate")


async def test_a_caseworker_who_steps_out_is_waited_for_the_same_way(domain: Domain) -> None:
    call_id = await open_room(domain, closes_in=timedelta(minutes=10))
    await join(domain, "cw.a", call_id)
    await join(domain, "ps.male", call_id)
    await close_socket(domain, "cw.a")
    assert domain.notes.to("sid-ps.male", "call:peer-disconnected")[0]["role"] == "caseworker"
    await domain.advance(599)
    assert await live(domain, call_id) is not None
    await domain.advance(2)
    assert await live(domain, call_id) is None
    assert domain.notes.to("sid-ps.male", "call:ended")[-1]["outcome"] == "dropped"
    assert await presence_of(domain, "ps.male") == PresenceState.AWAY


async def test_with_both_present_the_session_runs_past_closes_at_until_hang_up(domain: Domain) -> None:
    await domain.services.presence.set_standby(domain.world.id("ps.male"), "sid-ps.male", on=True)
    call_id = await open_room(domain, closes_in=timedelta(minutes=10))
    await join(domain, "cw.a", call_id)
    await join(domain, "ps.male", call_id)
    await domain.advance(700)
    await domain.services.calls.sweep()
    assert (await live(domain, call_id))["state"] == "active"
    await domain.services.calls.hang_up(await domain.who("ps.male"), call_id)
    ended = {"call_id": call_id, "reason": "hangup", "outcome": "completed"}
    assert domain.notes.to("sid-cw.a", "call:ended") == [ended]
    assert domain.notes.to("sid-ps.male", "call:ended") == [ended]
    # Off the booked session, the interpreter is away until they go back on standby themselves.
    assert domain.notes.to("sid-ps.male", "presence:state") == [{"state": "away"}]
    assert await presence_of(domain, "ps.male") == PresenceState.AWAY
    with pytest.raises(NotFound):  # a booked session's trace is its booking, not a call record
        await domain.services.records.get(call_id, await domain.who("coord"))


async def test_an_interpreter_in_a_booked_room_is_not_rung_on_demand(domain: Domain) -> None:
    await domain.services.presence.set_standby(domain.world.id("ps.male"), "sid-ps.male", on=True)
    call_id = await open_room(domain)
    await join(domain, "ps.male", call_id)
    view = await domain.services.calls.request(await domain.who("cw.a2"), "sid-cw.a2", "ps", "male")
    assert view["state"] == "ended"
    assert domain.notes.to("sid-ps.male", "call:ring") == []


async def test_an_interpreter_being_rung_must_answer_before_joining(domain: Domain) -> None:
    await domain.services.presence.set_standby(domain.world.id("ps.male"), "sid-ps.male", on=True)
    call_id = await open_room(domain)
    await domain.services.calls.request(await domain.who("cw.a2"), "sid-cw.a2", "ps", "male")
    before = await live(domain, call_id)
    with pytest.raises(Conflict):
        await join(domain, "ps.male", call_id)
    assert await live(domain, call_id) == before
    assert await presence_of(domain, "ps.male") == PresenceState.RINGING


async def test_a_room_leaves_the_caseworkers_on_demand_request_alone(domain: Domain) -> None:
    await domain.services.presence.set_standby(domain.world.id("ps.female"), "sid-ps.female", on=True)
    call_id = await open_room(domain)
    await join(domain, "cw.a", call_id)
    view = await domain.services.calls.request(await domain.who("cw.a"), "sid-cw.a", "ps", None)
    assert view["state"] == "ringing"
    await domain.services.calls.hang_up(await domain.who("cw.a"), call_id)
    current = await domain.services.calls.current_call(await domain.who("cw.a"))
    assert current is not None
    assert current["call_id"] == view["call_id"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("booking_id", "not a booking id", id="booking-id"),
        pytest.param("language", "Pashto please", id="language"),
        pytest.param("interpreter", "cw.a", id="same-person"),
        pytest.param("organisation_name", "", id="empty-organisation-name"),
        pytest.param("closes_at", timedelta(0), id="already-closed"),
        pytest.param("closes_at", "naive", id="naive-closes-at"),
    ],
)
async def test_open_refuses_bad_arguments_and_creates_nothing(
    domain: Domain, field: str, value: object
) -> None:
    await connect(domain, "cw.a")
    args = {
        "booking_id": new_id(),
        "organisation_id": domain.world.office_a,
        "organisation_name": "Test Office A",
        "caseworker_id": domain.world.id("cw.a"),
        "interpreter_id": domain.world.id("ps.male"),
        "language": "ps",
        "closes_at": domain.clock.now() + HOUR,
    }
    if field == "interpreter":
        args["interpreter_id"] = domain.world.id(str(value))
    elif field == "closes_at":
        now = domain.clock.now()
        args["closes_at"] = now.replace(tzinfo=None) + HOUR if value == "naive" else now
    else:
        args[field] = value
    with pytest.raises(InvalidInput):
        await domain.services.booked_rooms.open(**args)  # type: ignore[arg-type]
    assert await domain.services.store.set_members(LIVE_CALLS) == set()
    assert domain.notes.sent == []


async def test_closes_at_is_told_in_utc_whatever_zone_it_came_in(domain: Domain) -> None:
    await connect(domain, "cw.a")
    closes = datetime.fromisoformat("2026-01-05T11:30:00+01:00")  # the fake clock starts 09:00 UTC
    await domain.services.booked_rooms.open(
        new_id(),
        domain.world.office_a,
        "Test Office A",
        domain.world.id("cw.a"),
        domain.world.id("ps.male"),
        "ps",
        closes,
    )
    assert domain.notes.to("sid-cw.a", "room:open")[0]["closes_at"] == "2026-01-05T10:30:00+00:00"
