"""A browser that refuses the camera and microphone: the caseworker is told clearly, in the device check and
when asking for an interpreter, and no request reaches the server (nobody is rung for a call that could not
carry a picture or a voice)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright, expect

from core.models import CallRecordRow
from tests.browser.pages import log_in, on_standby
from tests.support.browser import FLAGS, logged_in, require_chromium, screenshot
from tests.support.rows import count_rows
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

DENIED = "The browser was not allowed to use the camera or microphone."


@pytest.fixture
async def asking_browser() -> AsyncIterator[Browser]:
    """Chromium that asks before giving a page the camera, as a real one does (the suite's browser answers
    every such question with yes): a context that was not granted the permission is refused."""
    executable = require_chromium()
    flags = [flag for flag in FLAGS if flag != "--use-fake-ui-for-media-stream"]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(executable), args=flags, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


async def test_a_refused_camera_is_explained_and_no_request_is_made(
    server: RunningServer, world: World, browser: Browser, asking_browser: Browser
) -> None:
    _, interpreter = await logged_in(browser, server.url, "ps.male", PASSWORD)
    await on_standby(interpreter)
    context = await asking_browser.new_context(base_url=server.url, permissions=[])
    sent: list[str] = []
    context.on(
        "page",
        lambda page: page.on(
            "websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(str(frame)))
        ),
    )
    caseworker = await log_in(context, "cw.a")
    state = await caseworker.evaluate("navigator.permissions.query({name: 'camera'}).then((s) => s.state)")
    assert state == "denied"

    check = caseworker.get_by_role("region", name="Check camera and microphone")
    await check.get_by_role("button", name="Test my devices").click()
    await expect(caseworker.locator("#device-message")).to_contain_text(DENIED)
    await expect(caseworker.locator("#device-message")).to_have_attribute("data-reason", "denied")

    now = caseworker.get_by_role("region", name="Interpreter now")
    await now.get_by_role("searchbox", name="Search a language").fill("pasht")
    await expect(now.get_by_role("listbox", name="Language (and dialect)")).to_have_value("ps")
    await now.get_by_role("button", name="Request an interpreter").click()
    await expect(caseworker.get_by_role("alert").filter(has_text=DENIED)).to_be_visible()
    await expect(caseworker.locator("#ringing-panel")).to_be_hidden()
    await expect(now.get_by_role("button", name="Request an interpreter")).to_be_visible()
    await screenshot(caseworker, "caseworker-camera-denied")

    # The page asked the server nothing about a call, and the server knows of none.
    assert await caseworker.evaluate("() => window.rris.socket.connected")
    assert any("session:info" in frame for frame in sent)
    assert not any("call:request" in frame for frame in sent)
    await server.services.tasks.drain()
    assert await count_rows(server.services.db, CallRecordRow) == 0
    await expect(interpreter.locator("#ring-panel")).to_be_hidden()
    await expect(interpreter.locator("body")).to_have_attribute("data-presence", "standby")
