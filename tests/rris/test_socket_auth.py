"""Who may open a Socket.IO connection: the holder of a valid session cookie, and nobody else.

A refused connection changes nothing: other users' sockets and presence, and the sessions, stay as they were.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
import socketio

from core.accounts import SESSION_COOKIE
from rris.http.auth import CSRF_HEADER
from signaling.client import SignalingClient
from signaling.presence import Presence
from tests.conftest import ClientFactory
from tests.rris.conftest import get_json, login_sessions
from tests.support.server import RunningServer
from tests.support.world import World


def raw_socket(headers: dict[str, str]) -> socketio.AsyncClient:
    """A Socket.IO client that sends exactly ``headers`` on the websocket handshake.

    (Headers given to ``connect()`` are not sent as they are: the Engine.IO client re-parses a
    ``Cookie`` header with ``SimpleCookie`` into its own jar, dropping whatever that parser rejects.)
    """
    return socketio.AsyncClient(reconnection=False, websocket_extra_options={"headers": dict(headers)})


async def refused(server: RunningServer, headers: dict[str, str]) -> list[Any]:
    """Connect with exactly ``headers``, expecting a refusal; returns what ``connect_error`` reported."""
    refusals: list[Any] = []
    probe = raw_socket(headers)
    probe.on("connect_error", lambda data=None: refusals.append(data))
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await probe.connect(server.url, transports=["websocket"], wait_timeout=5)
        assert not probe.connected
    finally:
        await probe.disconnect()
    return refusals


def says_not_authenticated(refusals: list[Any]) -> bool:
    """One ``connect_error`` naming the code (today inside a string: docs/signalling-protocol.md 1.3)."""
    return len(refusals) == 1 and "not_authenticated" in str(refusals[0])


async def standby_snapshot(server: RunningServer, world: World) -> Presence | None:
    return await server.services.presence.get(world.id("ps.male"))


@pytest.fixture
async def bystander(server: RunningServer, world: World, client: ClientFactory) -> SignalingClient:
    """An interpreter on standby whose socket, presence and session must survive every refusal."""
    interpreter = await client("ps.male")
    assert (await interpreter.call("presence:standby", {"on": True}))["state"] == "standby"
    return interpreter


async def assert_bystander_untouched(
    server: RunningServer, world: World, bystander: SignalingClient, before: Presence | None
) -> None:
    assert bystander.sio.connected
    assert await standby_snapshot(server, world) == before
    info = await bystander.call("session:info")
    assert info["ok"]
    assert info["presence"] == "standby"


async def test_a_socket_with_a_valid_session_cookie_is_accepted_as_that_user(
    server: RunningServer, world: World, client: ClientFactory
) -> None:
    caseworker = await client("cw.a")
    assert caseworker.sio.connected
    info = await caseworker.call("session:info")
    assert info["ok"]
    assert info["user"] == {"id": world.id("cw.a"), "role": "caseworker", "organisation_id": world.office_a}
    assert info["presence"] is None
    assert info["active_call"] is None


@pytest.mark.parametrize(
    "cookie",
    [
        pytest.param(None, id="no-cookie-header"),
        pytest.param("", id="empty-cookie-header"),
        pytest.param("other=1", id="only-other-cookies"),
        pytest.param(f"{SESSION_COOKIE}=", id="empty-token"),
        pytest.param(f"{SESSION_COOKIE}=garbage", id="garbage-token"),
        pytest.param(f"{SESSION_COOKIE}={'A' * 43}", id="token-shaped-garbage"),
        pytest.param(f"{SESSION_COOKIE}={'x' * 5000}", id="oversized-token"),
        pytest.param(f'{SESSION_COOKIE}="unterminated', id="malformed-quoting"),
        pytest.param(f"{SESSION_COOKIE}", id="name-without-value"),
    ],
)
async def test_a_socket_without_a_valid_session_cookie_is_refused_and_changes_nothing(
    server: RunningServer, world: World, bystander: SignalingClient, cookie: str | None
) -> None:
    before = await standby_snapshot(server, world)
    sessions = await login_sessions(server)
    headers = {"Cookie": cookie} if cookie is not None else {}
    assert says_not_authenticated(await refused(server, headers))
    await assert_bystander_untouched(server, world, bystander, before)
    assert await login_sessions(server) == sessions


async def test_a_socket_is_refused_after_its_session_logged_out_and_other_sessions_are_untouched(
    server: RunningServer, world: World, client: ClientFactory, bystander: SignalingClient
) -> None:
    before = await standby_snapshot(server, world)
    leaving = await client("cw.a", connect=False)
    staying = await client("cw.a", connect=False)  # the same user in another browser
    assert leaving.token is not None
    assert leaving.csrf_token is not None
    async with leaving.http.post(
        f"{server.url}/api/logout", headers={CSRF_HEADER: leaving.csrf_token}
    ) as resp:
        assert resp.status == 200
    assert says_not_authenticated(await refused(server, {"Cookie": f"{SESSION_COOKIE}={leaving.token}"}))
    await staying.connect()
    assert (await staying.call("session:info"))["user"]["id"] == world.id("cw.a")
    await assert_bystander_untouched(server, world, bystander, before)
    assert await login_sessions(server) == 2  # the bystander's and the other browser's


async def test_a_socket_from_a_cross_site_page_is_refused_even_with_a_valid_cookie(
    server: RunningServer, world: World, client: ClientFactory, bystander: SignalingClient
) -> None:
    before = await standby_snapshot(server, world)
    caseworker = await client("cw.a", connect=False)
    headers = {"Cookie": f"{SESSION_COOKIE}={caseworker.token}", "Origin": "https://evil.example"}
    # Engine.IO refuses the handshake itself (HTTP 400 "Not an accepted origin"), before any namespace
    # is connected: the client reports a transport error, not the server's not_authenticated.
    assert [str(r) for r in await refused(server, headers)] == ["Connection error"]
    await assert_bystander_untouched(server, world, bystander, before)
    # The refusal did not cost the caseworker their session.
    await caseworker.connect()
    assert (await caseworker.call("session:info"))["ok"]


@pytest.mark.parametrize(
    "neighbour",
    [
        pytest.param('consent={"analytics": false}', id="json-value"),
        pytest.param("greeting=hello world", id="value-with-space"),
        pytest.param('odd="unterminated', id="stray-quote"),
    ],
)
async def test_a_malformed_neighbour_cookie_does_not_hide_the_session_from_the_socket(
    server: RunningServer, world: World, client: ClientFactory, neighbour: str
) -> None:
    """Browsers send every cookie of the site; the socket must read the header as the HTTP API does."""
    caseworker = await client("cw.a", connect=False)
    header = f"{neighbour}; {SESSION_COOKIE}={caseworker.token}"
    async with aiohttp.ClientSession(server.url) as browser:  # no cookie jar: exactly this header
        status, body = await get_json(browser, "/api/session", headers={"Cookie": header})
    assert (status, body["user"]["id"]) == (200, world.id("cw.a"))
    socket = raw_socket({"Cookie": header})
    try:
        await socket.connect(server.url, transports=["websocket"], wait_timeout=5)
        info = await socket.call("session:info", timeout=5)
        assert info["user"]["id"] == world.id("cw.a")
    finally:
        await socket.disconnect()
