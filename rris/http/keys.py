"""Typed application keys shared by the HTTP modules."""

from __future__ import annotations

import socketio
from aiohttp import web

from core.accounts import SessionView
from rris.services import Services

SERVICES = web.AppKey("services", Services)
SOCKETS = web.AppKey("sockets", socketio.AsyncServer)
SESSION = web.RequestKey("session", SessionView)  # the resolved session, when there is one


def services(request: web.Request) -> Services:
    return request.app[SERVICES]


def session_of(request: web.Request) -> SessionView | None:
    return request.get(SESSION)
