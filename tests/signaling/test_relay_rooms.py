"""A relay booking's room, driven with a fake clock: three seats (caseworker, to-pivot and from-pivot
interpreters), negotiation between each pair named by its target, every absence told to every other
participant, and an interpreter's hang-up that leaves the room instead of ending it before it closes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import Forbidden, InvalidInput, NotFound
from core.ids import CallId, new_id
from signaling.booked_rooms import room_key
from signaling.call_documents import LIVE_CALLS
from signaling.calls import PeerUnavailable
from signaling.room_attendance import user_rooms_key
from signaling.states import PresenceState
from tests.signaling.test_booked_rooms import GRACE, close_socket, connect, join, live, presence_of
from tests.support.domain import Domain

HOUR = timedelta(hours=1)
# The people of the room, by seat; the usernames come from tests/support/world.py.
SEATS = {"caseworker": "cw.a", "interpreter": "ps.female", "relay_interpreter": "fa.iran"}
OUTSIDERS = ("cw.a2", "cw.b", "ps.male", "coord")


async def open_relay_room(d: Domain, booking_id: str | None = None, closes_in: timedelta = HOUR) -> CallId:
    return await d.services.booked_rooms.open(
        booking_id or new_id(),
        d.world.office_a,
        "Test Office A",
        d.world.id(SEATS["caseworker"]),
        d.world.id(SEATS["interpreter"]),
        "ps",
        d.clock.now() + closes_in,
        relay_interpreter_id=d.world.id(SEATS["relay_interpreter"]),
    )


async def all_joined(d: Domain, closes_in: timedelta = HOUR) -> CallId:
    call_id = await open_relay_room(d, closes_in=closes_in)
    for username in SEATS.values():
        await join(d, username, call_id)
    return call_id


async def send(
    d: Domain, username: str, call_id: str, to: str | None, event: str = "signal:candidate"
) -> None:
    await d.services.calls.relay(await d.who(username), call_id, event, {"candidate": None}, to)


def sid(seat: str) -> str:
    return f"sid-{SEATS[seat]}"


async def test_a_relay_room_invites_all_three_and_names_its_seats(domain: Domain) -> None:
    for username in (*SEATS.values(), "ps.male"):
        await connect(domain, username)
    booking = new_id()
    call_id = await open_relay_room(domain, booking)

    for seat in SEATS:
        [opened] = domain.notes.to(sid(seat), "room:open")
        assert (opened["call_id"], opened["booking_id"], opened["role"]) == (call_id, booking, seat)
        assert opened["participants"] == ["caseworker", "interpreter", "relay_interpreter"]
    assert domain.notes.to("sid-ps.male") == []
    rooms = await domain.services.booked_rooms.rooms_of(await domain.who("fa.iran"))
    assert [(r["call_id"], r["role"], r["disconnected"]) for r in rooms] == [
        (call_id, "relay_interpreter", ["caseworker", "interpreter", "relay_interpreter"])
    ]
    marker = await domain.services.store.get(room_key(booking))
    assert marker is not None
    assert marker.value["relay_interpreter"] == domain.world.id("fa.iran")


@pytest.mark.parametrize("same_as", ["cw.a", "ps.female"])
async def test_a_relay_room_needs_three_different_people_and_refusing_creates_nothing(
    domain: Domain, same_as: str
) -> None:
    await connect(domain, same_as)
    with pytest.raises(InvalidInput):
        await domain.services.booked_rooms.open(
            new_id(),
            domain.world.office_a,
            "Test Office A",
            domain.world.id("cw.a"),
            domain.world.id("ps.female"),
            "ps",
            domain.clock.now() + HOUR,
            relay_interpreter_id=domain.world.id(same_as),
        )
    assert await domain.services.store.set_members(LIVE_CALLS) == set()
    assert await domain.services.store.set_members(user_rooms_key(domain.world.id(same_as))) == set()
    assert domain.notes.sent == []


async def test_each_joiner_learns_who_is_there_and_everyone_there_hears_of_the_joiner(domain: Domain) -> None:
    call_id = await open_relay_room(domain)
    first = await join(domain, "fa.iran", call_id)
    assert (first["role"], first["present"], first["peer_present"]) == ("relay_interpreter", [], False)
    second = await join(domain, "cw.a", call_id)
    assert (second["role"], second["present"], second["peer_present"]) == (
        "caseworker",
        ["relay_interpreter"],
        False,
    )
    third = await join(domain, "ps.female", call_id)
    assert (third["present"], third["peer_present"]) == (["caseworker", "relay_interpreter"], True)

    assert domain.notes.to(sid("relay_interpreter"), "call:peer-rejoined") == [
        {"call_id": call_id, "role": "caseworker"},
        {"call_id": call_id, "role": "interpreter"},
    ]
    assert domain.notes.to(sid("caseworker"), "call:peer-rejoined") == [
        {"call_id": call_id, "role": "interpreter"}
    ]
    assert domain.notes.to(sid("interpreter"), "call:peer-rejoined") == []
    assert await presence_of(domain, "ps.female") == PresenceState.IN_CALL
    assert await presence_of(domain, "fa.iran") == PresenceState.IN_CALL
    assert (await live(domain, call_id))["disconnected"] == {}


@pytest.mark.parametrize(
    ("sender", "target"),
    [(a, b) for a in SEATS for b in SEATS if a != b],
)
async def test_negotiation_reaches_the_named_participant_only_and_says_who_sent_it(
    domain: Domain, sender: str, target: str
) -> None:
    call_id = await all_joined(domain)
    domain.notes.sent.clear()
    await domain.services.calls.relay(
        await domain.who(SEATS[sender]), call_id, "signal:description", {"type": "offer", "sdp": "o"}, target
    )
    assert domain.notes.sent == [
        (sid(target), "signal:description", {"type": "offer", "sdp": "o", "call_id": call_id, "from": sender})
    ]


@pytest.mark.parametrize(
    ("username", "to", "refusal"),
    [
        pytest.param("cw.a", None, InvalidInput, id="no-target"),
        pytest.param("ps.female", None, InvalidInput, id="no-target-from-an-interpreter"),
        pytest.param("fa.iran", "relay_interpreter", InvalidInput, id="to-oneself"),
        pytest.param("cw.a", "caseworker", InvalidInput, id="caseworker-to-oneself"),
        pytest.param("ps.male", "interpreter", Forbidden, id="outsider-interpreter"),
        pytest.param("cw.a2", "caseworker", Forbidden, id="outsider-caseworker"),
        pytest.param("coord", "relay_interpreter", Forbidden, id="outsider-coordinator"),
    ],
)
async def test_a_relay_without_a_valid_target_is_refused_and_relays_nothing(
    domain: Domain, username: str, to: str | None, refusal: type[Exception]
) -> None:
    call_id = await all_joined(domain)
    before, sent = await live(domain, call_id), len(domain.notes.sent)
    with pytest.raises(refusal):
        await send(domain, username, call_id, to)
    assert len(domain.notes.sent) == sent
    assert await live(domain, call_id) == before


async def test_a_seat_not_taken_yet_is_unavailable_and_nothing_is_relayed(domain: Domain) -> None:
    call_id = await open_relay_room(domain)
    await join(domain, "cw.a", call_id)
    await join(domain, "ps.female", call_id)
    sent = len(domain.notes.sent)
    with pytest.raises(PeerUnavailable):
        await send(domain, "cw.a", call_id, "relay_interpreter")
    assert len(domain.notes.sent) == sent
    await send(domain, "cw.a", call_id, "interpreter")  # the two who are there still talk
    assert domain.notes.to(sid("interpreter"), "signal:candidate")[-1]["from"] == "caseworker"


async def test_a_dropped_socket_is_told_to_both_others_and_a_rejoin_to_both_again(domain: Domain) -> None:
    call_id = await all_joined(domain, closes_in=timedelta(minutes=10))
    await close_socket(domain, "ps.female")
    told = {"call_id": call_id, "role": "interpreter", "grace_s": 600.0}
    assert domain.notes.to(sid("caseworker"), "call:peer-disconnected") == [told]
    assert domain.notes.to(sid("relay_interpreter"), "call:peer-disconnected") == [told]
    with pytest.raises(PeerUnavailable):
        await send(domain, "fa.iran", call_id, "interpreter")
    await domain.advance(GRACE * 10)  # a booked room waits past the grace period, until it closes
    await domain.services.calls.sweep()
    assert await presence_of(domain, "ps.female") == PresenceState.IN_CALL  # held: not rung meanwhile

    back = await domain.services.booked_rooms.rejoin(await domain.who("ps.female"), "sid-new-tab", call_id)
    assert (back["ice_restart"], back["present"], back["peer_present"]) == (
        True,
        ["caseworker", "relay_interpreter"],
        True,
    )
    for seat in ("caseworker", "relay_interpreter"):
        assert domain.notes.to(sid(seat), "call:peer-rejoined")[-1] == {
            "call_id": call_id,
            "role": "interpreter",
        }
    await send(domain, "fa.iran", call_id, "interpreter")
    assert domain.notes.to("sid-new-tab", "signal:candidate")[-1]["from"] == "relay_interpreter"
    presence = await domain.services.presence.get(domain.world.id("ps.female"))
    assert presence is not None
    assert (presence.state, presence.sid) == (PresenceState.IN_CALL, "sid-new-tab")


async def test_an_interpreter_who_hangs_up_leaves_the_room_and_may_come_back(domain: Domain) -> None:
    call_id = await all_joined(domain, closes_in=timedelta(minutes=10))
    left = await domain.services.booked_rooms.hang_up(await domain.who("fa.iran"), call_id)
    assert left == {"left": True, "grace_s": 600.0}

    told = {"call_id": call_id, "role": "relay_interpreter", "grace_s": 600.0}
    assert domain.notes.to(sid("caseworker"), "call:peer-left") == [told]
    assert domain.notes.to(sid("interpreter"), "call:peer-left") == [told]
    room = await live(domain, call_id)
    assert (room["state"], room["relay_interpreter_sid"], list(room["disconnected"])) == (
        "active",
        None,
        ["relay_interpreter"],
    )
    assert await presence_of(domain, "fa.iran") == PresenceState.AWAY  # free again, on purpose
    assert all(e != "call:ended" for e in domain.notes.events_to(sid("caseworker")))
    with pytest.raises(PeerUnavailable):
        await send(domain, "cw.a", call_id, "relay_interpreter")
    await send(domain, "cw.a", call_id, "interpreter")  # the others go on

    await domain.advance(300)
    back = await join(domain, "fa.iran", call_id)
    assert (back["role"], back["peer_present"]) == ("relay_interpreter", True)
    assert domain.notes.to(sid("caseworker"), "call:peer-rejoined")[-1]["role"] == "relay_interpreter"
    assert await presence_of(domain, "fa.iran") == PresenceState.IN_CALL
    await domain.advance(400)  # past closes_at, all three there: the session runs on
    await domain.services.calls.sweep()
    assert (await live(domain, call_id))["state"] == "active"


async def test_an_interpreter_who_left_and_did_not_come_back_drops_the_room_when_it_closes(
    domain: Domain,
) -> None:
    call_id = await all_joined(domain, closes_in=timedelta(minutes=10))
    await domain.services.booked_rooms.hang_up(await domain.who("ps.female"), call_id)
    await domain.advance(599)
    assert await live(domain, call_id) is not None
    await domain.advance(2)
    assert await live(domain, call_id) is None
    dropped = {"call_id": call_id, "reason": "dropped", "outcome": "dropped"}
    assert domain.notes.to(sid("caseworker"), "call:ended") == [dropped]
    assert domain.notes.to(sid("relay_interpreter"), "call:ended") == [dropped]
    assert domain.notes.to(sid("interpreter"), "call:ended") == []  # they had left already
    assert await presence_of(domain, "fa.iran") == PresenceState.AWAY
    assert await presence_of(domain, "ps.female") == PresenceState.AWAY


async def test_the_caseworkers_hang_up_ends_the_room_for_all_three(domain: Domain) -> None:
    call_id = await all_joined(domain)
    assert await domain.services.booked_rooms.hang_up(await domain.who("cw.a"), call_id) is None
    ended = {"call_id": call_id, "reason": "hangup", "outcome": "completed"}
    for seat in SEATS:
        assert domain.notes.to(sid(seat), "call:ended") == [ended]
    for username in ("ps.female", "fa.iran"):
        assert domain.notes.to(f"sid-{username}", "presence:state") == [{"state": "away"}]
        assert await presence_of(domain, username) == PresenceState.AWAY
    assert await live(domain, call_id) is None
    with pytest.raises(NotFound):
        await join(domain, "fa.iran", call_id)
    assert await presence_of(domain, "fa.iran") == PresenceState.AWAY


async def test_after_closes_at_an_interpreters_hang_up_ends_the_session_for_all(domain: Domain) -> None:
    call_id = await all_joined(domain, closes_in=timedelta(minutes=10))
    await domain.advance(700)
    assert await domain.services.booked_rooms.hang_up(await domain.who("ps.female"), call_id) is None
    for seat in SEATS:
        assert domain.notes.to(sid(seat), "call:ended")[-1]["outcome"] == "completed"
    assert await live(domain, call_id) is None


async def test_a_stranger_cannot_hang_up_or_join_and_changes_nothing(domain: Domain) -> None:
    call_id = await all_joined(domain)
    before, sent = await live(domain, call_id), len(domain.notes.sent)
    for outsider in OUTSIDERS:
        with pytest.raises(Forbidden):
            await domain.services.booked_rooms.hang_up(await domain.who(outsider), call_id)
        with pytest.raises(Forbidden):
            await join(domain, outsider, call_id)
    assert await live(domain, call_id) == before
    assert len(domain.notes.sent) == sent


async def test_a_seat_still_empty_at_closes_at_drops_the_room_even_via_the_sweep(domain: Domain) -> None:
    call_id = await open_relay_room(domain, closes_in=timedelta(minutes=10))
    await join(domain, "cw.a", call_id)
    await join(domain, "ps.female", call_id)  # the from-pivot interpreter never comes
    domain.clock.lose_timers()  # the node that opened the room died
    await domain.advance(602)
    await domain.services.calls.sweep()
    assert await live(domain, call_id) is None
    assert domain.notes.to(sid("interpreter"), "call:ended")[-1]["outcome"] == "dropped"
    assert await presence_of(domain, "ps.female") == PresenceState.AWAY


async def test_attendance_names_all_three_and_is_forgotten_with_every_ones_room_index(domain: Domain) -> None:
    booking = new_id()
    call_id = await open_relay_room(domain, booking)
    for username in SEATS.values():
        await join(domain, username, call_id)
    await domain.services.booked_rooms.hang_up(await domain.who("cw.a"), call_id)
    assert await domain.services.booked_rooms.attendance(booking) == {
        domain.world.id(u) for u in SEATS.values()
    }
    await domain.advance((HOUR + timedelta(days=1)).total_seconds() + 1)
    await domain.services.booked_rooms.forget_old()
    assert await domain.services.booked_rooms.attendance(booking) == frozenset()
    for username in SEATS.values():
        assert await domain.services.store.set_members(user_rooms_key(domain.world.id(username))) == set()
