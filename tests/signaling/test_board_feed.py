"""The live board pushed to watching coordinators: once a round, only when it changed, only to watchers."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Settings
from core.errors import Forbidden
from signaling.board_feed import ROUND_S, UPDATE_EVENT
from tests.conftest import make_settings
from tests.support.domain import Domain


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, ring_timeout_s=600.0, grace_period_s=600.0)


def updates(d: Domain, sid: str) -> list[dict]:
    return d.notes.to(sid, UPDATE_EVENT)


def state_of(board: dict, name: str) -> str:
    return next(line["state"] for line in board["interpreters"] if line["name"] == name)


async def test_watching_returns_the_board_then_pushes_each_change_within_a_round(domain: Domain) -> None:
    feed = domain.services.board_feed
    first = await feed.watch(await domain.who("coord"), "sid-coord")
    assert state_of(first, "Test ps.male") == "offline"

    await domain.advance(ROUND_S)
    assert updates(domain, "sid-coord") == []  # nothing changed, nothing sent

    await domain.services.presence.set_standby(domain.world.id("ps.male"), "sid-ps.male", on=True)
    await domain.advance(ROUND_S)
    [update] = updates(domain, "sid-coord")
    assert state_of(update, "Test ps.male") == "standby"

    view = await domain.services.calls.request(await domain.who("cw.a"), "sid-cw.a", "ps", None)
    await domain.advance(ROUND_S)
    assert [w["call_id"] for w in updates(domain, "sid-coord")[-1]["waiting"]] == [view["call_id"]]

    # Time passing alone changes no one's situation: the client counts the waiting time on.
    await domain.advance(5 * ROUND_S)
    assert len(updates(domain, "sid-coord")) == 2


async def test_each_watcher_gets_the_board_of_its_own_scope(domain: Domain) -> None:
    feed = domain.services.board_feed
    await feed.watch(await domain.who("coord"), "sid-coord")
    await feed.watch(await domain.who("coord.a"), "sid-coord.a")
    await domain.services.presence.set_standby(domain.world.id("ps.only.b"), "sid-b", on=True)
    await domain.services.calls.request(await domain.who("cw.b"), "sid-cw.b", "ps", None)
    await domain.advance(ROUND_S)
    [pool] = updates(domain, "sid-coord")
    assert len(pool["waiting"]) == 1
    # ps.only.b does not serve office A, and the request is office B's: nothing for office A to see.
    assert updates(domain, "sid-coord.a") == []


async def test_an_unwatched_or_closed_socket_gets_nothing_more_and_the_rounds_stop(domain: Domain) -> None:
    feed = domain.services.board_feed
    await feed.watch(await domain.who("coord"), "sid-coord")
    feed.unwatch("sid-coord")
    feed.unwatch("sid-never-watched")
    assert feed.watching == 0
    await domain.services.presence.set_standby(domain.world.id("ps.male"), "sid-ps.male", on=True)
    await domain.advance(ROUND_S)
    assert updates(domain, "sid-coord") == []
    assert domain.clock.pending == 0  # no round is armed while nobody watches


@pytest.mark.parametrize("username", ["cw.a", "ps.male"])
async def test_only_coordinators_and_admins_may_watch(domain: Domain, username: str) -> None:
    with pytest.raises(Forbidden):
        await domain.services.board_feed.watch(await domain.who(username), f"sid-{username}")
    assert domain.services.board_feed.watching == 0
