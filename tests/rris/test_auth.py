"""Login, logout and the session over HTTP: the cookie, the CSRF token, the Origin check and throttling.

Every refusal leaves the database as it was: no login session is opened, an existing one stays valid.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import pytest

from core.accounts import SESSION_COOKIE
from core.config import Settings
from rris.http.auth import CSRF_HEADER
from tests.conftest import make_settings
from tests.rris.conftest import HttpFactory, can_bind, get_json, login_sessions, post_login
from tests.support.server import RunningServer, running_server
from tests.support.world import PASSWORD, World, build_world

EVIL_ORIGIN = "https://evil.example"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Small, distinct throttling limits, so each can be reached and told apart from the other."""
    return make_settings(tmp_path, login_max_failures=3, login_max_failures_per_client=7)


def session_cookie_of(resp: aiohttp.ClientResponse) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    for header in resp.headers.getall("Set-Cookie", []):
        cookie.load(header)
    return cookie


async def logged_in(http: aiohttp.ClientSession, username: str = "cw.a") -> str:
    """Log ``http`` in; returns the CSRF token."""
    status, body = await post_login(http, username)
    assert status == 200, body
    return str(body["csrf_token"])


async def session_user(http: aiohttp.ClientSession) -> str | None:
    """The id of the user whom ``http``'s cookie authenticates, or None on 401."""
    status, body = await get_json(http, "/api/session")
    if status == 401:
        assert body["error"]["code"] == "not_authenticated"
        return None
    assert status == 200, body
    return str(body["user"]["id"])


# -- login -----------------------------------------------------------------------------------------------


async def test_login_sets_an_httponly_samesite_lax_session_cookie_and_returns_a_csrf_token(
    server: RunningServer, world: World, http: HttpFactory, settings: Settings
) -> None:
    async with http().post("/api/login", json={"username": "cw.a", "password": PASSWORD}) as resp:
        assert resp.status == 200
        body = await resp.json()
        morsel = session_cookie_of(resp)[SESSION_COOKIE]
    assert morsel.value
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/"
    assert morsel["max-age"] == str(settings.session_ttl_s)
    assert not morsel["secure"]  # RRIS_COOKIE_SECURE is off for plain-HTTP development
    assert isinstance(body["csrf_token"], str)
    assert len(body["csrf_token"]) >= 32
    assert body["csrf_token"] != morsel.value
    assert body["user"] == {
        "id": world.id("cw.a"),
        "display_name": "Test cw.a",
        "role": "caseworker",
        "organisation": {"id": world.office_a, "name": "Test Office A"},
        "sees_all_organisations": False,
    }
    assert await login_sessions(server) == 1


