"""``POST /api/calls/{id}/rating``: the caseworker of a completed call rates its connection once, 1 to 5.

Every refusal leaves every call record exactly as it was.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from core.models import CallRecordRow
from signaling.client import SignalingClient
from tests.conftest import ClientFactory
from tests.rris.conftest import get_json
from tests.support.server import RunningServer
from tests.support.world import World


@dataclass
class Calls:
    completed: str  # cw.a with ps.male, hung up
    active: str  # cw.a2 with ps.female, still going on
    no_interpreter: str  # cw.b: nobody serves Arabic for office B
    cancelled: str  # cw.a, cancelled while ringing
    users: dict[str, SignalingClient]  # logged in over HTTP (cookie jar and CSRF token)
    sockets: dict[str, SignalingClient]  # the connected participants


async def rate(
    server: RunningServer,
    who: SignalingClient,
    call_id: str,
    body: Any,
    *,
    csrf: bool = True,
    raw: bool = False,
) -> tuple[int, dict[str, Any]]:
    headers = {"X-CSRF-Token": who.csrf_token or ""} if csrf else {}
    url = f"{server.url}/api/calls/{call_id}/rating"
    if raw:
        headers["Content-Type"] = "application/json"
        request = who.http.post(url, data=body, headers=headers)
    else:
        request = who.http.post(url, json=body, headers=headers)
    async with request as resp:
        return resp.status, await resp.json()


async def stored(server: RunningServer) -> dict[str, tuple[Any, ...]]:
    """Every call record as stored, by id."""
    await server.services.tasks.drain()
    async with server.services.db.sessions() as session:
        rows = (await session.scalars(select(CallRecordRow))).all()
    return {
        r.id: (r.caseworker_id, r.interpreter_id, r.answered_at, r.ended_at, r.outcome, r.quality_rating)
        for r in rows
    }


@pytest.fixture
async def calls(server: RunningServer, world: World, client: ClientFactory) -> Calls:
    male, female = await client("ps.male"), await client("ps.female")
    for interpreter in (male, female):
        assert (await interpreter.call("presence:standby", {"on": True}))["ok"]
    cw_a, cw_a2, cw_b = await client("cw.a"), await client("cw.a2"), await client("cw.b")

    completed = (await cw_a.call("call:request", {"language": "ps", "gender": "male"}))["call_id"]
    await male.next_event("call:ring")
    assert (await male.call("call:accept", {"call_id": completed}))["ok"]
    assert (await cw_a.call("call:hangup", {"call_id": completed}))["ok"]
    assert (await cw_a.next_event("call:ended"))["outcome"] == "completed"

    active = (await cw_a2.call("call:request", {"language": "ps", "gender": "female"}))["call_id"]
    await female.next_event("call:ring")
    assert (await female.call("call:accept", {"call_id": active}))["ok"]
    await cw_a2.next_event("call:accepted")

    no_interpreter = await cw_b.call("call:request", {"language": "ar"})
    assert no_interpreter["state"] == "ended"

    cancelled = (await cw_a.call("call:request", {"language": "ps", "gender": "male"}))["call_id"]
    await male.next_event("call:ring")
    assert (await cw_a.call("call:cancel", {"call_id": cancelled}))["ok"]
    assert (await cw_a.next_event("call:ended"))["outcome"] == "cancelled"

    await server.services.tasks.drain()
    users = ["cw.a", "cw.a2", "cw.b", "coord", "coord.a", "ps.male", "ps.female"]
    return Calls(
        completed,
        active,
        no_interpreter["call_id"],
        cancelled,
        {u: await client(u, connect=False) for u in users},
        {"cw.a2": cw_a2, "ps.female": female},
    )


async def test_the_caseworker_rates_a_completed_call_and_the_record_keeps_the_rating(
    server: RunningServer, calls: Calls
) -> None:
    before = await stored(server)
    status, body = await rate(server, calls.users["cw.a"], calls.completed, {"score": 4})
    assert status == 200, body
    assert (body["id"], body["outcome"], body["quality_rating"]) == (calls.completed, "completed", 4)

    after = await stored(server)
    assert after[calls.completed] == (*before[calls.completed][:-1], 4)
    assert {k: v for k, v in after.items() if k != calls.completed} == {
        k: v for k, v in before.items() if k != calls.completed
    }
    status, record = await get_json(calls.users["coord"].http, f"{server.url}/api/calls/{calls.completed}")
    assert (status, record["quality_rating"]) == (200, 4)
    status, listing = await get_json(calls.users["cw.a2"].http, f"{server.url}/api/calls")
    assert {c["id"]: c["quality_rating"] for c in listing["calls"]}[calls.completed] == 4


@pytest.mark.parametrize("score", [1, 5])
async def test_both_ends_of_the_scale_are_accepted(server: RunningServer, calls: Calls, score: int) -> None:
    status, body = await rate(server, calls.users["cw.a"], calls.completed, {"score": score})
    assert (status, body["quality_rating"]) == (200, score)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"score": 0}, id="zero"),
        pytest.param({"score": 6}, id="six"),
        pytest.param({"score": -1}, id="negative"),
        pytest.param({"score": 3.0}, id="float-three"),
        pytest.param({"score": 2.5}, id="fraction"),
        pytest.param({"score": "3"}, id="string"),
        pytest.param({"score": True}, id="boolean"),
        pytest.param({"score": None}, id="null"),
        pytest.param({}, id="missing"),
        pytest.param({"score": 3, "comment": "fine"}, id="extra-field"),
        pytest.param([3], id="list"),
        pytest.param(3, id="bare-number"),
        pytest.param({"score": 10**40}, id="huge"),
    ],
)
async def test_a_score_that_is_not_a_json_integer_from_1_to_5_is_400_and_changes_nothing(
    server: RunningServer, calls: Calls, body: Any
) -> None:
    before = await stored(server)
    status, answer = await rate(server, calls.users["cw.a"], calls.completed, body)
    assert (status, answer["error"]["code"]) == (400, "invalid_input"), answer
    assert await stored(server) == before


@pytest.mark.parametrize("raw", [b"", b"{", b"score=3", b'{"score": 3'])
async def test_a_body_that_is_not_json_is_400_and_changes_nothing(
    server: RunningServer, calls: Calls, raw: bytes
) -> None:
    before = await stored(server)
    status, answer = await rate(server, calls.users["cw.a"], calls.completed, raw, raw=True)
    assert (status, answer["error"]["code"]) == (400, "invalid_input"), answer
    assert await stored(server) == before


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        pytest.param("cw.a2", (403, "forbidden"), id="colleague-same-office"),  # may read it, not rate it
        pytest.param("ps.male", (403, "forbidden"), id="its-interpreter"),
        pytest.param("coord", (403, "forbidden"), id="operator-coordinator"),
        pytest.param("coord.a", (403, "forbidden"), id="office-coordinator"),
        pytest.param("cw.b", (404, "not_found"), id="other-office"),  # may not even know it exists
        pytest.param("ps.female", (404, "not_found"), id="another-interpreter"),
    ],
)
async def test_only_the_calls_own_caseworker_may_rate_it_and_a_refusal_changes_nothing(
    server: RunningServer, calls: Calls, username: str, expected: tuple[int, str]
) -> None:
    before = await stored(server)
    status, answer = await rate(server, calls.users[username], calls.completed, {"score": 5})
    assert (status, answer["error"]["code"]) == expected, answer
    assert await stored(server) == before


async def test_an_unknown_call_is_404(server: RunningServer, calls: Calls) -> None:
    before = await stored(server)
    for call_id in ("0" * 32, "not-a-call-id"):
        status, answer = await rate(server, calls.users["cw.a"], call_id, {"score": 3})
        assert (status, answer["error"]["code"]) == (404, "not_found"), call_id
    assert await stored(server) == before


@pytest.mark.parametrize(
    ("which", "username"),
    [
        pytest.param("active", "cw.a2", id="still-active"),
        pytest.param("cancelled", "cw.a", id="cancelled"),
        pytest.param("no_interpreter", "cw.b", id="no-interpreter"),
    ],
)
async def test_a_call_that_did_not_end_as_completed_cannot_be_rated(
    server: RunningServer, calls: Calls, which: str, username: str
) -> None:
    before = await stored(server)
    status, answer = await rate(server, calls.users[username], getattr(calls, which), {"score": 3})
    assert (status, answer["error"]["code"]) == (409, "conflict"), answer
    assert await stored(server) == before


async def test_a_call_ended_by_a_lost_connection_cannot_be_rated(server: RunningServer, calls: Calls) -> None:
    """The active call's interpreter drops and is not back within the grace period: ``dropped``."""
    await calls.sockets["ps.female"].disconnect()
    assert (await calls.sockets["cw.a2"].next_event("call:ended"))["outcome"] == "dropped"
    before = await stored(server)
    assert before[calls.active][-2:] == ("dropped", None)
    status, answer = await rate(server, calls.users["cw.a2"], calls.active, {"score": 3})
    assert (status, answer["error"]["code"]) == (409, "conflict"), answer
    assert await stored(server) == before


