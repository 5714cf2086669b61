"""Reaching a person rather than a socket: every socket a user has open, on any node."""

from __future__ import annotations

import logging
from typing import Any

from core.errors import Conflict
from core.ids import UserId
from core.logging import log_event
from signaling.calls import Notifier
from signaling.presence import PresenceService
from signaling.sockets import SessionSockets

log = logging.getLogger("rris.push")


class UserPush:
    """Sends an event to each of a user's sockets; a user with none gets nothing (the caller stores it)."""

    def __init__(self, sockets: SessionSockets, notifier: Notifier) -> None:
        self._sockets = sockets
        self._notify = notifier

    async def push(self, user_id: UserId, event: str, payload: dict[str, Any]) -> None:
        for sid in sorted(await self._sockets.of_user(user_id)):
            await self._notify.send(sid, event, payload)


class RosteredStandby:
    """A standby shift starting or ending: the interpreter's presence follows, if they are connected.

    Someone offline is not put on standby (nobody could answer the ring); someone ringing or in a call is
    left alone, and their client is told the shift changed so it can show it.
    """

    def __init__(self, presence: PresenceService, sockets: SessionSockets, push: UserPush) -> None:
        self._presence = presence
        self._sockets = sockets
        self._push = push

    async def set_rostered_standby(self, user_id: UserId, on: bool, language: str) -> None:
        sids = sorted(await self._sockets.of_user(user_id))
        current = await self._presence.get(user_id)
        sid = current.sid if current is not None and current.sid else (sids[0] if sids else None)
        if sid is not None:
            try:
                await self._presence.set_standby(user_id, sid, on)
            except Conflict:
                log_event(log, "standby.shift_deferred", user=user_id, on=on)
        await self._push.push(user_id, "shift:standby", {"on": on, "language": language})