async def test_the_session_cookie_authenticates_get_session_with_the_same_csrf_token(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    browser = http()
    csrf = await logged_in(browser)
    status, body = await get_json(browser, "/api/session")
    assert status == 200
    assert body["csrf_token"] == csrf
    assert body["user"]["id"] == world.id("cw.a")


async def test_the_cookie_is_marked_secure_when_cookie_secure_is_set(tmp_path: Path) -> None:
    async with running_server(make_settings(tmp_path, cookie_secure=True)) as server:
        await build_world(server.services.accounts, server.services.directory)
        async with (
            aiohttp.ClientSession(server.url) as http,
            http.post("/api/login", json={"username": "cw.a", "password": PASSWORD}) as resp,
        ):
            assert resp.status == 200
            assert session_cookie_of(resp)[SESSION_COOKIE]["secure"] is True


async def test_a_wrong_password_is_401_invalid_credentials_and_opens_no_session(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    browser = http()
    async with browser.post("/api/login", json={"username": "cw.a", "password": "wrong password"}) as resp:
        assert resp.status == 401
        assert (await resp.json())["error"]["code"] == "invalid_credentials"
        assert SESSION_COOKIE not in session_cookie_of(resp)
    assert await login_sessions(server) == 0
    assert await session_user(browser) is None


async def test_an_unknown_user_gets_exactly_the_same_401_as_a_wrong_password(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    wrong_password = await post_login(http(), "cw.a", "wrong password")
    unknown_user = await post_login(http(), "nobody.here", PASSWORD)
    assert unknown_user == wrong_password
    assert unknown_user[0] == 401
    assert unknown_user[1]["error"]["code"] == "invalid_credentials"
    assert await login_sessions(server) == 0


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param("text/plain", '{"username": "cw.a", "password": "x"}', id="json-as-text-plain"),
        pytest.param("application/x-www-form-urlencoded", "username=cw.a&password=x", id="form"),
        pytest.param("application/json", '{"username": "cw.a", "password": ', id="truncated-json"),
        pytest.param("application/json", "", id="empty-body"),
        pytest.param("application/json", '["cw.a", "x"]', id="json-array"),
        pytest.param("application/json", '"cw.a"', id="json-string"),
        pytest.param("application/json", "null", id="json-null"),
    ],
)
async def test_a_body_that_is_not_a_json_object_is_400_and_opens_no_session(
    server: RunningServer, world: World, http: HttpFactory, content_type: str, body: str
) -> None:
    async with http().post("/api/login", data=body, headers={"Content-Type": content_type}) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"]["code"] == "invalid_input"
        assert SESSION_COOKIE not in session_cookie_of(resp)
    assert await login_sessions(server) == 0


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"username": "cw.a", "password": PASSWORD, "remember_me": True}, id="extra-field"),
        pytest.param({"username": "cw.a", "password": PASSWORD, "role": "admin"}, id="extra-role"),
        pytest.param({"username": "cw.a"}, id="no-password"),
        pytest.param({"password": PASSWORD}, id="no-username"),
        pytest.param({"username": "", "password": PASSWORD}, id="empty-username"),
        pytest.param({"username": "cw.a", "password": ""}, id="empty-password"),
        pytest.param({"username": ["cw.a"], "password": PASSWORD}, id="username-list"),
        pytest.param({"username": "cw.a", "password": 12345678}, id="password-number"),
        pytest.param({"username": "u" * 121, "password": PASSWORD}, id="username-too-long"),
        pytest.param({"username": "cw.a", "password": "p" * 1025}, id="password-too-long"),
    ],
)
async def test_a_json_body_with_wrong_or_extra_fields_is_400_even_with_the_right_password(
    server: RunningServer, world: World, http: HttpFactory, payload: dict[str, object]
) -> None:
    async with http().post("/api/login", json=payload) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"]["code"] == "invalid_input"
        assert SESSION_COOKIE not in session_cookie_of(resp)
    assert await login_sessions(server) == 0


