"""Helpers for the tests of the HTTP and Socket.IO edge: raw HTTP sessions and looks into the database."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Self

import aiohttp
import pytest

from core.accounts import Principal
from core.models import Base, CallRecordRow, LoginSessionRow
from tests.support import rows
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

HttpFactory = Callable[..., aiohttp.ClientSession]

# Every event the server may push to a client (docs/signalling-protocol.md, section 5).
SERVER_EVENTS = (
    "call:ring",
    "call:status",
    "call:accepted",
    "call:ring-cancelled",
    "call:ended",
    "call:peer-disconnected",
    "call:peer-rejoined",
    "presence:state",
    "signal:description",
    "signal:candidate",
    "call:quality",
    "recording:state",
)


@pytest.fixture
async def http(server: RunningServer) -> AsyncIterator[HttpFactory]:
    """``http()``: a fresh cookie jar talking to the server (``local_addr=`` picks the client address)."""
    made: list[aiohttp.ClientSession] = []

    def make(*, local_addr: str | None = None) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(local_addr=(local_addr, 0)) if local_addr else None
        session = aiohttp.ClientSession(
            server.url, cookie_jar=aiohttp.CookieJar(unsafe=True), connector=connector
        )
        made.append(session)
        return session

    yield make
    for session in made:
        await session.close()


async def post_login(
    http: aiohttp.ClientSession, username: str, password: str = PASSWORD, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post("/api/login", json={"username": username, "password": password}, **kwargs) as resp:
        return resp.status, await resp.json()


@dataclass
class ApiUser:
    """A signed-in HTTP client: its cookie jar and CSRF token; answers are (status, JSON) pairs."""

    http: aiohttp.ClientSession
    csrf: str

    @classmethod
    async def log_in(cls, http: aiohttp.ClientSession, username: str) -> Self:
        status, body = await post_login(http, username)
        assert status == 200, body
        return cls(http, body["csrf_token"])

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(path) as resp:
            return resp.status, await resp.json()

    async def get_file(self, path: str) -> tuple[int, str, bytes]:
        async with self.http.get(path) as resp:
            return resp.status, resp.content_type, await resp.read()

    async def request(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        async with self.http.request(method, path, json=body, headers={"X-CSRF-Token": self.csrf}) as resp:
            return resp.status, await resp.json()

    async def post_bytes(
        self, path: str, data: bytes | io.BytesIO | str, content_type: str, method: str = "POST"
    ) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf, "Content-Type": content_type}
        async with self.http.request(method, path, data=data, headers=headers) as resp:
            return resp.status, await resp.json()


async def get_json(http: aiohttp.ClientSession, path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with http.get(path, **kwargs) as resp:
        return resp.status, await resp.json()


async def count_rows(server: RunningServer, table: type[Base]) -> int:
    return await rows.count_rows(server.services.db, table)


async def login_sessions(server: RunningServer) -> int:
    return await count_rows(server, LoginSessionRow)


async def call_records(server: RunningServer) -> int:
    return await count_rows(server, CallRecordRow)


async def principal(server: RunningServer, world: World, username: str) -> Principal:
    who = await server.services.accounts.principal(world.id(username))
    assert who is not None
    return who


def can_bind(address: str) -> bool:
    """Whether this machine routes ``address`` to itself (all of 127/8 on Linux, only 127.0.0.1 elsewhere)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((address, 0))
        except OSError:
            return False
    return True
