"""A call through the browser client: a caseworker asks for Pashto now, an interpreter on standby accepts,
and both pages receive each other's audio and video until the caseworker hangs up."""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, expect

from tests.browser.pages import receives_media
from tests.support.browser import logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World


async def test_a_browser_call_carries_audio_and_video_both_ways_until_hang_up(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, interpreter = await logged_in(browser, server.url, "ps.male", PASSWORD)
    await interpreter.check("#standby")
    await interpreter.wait_for_selector("body[data-presence=standby]")
    _, caseworker = await logged_in(browser, server.url, "cw.a", PASSWORD)
    await caseworker.fill("#language-search", "pasht")
    await expect(caseworker.locator("#language")).to_have_value("ps")
    await caseworker.click("#request-button")
    await expect(caseworker.locator("#ringing-panel")).to_be_visible()

    await expect(interpreter.locator("#ring-panel")).to_be_visible()
    await expect(interpreter.locator("#ring-details")).to_contain_text("Pashto")
    await expect(interpreter.locator("#ring-details")).to_contain_text("Test Office A")
    await screenshot(interpreter, "interpreter-ringing")
    await interpreter.click("#accept")

    await asyncio.gather(receives_media(caseworker), receives_media(interpreter))
    await expect(caseworker.locator("#quality")).to_have_attribute("data-level", "good")
    await screenshot(caseworker, "caseworker-in-call")
    await screenshot(interpreter, "interpreter-in-call")

    await caseworker.click("#hangup")
    await expect(caseworker.locator("#ended-panel")).to_be_visible()
    await expect(interpreter.locator("#ended-panel")).to_be_visible()
    await expect(interpreter.locator("body")).to_have_attribute("data-presence", "standby")
    assert await caseworker.evaluate("() => window.rris.call") is None