async def test_a_second_rating_is_409_and_the_first_one_stands(server: RunningServer, calls: Calls) -> None:
    assert (await rate(server, calls.users["cw.a"], calls.completed, {"score": 2}))[0] == 200
    before = await stored(server)
    status, answer = await rate(server, calls.users["cw.a"], calls.completed, {"score": 5})
    assert (status, answer["error"]["code"]) == (409, "conflict"), answer
    assert await stored(server) == before
    assert before[calls.completed][-1] == 2


async def test_of_two_ratings_sent_at_once_exactly_one_is_kept(server: RunningServer, calls: Calls) -> None:
    cw = calls.users["cw.a"]
    answers = await asyncio.gather(*(rate(server, cw, calls.completed, {"score": s}) for s in (1, 5)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 409], answers
    [kept] = [body["quality_rating"] for status, body in answers if status == 200]
    assert (await stored(server))[calls.completed][-1] == kept


async def test_rating_needs_a_session_and_the_csrf_token(
    server: RunningServer, calls: Calls, client: ClientFactory
) -> None:
    before = await stored(server)
    anonymous = await client(None)
    status, answer = await rate(server, anonymous, calls.completed, {"score": 3}, csrf=False)
    assert (status, answer["error"]["code"]) == (401, "not_authenticated")
    status, answer = await rate(server, calls.users["cw.a"], calls.completed, {"score": 3}, csrf=False)
    assert (status, answer["error"]["code"]) == (403, "forbidden")
    assert await stored(server) == before