async def test_a_body_over_64_kib_is_refused_with_413_and_opens_no_session(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    payload = {"username": "cw.a", "password": PASSWORD, "padding": "x" * 70_000}
    async with http().post("/api/login", json=payload) as resp:
        assert resp.status == 413
    assert await login_sessions(server) == 0


# -- throttling ------------------------------------------------------------------------------------------
#
# Failures count per username (guessing one account: login_max_failures) and, more loosely, per client
# address (spraying many accounts: login_max_failures_per_client), so an office behind one NAT address is
# not locked out by one colleague's typos.


async def fail_logins(http: aiohttp.ClientSession, username: str, times: int) -> None:
    for _ in range(times):
        status, body = await post_login(http, username, "wrong password")
        assert (status, body["error"]["code"]) == (401, "invalid_credentials")


async def test_after_max_failures_for_a_username_even_the_right_password_gets_429_and_opens_no_session(
    server: RunningServer, world: World, http: HttpFactory, settings: Settings
) -> None:
    attacker = http()
    await fail_logins(attacker, "cw.a", settings.login_max_failures)
    for password in ("wrong password", PASSWORD):
        async with attacker.post("/api/login", json={"username": "cw.a", "password": password}) as resp:
            assert resp.status == 429
            assert (await resp.json())["error"]["code"] == "too_many_attempts"
            assert SESSION_COOKIE not in session_cookie_of(resp)
    assert await login_sessions(server) == 0


async def test_fewer_failures_than_the_limit_still_let_the_right_password_in(
    server: RunningServer, world: World, http: HttpFactory, settings: Settings
) -> None:
    browser = http()
    await fail_logins(browser, "cw.a", settings.login_max_failures - 1)
    assert (await post_login(browser, "cw.a"))[0] == 200
    assert await session_user(browser) == world.id("cw.a")


async def test_a_colleague_at_the_same_address_is_not_locked_out_by_a_throttled_username(
    server: RunningServer, world: World, http: HttpFactory, settings: Settings
) -> None:
    await fail_logins(http(), "cw.a", settings.login_max_failures)
    assert (await post_login(http(), "cw.a"))[0] == 429
    colleague = http()  # same office, same address (127.0.0.1)
    assert (await post_login(colleague, "cw.a2"))[0] == 200
    assert await session_user(colleague) == world.id("cw.a2")
    assert await login_sessions(server) == 1


async def test_after_max_failures_from_one_address_every_username_gets_429_there(
    server: RunningServer, world: World, http: HttpFactory, settings: Settings
) -> None:
    sprayer = http()
    for i in range(settings.login_max_failures_per_client):
        # A different username each time: no username reaches its own limit, the address does.
        status, _ = await post_login(sprayer, f"guess{i}", "wrong password")
        assert status == 401
    for username in ("cw.a", "cw.b"):
        status, body = await post_login(http(), username)
        assert (status, body["error"]["code"]) == (429, "too_many_attempts"), username
    assert await login_sessions(server) == 0


needs_second_loopback = pytest.mark.skipif(
    not can_bind("127.0.0.2"), reason="127.0.0.2 is not a local address here (Linux routes all of 127/8)"
)


@needs_second_loopback
async def test_a_throttled_username_stays_throttled_from_another_address(
    server: RunningServer, world: World, http: HttpFactory, settings: Settings
) -> None:
    await fail_logins(http(), "cw.a", settings.login_max_failures)  # from 127.0.0.1
    assert (await post_login(http(local_addr="127.0.0.2"), "cw.a"))[0] == 429
    elsewhere = http(local_addr="127.0.0.2")  # another user from another address is unaffected
    assert (await post_login(elsewhere, "cw.b"))[0] == 200
    assert await session_user(elsewhere) == world.id("cw.b")
    assert await login_sessions(server) == 1


@needs_second_loopback
async def test_a_throttled_address_does_not_lock_its_users_out_from_another_address(
    server: RunningServer, world: World, http: HttpFactory, settings: Settings
) -> None:
    sprayer = http()  # 127.0.0.1
    for i in range(settings.login_max_failures_per_client):
        assert (await post_login(sprayer, f"guess{i}", "wrong password"))[0] == 401
    assert (await post_login(http(), "cw.b"))[0] == 429
    elsewhere = http(local_addr="127.0.0.2")
    assert (await post_login(elsewhere, "cw.b"))[0] == 200
    assert await login_sessions(server) == 1


async def test_a_forged_x_forwarded_for_header_does_not_escape_the_client_address_limit(
    server: RunningServer, world: World, http: HttpFactory, settings: Settings
) -> None:
    sprayer = http()
    for i in range(settings.login_max_failures_per_client):
        assert (await post_login(sprayer, f"guess{i}", "wrong password"))[0] == 401
    forged = {"X-Forwarded-For": "203.0.113.7", "Forwarded": "for=203.0.113.7", "X-Real-IP": "203.0.113.7"}
    status, body = await post_login(sprayer, "cw.b", headers=forged)
    assert (status, body["error"]["code"]) == (429, "too_many_attempts")
    assert await login_sessions(server) == 0


# -- logout and CSRF -------------------------------------------------------------------------------------


async def test_logout_without_the_csrf_header_is_403_and_the_session_stays_valid(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    browser = http()
    await logged_in(browser)
    async with browser.post("/api/logout") as resp:
        assert resp.status == 403
        assert (await resp.json())["error"]["code"] == "forbidden"
    assert await session_user(browser) == world.id("cw.a")
    assert await login_sessions(server) == 1


async def test_logout_with_a_wrong_csrf_token_is_403_and_the_session_stays_valid(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    browser = http()
    await logged_in(browser)
    other = http()
    other_csrf = await logged_in(other, "cw.a2")  # a real token, but of another session
    for token in ("", "not-the-token", other_csrf):
        async with browser.post("/api/logout", headers={CSRF_HEADER: token}) as resp:
            assert resp.status == 403
    assert await session_user(browser) == world.id("cw.a")
    assert await session_user(other) == world.id("cw.a2")
    assert await login_sessions(server) == 2


async def test_logout_with_the_csrf_header_ends_the_session_on_the_server(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    browser = http()
    csrf = await logged_in(browser)
    token = next(c.value for c in browser.cookie_jar if c.key == SESSION_COOKIE)
    async with browser.post("/api/logout", headers={CSRF_HEADER: csrf}) as resp:
        assert resp.status == 200
        assert await resp.json() == {"ok": True}
        deleted = session_cookie_of(resp)[SESSION_COOKIE]
        assert deleted.value == ""
        assert deleted["max-age"] == "0"
    assert await session_user(browser) is None
    # Not only the browser forgot it: the old token itself no longer authenticates anyone.
    async with aiohttp.ClientSession(server.url) as replay:
        status, body = await get_json(replay, "/api/session", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
        assert (status, body["error"]["code"]) == (401, "not_authenticated")
    assert await login_sessions(server) == 0


async def test_logout_ends_only_its_own_session(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    laptop, phone = http(), http()
    csrf = await logged_in(laptop)
    await logged_in(phone)
    async with laptop.post("/api/logout", headers={CSRF_HEADER: csrf}) as resp:
        assert resp.status == 200
    assert await session_user(laptop) is None
    assert await session_user(phone) == world.id("cw.a")


async def test_logout_without_a_session_is_401(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    async with http().post("/api/logout", headers={CSRF_HEADER: "anything"}) as resp:
        assert resp.status == 401
        assert (await resp.json())["error"]["code"] == "not_authenticated"


async def test_get_session_without_a_cookie_is_401(server: RunningServer, http: HttpFactory) -> None:
    status, body = await get_json(http(), "/api/session")
    assert status == 401
    assert body["error"]["code"] == "not_authenticated"


async def test_get_session_with_an_unknown_or_oversized_token_is_401(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    browser = http()
    await logged_in(browser)
    for token in ("not-a-session", "x" * 5000):
        async with aiohttp.ClientSession(server.url) as stranger:
            headers = {"Cookie": f"{SESSION_COOKIE}={token}"}
            assert (await get_json(stranger, "/api/session", headers=headers))[0] == 401
    assert await session_user(browser) == world.id("cw.a")


# -- cross-origin writes ---------------------------------------------------------------------------------


async def test_a_cross_origin_login_is_403_and_opens_no_session(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    status, body = await post_login(http(), "cw.a", headers={"Origin": EVIL_ORIGIN})
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert await login_sessions(server) == 0


async def test_a_cross_origin_logout_is_403_even_with_the_csrf_token_and_the_session_stays_valid(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    browser = http()
    csrf = await logged_in(browser)
    for origin in (
        EVIL_ORIGIN,
        "null",
        server.url.replace("127.0.0.1", "localhost"),
        "https" + server.url[4:],
    ):
        async with browser.post("/api/logout", headers={CSRF_HEADER: csrf, "Origin": origin}) as resp:
            assert resp.status == 403, origin
            assert (await resp.json())["error"]["code"] == "forbidden"
    assert await session_user(browser) == world.id("cw.a")
    assert await login_sessions(server) == 1


async def test_a_same_origin_header_is_accepted(
    server: RunningServer, world: World, http: HttpFactory
) -> None:
    browser = http()
    status, _ = await post_login(browser, "cw.a", headers={"Origin": server.url})
    assert status == 200
    csrf = (await get_json(browser, "/api/session"))[1]["csrf_token"]
    async with browser.post("/api/logout", headers={CSRF_HEADER: csrf, "Origin": server.url}) as resp:
        assert resp.status == 200
    assert await login_sessions(server) == 0
