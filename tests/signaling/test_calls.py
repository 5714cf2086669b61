"""The on-demand call lifecycle, driven with a fake clock: ringing, timeouts, declines, cancels, grace."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import Conflict, Forbidden, InvalidInput
from signaling.calls import PeerUnavailable
from signaling.states import PresenceState
from tests.support.domain import Domain

RING_TIMEOUT = 2.0  # make_settings default
GRACE = 2.0


async def standby(d: Domain, *usernames: str) -> None:
    for name in usernames:
        d.clock.advance(1)  # distinct standby times make the order deterministic
        await d.services.presence.set_standby(d.world.id(name), f"sid-{name}", on=True)


async def request(
    d: Domain, caseworker: str = "cw.a", language: str = "ps", gender: str | None = None
) -> str:
    view = await d.services.calls.request(await d.who(caseworker), f"sid-{caseworker}", language, gender)
    return str(view["call_id"])


async def state_of(d: Domain, username: str) -> PresenceState | None:
    presence = await d.services.presence.get(d.world.id(username))
    return presence.state if presence else None


async def record(d: Domain, call_id: str, viewer: str = "coord"):
    return await d.services.records.get(call_id, await d.who(viewer))


async def active_call(d: Domain, interpreter: str = "ps.male") -> str:
    await standby(d, interpreter)
    call_id = await request(d)
    await d.services.calls.accept(await d.who(interpreter), f"sid-{interpreter}", call_id)
    return call_id


async def test_rings_the_interpreter_on_standby_longest_first_and_one_at_a_time(domain: Domain) -> None:
    await standby(domain, "ps.male", "ps.female")
    call_id = await request(domain)
    assert [p["call_id"] for p in domain.notes.to("sid-ps.male", "call:ring")] == [call_id]
    assert domain.notes.to("sid-ps.female") == []
    assert await state_of(domain, "ps.male") == PresenceState.RINGING
    assert await state_of(domain, "ps.female") == PresenceState.STANDBY
    assert domain.notes.to("sid-cw.a", "call:status")[-1]["state"] == "ringing"


async def test_least_recently_busy_goes_first_after_a_call(domain: Domain) -> None:
    call_id = await active_call(domain, "ps.male")
    await standby(domain, "ps.female")
    await domain.services.calls.hang_up(await domain.who("cw.a"), call_id)
    assert await state_of(domain, "ps.male") == PresenceState.STANDBY  # back, but busy most recently
    second = await request(domain, "cw.a2")
    assert domain.notes.to("sid-ps.female", "call:ring")[-1]["call_id"] == second


async def test_ring_timeout_moves_to_the_next_interpreter_and_sets_the_first_away(domain: Domain) -> None:
    await standby(domain, "ps.male", "ps.female")
    call_id = await request(domain)
    await domain.advance(RING_TIMEOUT + 0.1)
    assert domain.notes.to("sid-ps.male", "call:ring-cancelled") == [
        {"call_id": call_id, "reason": "timeout"}
    ]
    assert domain.notes.to("sid-ps.male", "presence:state") == [{"state": "away"}]
    assert await state_of(domain, "ps.male") == PresenceState.AWAY
    assert domain.notes.to("sid-ps.female", "call:ring")[-1]["call_id"] == call_id
    assert await state_of(domain, "ps.female") == PresenceState.RINGING
    # Nobody is left after the second timeout.
    await domain.advance(RING_TIMEOUT + 0.1)
    ended = domain.notes.to("sid-cw.a", "call:ended")
    assert ended == [{"call_id": call_id, "reason": "no_interpreter", "outcome": "no_interpreter"}]
    rec = await record(domain, call_id)
    assert rec.outcome == "no_interpreter"
    assert rec.ring_attempts == 2
    assert rec.interpreter_id is None


async def test_decline_rings_the_next_and_leaves_the_decliner_on_standby(domain: Domain) -> None:
    await standby(domain, "ps.male", "ps.female")
    call_id = await request(domain)
    await domain.services.calls.decline(await domain.who("ps.male"), call_id)
    assert await state_of(domain, "ps.male") == PresenceState.STANDBY
    assert domain.notes.to("sid-ps.female", "call:ring")[-1]["call_id"] == call_id
    # The late timer of the declined ring finds nothing to do.
    await domain.advance(RING_TIMEOUT - 0.5)
    assert await state_of(domain, "ps.female") == PresenceState.RINGING


async def test_cancel_while_ringing_releases_the_interpreter_and_records_cancelled(domain: Domain) -> None:
    await standby(domain, "ps.male")
    call_id = await request(domain)
    await domain.services.calls.cancel(await domain.who("cw.a"), call_id)
    assert domain.notes.to("sid-ps.male", "call:ring-cancelled") == [
        {"call_id": call_id, "reason": "cancelled"}
    ]
    assert await state_of(domain, "ps.male") == PresenceState.STANDBY
    assert (await record(domain, call_id)).outcome == "cancelled"
    await domain.advance(RING_TIMEOUT + 1)  # the ring timer fires into nothing
    assert await state_of(domain, "ps.male") == PresenceState.STANDBY
    assert await request(domain)  # and the caseworker may ask again


async def test_nobody_available_ends_at_once_with_no_interpreter(domain: Domain) -> None:
    call_id = await request(domain)
    assert domain.notes.to("sid-cw.a", "call:ended")[0]["reason"] == "no_interpreter"
    assert (await record(domain, call_id)).outcome == "no_interpreter"


async def test_gender_is_a_hard_constraint(domain: Domain) -> None:
    await standby(domain, "ps.male")
    call_id = await request(domain, gender="female")
    assert domain.notes.to("sid-ps.male") == []
    assert (await record(domain, call_id)).outcome == "no_interpreter"


async def test_only_interpreters_serving_the_organisation_are_rung(domain: Domain) -> None:
    await standby(domain, "ps.only.b")
    await request(domain, "cw.a")
    assert domain.notes.to("sid-ps.only.b") == []
    await request(domain, "cw.b")
    assert len(domain.notes.to("sid-ps.only.b", "call:ring")) == 1


async def test_a_dari_request_never_reaches_an_iranian_farsi_only_interpreter(domain: Domain) -> None:
    await standby(domain, "fa.iran")
    call_id = await request(domain, language="prs")  # Dari: canonical fa-AF
    assert domain.notes.to("sid-fa.iran") == []
    assert (await record(domain, call_id)).language == "fa-AF"


async def test_one_live_request_per_caseworker(domain: Domain) -> None:
    await standby(domain, "ps.male")
    await request(domain)
    with pytest.raises(Conflict):
        await request(domain)
    assert len(domain.notes.to("sid-ps.male", "call:ring")) == 1


async def test_two_simultaneous_accepts_have_one_winner(domain: Domain) -> None:
    await standby(domain, "ps.male")
    call_id = await request(domain)
    who = await domain.who("ps.male")
    results = await asyncio.gather(
        domain.services.calls.accept(who, "sid-a", call_id),
        domain.services.calls.accept(who, "sid-b", call_id),
        return_exceptions=True,
    )
    assert sum(isinstance(r, dict) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert len(domain.notes.to("sid-cw.a", "call:accepted")) == 1


async def test_an_accept_after_the_ring_timed_out_is_refused(domain: Domain) -> None:
    await standby(domain, "ps.male", "ps.female")
    call_id = await request(domain)
    await domain.advance(RING_TIMEOUT + 0.1)
    with pytest.raises(Conflict):
        await domain.services.calls.accept(await domain.who("ps.male"), "sid-ps.male", call_id)
    assert await state_of(domain, "ps.male") == PresenceState.AWAY
    assert await state_of(domain, "ps.female") == PresenceState.RINGING


async def test_accept_stops_the_ring_timer_and_hang_up_ends_it_for_both(domain: Domain) -> None:
    call_id = await active_call(domain)
    await domain.advance(RING_TIMEOUT + 1)
    assert await state_of(domain, "ps.male") == PresenceState.IN_CALL
    await domain.services.calls.hang_up(await domain.who("ps.male"), call_id)
    assert domain.notes.to("sid-cw.a", "call:ended")[0]["outcome"] == "completed"
    assert domain.notes.to("sid-ps.male", "call:ended")[0]["outcome"] == "completed"
    rec = await record(domain, call_id)
    assert rec.outcome == "completed"
    assert rec.interpreter_id == domain.world.id("ps.male")


async def test_relay_reaches_only_the_other_participant(domain: Domain) -> None:
    call_id = await active_call(domain)
    await domain.services.calls.relay(await domain.who("cw.a"), call_id, "signal:description", {"sdp": "x"})
    assert domain.notes.to("sid-ps.male", "signal:description") == [
        {"sdp": "x", "call_id": call_id, "from": "caseworker"}
    ]
    before = len(domain.notes.sent)
    for outsider in ("cw.a2", "cw.b", "ps.female", "coord"):
        with pytest.raises(Forbidden):
            await domain.services.calls.relay(await domain.who(outsider), call_id, "signal:description", {})
        with pytest.raises(Forbidden):
            await domain.services.calls.hang_up(await domain.who(outsider), call_id)
        with pytest.raises(Forbidden):
            await domain.services.calls.rejoin(await domain.who(outsider), "sid-x", call_id)
    assert len(domain.notes.sent) == before
    assert (await domain.services.calls.current_call(await domain.who("cw.a")))["state"] == "active"


async def test_a_two_party_relay_may_name_the_other_participant_and_no_one_else(domain: Domain) -> None:
    call_id = await active_call(domain)
    relay = domain.services.calls.relay
    await relay(await domain.who("cw.a"), call_id, "signal:description", {"sdp": "x"}, "interpreter")
    await relay(await domain.who("ps.male"), call_id, "signal:description", {"sdp": "y"}, "caseworker")
    assert domain.notes.to("sid-ps.male", "signal:description") == [
        {"sdp": "x", "call_id": call_id, "from": "caseworker"}
    ]
    assert domain.notes.to("sid-cw.a", "signal:description") == [
        {"sdp": "y", "call_id": call_id, "from": "interpreter"}
    ]
    before = len(domain.notes.sent)
    for sender, to in (
        ("cw.a", "caseworker"),
        ("cw.a", "relay_interpreter"),
        ("ps.male", "interpreter"),
        ("ps.male", "relay_interpreter"),
    ):
        with pytest.raises(InvalidInput):
            await relay(await domain.who(sender), call_id, "signal:candidate", {"candidate": None}, to)
    assert len(domain.notes.sent) == before


async def test_a_dropped_socket_may_rejoin_within_the_grace_period(domain: Domain) -> None:
    call_id = await active_call(domain)
    await domain.services.calls.socket_closed(await domain.who("cw.a"), "sid-cw.a")
    told = domain.notes.to("sid-ps.male", "call:peer-disconnected")
    assert told == [{"call_id": call_id, "role": "caseworker", "grace_s": GRACE}]
    with pytest.raises(PeerUnavailable):
        await domain.services.calls.relay(await domain.who("ps.male"), call_id, "signal:candidate", {})
    await domain.advance(GRACE - 0.5)
    rejoined = await domain.services.calls.rejoin(await domain.who("cw.a"), "sid-cw.a-new", call_id)
    assert rejoined["ice_restart"] is True
    assert rejoined["role"] == "caseworker"
    assert domain.notes.to("sid-ps.male", "call:peer-rejoined") == [
        {"call_id": call_id, "role": "caseworker"}
    ]
    await domain.services.calls.relay(
        await domain.who("ps.male"), call_id, "signal:candidate", {"candidate": None}
    )
    assert domain.notes.to("sid-cw.a-new", "signal:candidate")
    await domain.advance(GRACE)  # the old grace timer fires into nothing
    assert (await domain.services.calls.current_call(await domain.who("cw.a")))["state"] == "active"


async def test_grace_expiry_ends_the_call_as_dropped_for_the_other_side(domain: Domain) -> None:
    call_id = await active_call(domain)
    await domain.services.calls.socket_closed(await domain.who("ps.male"), "sid-ps.male")
    assert await state_of(domain, "ps.male") == PresenceState.IN_CALL  # held for the grace period
    await domain.advance(GRACE + 0.1)
    assert domain.notes.to("sid-cw.a", "call:ended") == [
        {"call_id": call_id, "reason": "dropped", "outcome": "dropped"}
    ]
    assert await state_of(domain, "ps.male") is None  # offline: their socket never came back
    assert (await record(domain, call_id)).outcome == "dropped"
    assert await domain.services.calls.current_call(await domain.who("cw.a")) is None


async def test_caseworker_socket_lost_while_ringing_cancels_the_request(domain: Domain) -> None:
    await standby(domain, "ps.male")
    call_id = await request(domain)
    await domain.services.calls.socket_closed(await domain.who("cw.a"), "sid-cw.a")
    assert await state_of(domain, "ps.male") == PresenceState.STANDBY
    assert (await record(domain, call_id)).outcome == "cancelled"


async def test_interpreter_socket_lost_while_ringing_rings_the_next(domain: Domain) -> None:
    await standby(domain, "ps.male", "ps.female")
    call_id = await request(domain)
    await domain.services.calls.socket_closed(await domain.who("ps.male"), "sid-ps.male")
    assert await state_of(domain, "ps.male") is None
    assert domain.notes.to("sid-ps.female", "call:ring")[-1]["call_id"] == call_id


async def test_a_stale_socket_closing_does_not_touch_the_newer_one(domain: Domain) -> None:
    await standby(domain, "ps.male")
    await domain.services.presence.set_standby(domain.world.id("ps.male"), "sid-second-tab", on=True)
    await domain.services.calls.socket_closed(await domain.who("ps.male"), "sid-ps.male")
    presence = await domain.services.presence.get(domain.world.id("ps.male"))
    assert presence is not None
    assert presence.sid == "sid-second-tab"


async def test_standby_cannot_be_changed_while_ringing(domain: Domain) -> None:
    await standby(domain, "ps.male")
    await request(domain)
    with pytest.raises(Conflict):
        await domain.services.presence.set_standby(domain.world.id("ps.male"), "sid-ps.male", on=False)
    assert await state_of(domain, "ps.male") == PresenceState.RINGING


async def test_only_caseworkers_request_and_only_the_requester_cancels(domain: Domain) -> None:
    await standby(domain, "ps.male")
    with pytest.raises(Forbidden):
        await request(domain, "coord")
    call_id = await request(domain)
    with pytest.raises(Forbidden):
        await domain.services.calls.cancel(await domain.who("cw.a2"), call_id)
    assert await state_of(domain, "ps.male") == PresenceState.RINGING


async def test_the_sweep_times_out_a_ring_whose_node_was_lost(domain: Domain) -> None:
    await standby(domain, "ps.male", "ps.female")
    call_id = await request(domain)
    domain.clock.lose_timers()  # the node that rang died with its timer
    await domain.advance(RING_TIMEOUT + 0.5)
    await domain.services.calls.sweep()
    assert await state_of(domain, "ps.male") == PresenceState.RINGING  # not yet past the slack
    await domain.advance(1)
    await domain.services.calls.sweep()
    assert await state_of(domain, "ps.male") == PresenceState.AWAY
    assert domain.notes.to("sid-ps.female", "call:ring")[-1]["call_id"] == call_id
    await domain.services.calls.sweep()  # sweeping again changes nothing
    assert await state_of(domain, "ps.female") == PresenceState.RINGING


async def test_the_sweep_expires_a_grace_period_whose_node_was_lost(domain: Domain) -> None:
    call_id = await active_call(domain)
    await domain.services.calls.socket_closed(await domain.who("cw.a"), "sid-cw.a")
    domain.clock.lose_timers()
    await domain.advance(GRACE + 2)
    await domain.services.calls.sweep()
    assert (await record(domain, call_id)).outcome == "dropped"
    assert await state_of(domain, "ps.male") == PresenceState.STANDBY
    assert domain.notes.to("sid-ps.male", "presence:state")[-1] == {"state": "standby"}


async def test_every_node_sweeps_periodically_once_started(domain: Domain) -> None:
    await standby(domain, "ps.male")
    call_id = await request(domain)
    domain.clock.lose_timers()
    domain.services.calls.start_sweeping()
    await domain.advance(RING_TIMEOUT + 6)  # the sweep interval is 5 s
    await domain.advance(5)
    assert (await record(domain, call_id)).outcome == "no_interpreter"


async def test_a_marker_left_without_its_call_does_not_block_the_caseworker(domain: Domain) -> None:
    from signaling.call_documents import caseworker_key

    await domain.services.store.create(caseworker_key(domain.world.id("cw.a")), {"call_id": "0" * 32})
    await standby(domain, "ps.male")
    assert await request(domain)
    assert len(domain.notes.to("sid-ps.male", "call:ring")) == 1


async def test_a_request_rings_even_while_its_record_cannot_be_written_and_the_end_writes_it(
    domain: Domain, monkeypatch
) -> None:
    async def database_down(*args, **kwargs):
        raise OSError("database unreachable")

    monkeypatch.setattr(domain.services.records, "opened", database_down)
    await standby(domain, "ps.male")
    call_id = await request(domain)
    await domain.services.tasks.drain()
    assert domain.notes.to("sid-ps.male", "call:ring")[-1]["call_id"] == call_id
    monkeypatch.undo()
    await domain.services.calls.accept(await domain.who("ps.male"), "sid-ps.male", call_id)
    await domain.services.calls.hang_up(await domain.who("cw.a"), call_id)
    rec = await record(domain, call_id)
    assert rec.outcome == "completed"
    assert rec.caseworker_id == domain.world.id("cw.a")


async def test_a_late_write_never_reopens_an_ended_record(domain: Domain) -> None:
    from signaling.call_documents import record_of

    await standby(domain, "ps.male")
    call_id = await request(domain)
    live = (await domain.services.store.get(f"call:{call_id}")).value
    await domain.services.calls.cancel(await domain.who("cw.a"), call_id)
    await domain.services.records.opened(record_of(live))  # a delayed first write arrives last
    await domain.services.records.progressed(record_of(live))
    assert (await record(domain, call_id)).outcome == "cancelled"


async def test_a_failed_live_state_write_leaves_no_request_behind(domain: Domain, monkeypatch) -> None:
    async def store_down(*args, **kwargs):
        raise OSError("store unreachable")

    await standby(domain, "ps.male")
    monkeypatch.setattr(domain.services.store, "set_add", store_down)
    with pytest.raises(OSError, match="store unreachable"):
        await request(domain)
    monkeypatch.undo()
    assert await domain.services.calls.current_call(await domain.who("cw.a")) is None
    assert await state_of(domain, "ps.male") == PresenceState.STANDBY
    assert await request(domain)
