"""A Python client of the RRIS signalling protocol: logs in over HTTP, then speaks Socket.IO.

Used by the demo call, the tests and the benchmarks, and a worked example for other client authors.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import aiohttp
import socketio

from core.accounts import SESSION_COOKIE

Ack = dict[str, Any]


class SignalingClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.sio = socketio.AsyncClient(reconnection=False)
        self.token: str | None = None
        self.csrf_token: str | None = None
        self.user: dict[str, Any] = {}
        self._events: defaultdict[str, asyncio.Queue[Any]] = defaultdict(asyncio.Queue)
        self.sio.on("*", self._on_any)

    async def _on_any(self, event: str, data: Any = None) -> None:
        self._events[event].put_nowait(data)

    async def login(self, username: str, password: str) -> dict[str, Any]:
        async with self.http.post(
            f"{self.base_url}/api/login", json={"username": username, "password": password}
        ) as resp:
            body: dict[str, Any] = await resp.json()
            if resp.status != 200:
                raise PermissionError(body.get("error", {}).get("code", str(resp.status)))
            self.token = resp.cookies[SESSION_COOKIE].value
        self.csrf_token = body["csrf_token"]
        self.user = body["user"]
        return body

    async def connect(self, wait_timeout: float = 10) -> None:
        headers = {"Cookie": f"{SESSION_COOKIE}={self.token}"} if self.token else {}
        await self.sio.connect(
            self.base_url, headers=headers, transports=["websocket"], wait_timeout=wait_timeout
        )

    async def call(self, event: str, payload: Any = None, timeout: float = 10) -> Ack:
        """Emit ``event`` and return the server's acknowledgement."""
        ack: Ack = await self.sio.call(event, payload, timeout=timeout)
        return ack

    async def next_event(self, event: str, timeout: float = 10) -> Any:
        return await asyncio.wait_for(self._events[event].get(), timeout)

    def pending(self, event: str) -> int:
        return self._events[event].qsize()

    async def disconnect(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()

    async def close(self) -> None:
        await self.disconnect()
        await self.http.close()
