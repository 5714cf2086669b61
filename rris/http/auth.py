"""Login, logout and the session: an HttpOnly SameSite cookie plus a CSRF token for state changes."""

from __future__ import annotations

import contextlib
import hmac
import logging
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StringConstraints

from core.accounts import SESSION_COOKIE, SessionView, session_key
from core.errors import Forbidden, InvalidInput, NotAuthenticated
from core.logging import log_event
from rris.http.errors import Handler
from rris.http.keys import SESSION, SOCKETS, services, session_of
from signaling.server import close_session_sockets

log = logging.getLogger("rris.auth")
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# No session there: login (guarded by JSON-only and the Origin check) and the phrasebook's answer PDF, public
# and stateless (JSON-only and the Origin check too; it changes nothing, so a forged request gains nothing).
CSRF_EXEMPT = frozenset({"/api/login", "/phrasebook/answers.pdf"})


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


async def read_json(request: web.Request) -> object:
    if request.content_type != "application/json":
        raise InvalidInput("expected an application/json body")
    try:
        return await request.json()
    except ValueError as exc:
        raise InvalidInput("body is not valid JSON") from exc


def _same_origin(request: web.Request) -> bool:
    """The Origin, when sent, is this node as the browser sees it, directly or through a TLS proxy.

    ``X-Forwarded-Proto``/``-Host`` are honoured as engine.io does for the socket: a cross-site page
    cannot add them (they are not CORS-safelisted headers), so they widen nothing for an attacker.
    """
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    allowed = {f"{request.scheme}://{request.host}"}
    forwarded_proto = request.headers.get("X-Forwarded-Proto")
    forwarded_host = request.headers.get("X-Forwarded-Host")
    if forwarded_proto or forwarded_host:
        scheme = (forwarded_proto or request.scheme).split(",")[0].strip()
        host = (forwarded_host or request.host).split(",")[0].strip()
        allowed.add(f"{scheme}://{host}")
    return origin in allowed


@web.middleware
async def sessions_and_csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Resolve the session cookie; refuse cross-origin writes and writes without the CSRF token."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with contextlib.suppress(NotAuthenticated):
            request[SESSION] = await services(request).accounts.resolve(token)
    if request.method not in SAFE_METHODS:
        if not _same_origin(request):
            raise Forbidden("cross-origin request refused")
        if request.path not in CSRF_EXEMPT:
            view = session_of(request)
            sent = request.headers.get(CSRF_HEADER, "")
            if view is None:
                raise NotAuthenticated()
            if not hmac.compare_digest(sent.encode(), view.csrf_token.encode()):
                raise Forbidden("missing or wrong CSRF token")
    return await handler(request)


def require_session(request: web.Request) -> SessionView:
    view = session_of(request)
    if view is None:
        raise NotAuthenticated()
    return view


def _session_json(view: SessionView) -> dict[str, object]:
    who = view.principal
    return {
        "user": {
            "id": who.user_id,
            "display_name": who.display_name,
            "role": who.role,
            "organisation": {"id": who.organisation_id, "name": who.organisation_name},
            # The operator's coordinators and admins oversee every authority (consoles adapt to it).
            "sees_all_organisations": who.sees_all_organisations,
        },
        "csrf_token": view.csrf_token,
    }


async def login(request: web.Request) -> web.Response:
    body = LoginBody.model_validate(await read_json(request))
    svc = services(request)
    client = request.remote or "unknown"
    session = await svc.accounts.login(body.username, body.password, client_key=client)
    log_event(log, "auth.login", user=session.principal.user_id)
    response = web.json_response(_session_json(SessionView(session.principal, session.csrf_token)))
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=svc.settings.session_ttl_s,
        httponly=True,
        samesite="Lax",
        secure=svc.settings.cookie_secure,
        path="/",
    )
    return response


async def logout(request: web.Request) -> web.Response:
    view = require_session(request)
    token = request.cookies[SESSION_COOKIE]
    svc = services(request)
    await svc.accounts.logout(token)
    await close_session_sockets(request.app[SOCKETS], svc.sockets, session_key(token))
    log_event(log, "auth.logout", user=view.principal.user_id)
    response = web.json_response({"ok": True})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


async def current_session(request: web.Request) -> web.Response:
    return web.json_response(_session_json(require_session(request)))


def routes() -> list[web.RouteDef]:
    return [
        web.post("/api/login", login),
        web.post("/api/logout", logout),
        web.get("/api/session", current_session),
    ]
