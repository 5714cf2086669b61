"""Turning the ICE servers the signalling server hands out into aiortc's ``RTCConfiguration``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer


def rtc_configuration(ice_servers: Iterable[Mapping[str, Any]] = ()) -> RTCConfiguration:
    """Always explicit; an empty list means host candidates only (no STUN, no TURN)."""
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=list(s["urls"]), username=s.get("username"), credential=s.get("credential"))
            for s in ice_servers
        ]
    )
