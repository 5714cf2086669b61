"""``GET /api/calls`` and ``GET /api/calls/{id}``: a session is required and ``limit`` is bounded.

(Who sees which record is in test_call_isolation.py.)
"""

from __future__ import annotations

import pytest

from rris.http.query import MAX_LIMIT
from tests.conftest import ClientFactory
from tests.rris.conftest import HttpFactory, call_records, get_json
from tests.support.server import RunningServer
from tests.support.world import World


async def make_calls(server: RunningServer, client: ClientFactory, count: int) -> list[str]:
    """``count`` ended calls of office A (nobody on standby: each ends at once), oldest first."""
    caseworker = await client("cw.a")
    made = []
    for _ in range(count):
        ack = await caseworker.call("call:request", {"language": "ps"})
        assert ack["state"] == "ended"
        await caseworker.next_event("call:ended")
        made.append(ack["call_id"])
    await server.services.tasks.drain()  # their records, written in the background, are all there
    return made


async def test_listing_or_reading_calls_without_a_session_is_401(
    server: RunningServer, world: World, client: ClientFactory, http: HttpFactory
) -> None:
    [call_id] = await make_calls(server, client, 1)
    for path in ("/api/calls", f"/api/calls/{call_id}"):
        status, body = await get_json(http(), path)
        assert (status, body["error"]["code"]) == (401, "not_authenticated"), path


async def test_limit_returns_the_newest_calls_first(
    server: RunningServer, world: World, client: ClientFactory
) -> None:
    made = await make_calls(server, client, 3)
    coordinator = await client("coord", connect=False)
    for limit, expected in (
        ("1", made[-1:]),
        ("2", made[:0:-1]),
        (str(MAX_LIMIT), made[::-1]),
        ("003", made[::-1]),
    ):
        status, body = await get_json(coordinator.http, f"{server.url}/api/calls?limit={limit}")
        assert status == 200
        assert [c["id"] for c in body["calls"]] == expected, limit


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param("0", id="zero"),
        pytest.param(str(MAX_LIMIT + 1), id="over-max"),
        pytest.param("-1", id="negative"),
        pytest.param("1.5", id="fraction"),
        pytest.param("", id="empty"),
        pytest.param("ten", id="word"),
        pytest.param(" 5", id="leading-space"),
        pytest.param("0x10", id="hex"),
        pytest.param("\u00b2", id="superscript-two"),  # str.isdigit() says yes, int() says no
        pytest.param("\u0665", id="arabic-indic-five"),  # int() would accept it: not a plain number
        pytest.param("9" * 5000, id="5000-digits"),  # beyond int()'s 4300-digit limit
    ],
)
async def test_a_limit_that_is_not_a_whole_number_from_1_to_500_is_400_invalid_input(
    server: RunningServer, world: World, client: ClientFactory, limit: str
) -> None:
    await make_calls(server, client, 1)
    coordinator = await client("coord", connect=False)
    status, body = await get_json(coordinator.http, f"{server.url}/api/calls", params={"limit": limit})
    assert (status, body["error"]["code"]) == (400, "invalid_input")
    assert await call_records(server) == 1
