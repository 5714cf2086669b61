"""A user's own messages (booking confirmed, reminders, rooms opening, no-shows), newest first.

The same messages are pushed over the socket as ``notification`` events while the user is connected; this
route is how a client catches up after being offline.
"""

from __future__ import annotations

from aiohttp import web

from rris.http.auth import require_session
from rris.http.keys import services
from rris.http.query import limit_param


async def my_notifications(request: web.Request) -> web.Response:
    who = require_session(request).principal
    found = await services(request).notifications.for_user(who.user_id, limit_param(request))
    return web.json_response(
        {
            "notifications": [
                {
                    "kind": n.kind,
                    "subject_id": n.subject_id,
                    "body": n.body,
                    "created_at": n.created_at.isoformat(),
                }
                for n in found
            ]
        }
    )


def routes() -> list[web.RouteDef]:
    return [web.get("/api/notifications", my_notifications)]
