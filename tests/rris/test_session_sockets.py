"""A login session owns its sockets: logout closes them; a refused socket learns why in JSON."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
import socketio

from signaling.client import SignalingClient
from tests.conftest import ClientFactory
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World


async def test_logout_closes_that_sessions_sockets_and_no_other(
    server: RunningServer, world: World, client: ClientFactory
) -> None:
    first = await client("ps.male")
    second = await client("ps.male")  # the same person, another browser
    assert (await first.call("presence:standby", {"on": True}))["ok"]
    async with first.http.post(
        f"{server.url}/api/logout", headers={"X-CSRF-Token": first.csrf_token or ""}
    ) as resp:
        assert resp.status == 200
    for _ in range(50):
        if not first.sio.connected:
            break
        await asyncio.sleep(0.05)
    assert not first.sio.connected
    assert second.sio.connected
    assert (await second.call("session:info"))["ok"]
    await server.services.tasks.drain()
    # The closed socket's standby went with it; the other session is untouched.
    assert await server.services.presence.get(world.id("ps.male")) is None
    assert await server.services.sockets.of("nonexistent") == set()


async def test_a_refused_socket_is_told_the_reason_as_json(server: RunningServer, world: World) -> None:
    c = SignalingClient(server.url)
    errors: list[Any] = []
    c.sio.on("connect_error", errors.append)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            await c.connect()
        assert errors == [
            {
                "message": "not_authenticated",
                "data": {"code": "not_authenticated", "message": "A valid session is required."},
            }
        ]
    finally:
        await c.close()


@pytest.mark.parametrize(
    ("origin", "forwarded", "status"),
    [
        (
            "https://rris.example.org",
            {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "rris.example.org"},
            200,
        ),
        ("https://rris.example.org", {}, 403),
        ("https://evil.example", {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "rris.example.org"}, 403),
    ],
)
async def test_logins_through_a_tls_proxy_pass_the_origin_check(
    server: RunningServer, world: World, origin: str, forwarded: dict[str, str], status: int
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{server.url}/api/login",
            json={"username": "cw.a", "password": PASSWORD},
            headers={"Origin": origin, **forwarded},
        ) as resp,
    ):
        assert resp.status == status
