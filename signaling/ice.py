"""ICE servers for clients, with TURN credentials minted per user (coturn's ``use-auth-secret``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from core.clock import Clock


@dataclass(frozen=True)
class IceServer:
    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The shape of ``RTCIceServer`` in the browser and in aiortc."""
        out: dict[str, object] = {"urls": list(self.urls)}
        if self.username is not None:
            out["username"] = self.username
            out["credential"] = self.credential
        return out


def turn_credential(secret: str, username: str) -> str:
    """base64(HMAC-SHA1(secret, username)), as coturn checks it."""
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class IceConfig:
    """Builds the ICE server list a user gets; never a static TURN password, never a default STUN."""

    def __init__(
        self, clock: Clock, stun_urls: list[str], turn_urls: list[str], turn_secret: str | None, ttl_s: int
    ) -> None:
        if turn_urls and not turn_secret:
            raise ValueError("TURN URLs need RRIS_TURN_SECRET (coturn static-auth-secret)")
        self._clock = clock
        self._stun = tuple(stun_urls)
        self._turn = tuple(turn_urls)
        self._secret = turn_secret
        self._ttl = ttl_s

    def servers_for(self, user_id: str) -> list[IceServer]:
        servers: list[IceServer] = []
        if self._stun:
            servers.append(IceServer(self._stun))
        if self._turn and self._secret:
            expiry = int(self._clock.now().timestamp()) + self._ttl
            username = f"{expiry}:{user_id}"
            servers.append(IceServer(self._turn, username, turn_credential(self._secret, username)))
        return servers
