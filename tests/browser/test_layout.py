"""On a 390 px wide phone both consoles fit the screen (nothing scrolls sideways) and, in a call, the
controls are on screen and can be used."""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, Page, expect

from tests.browser.pages import on_standby, receives_media, request_pashto
from tests.support.browser import logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

WIDTH = 390
PHONE = {"viewport": {"width": WIDTH, "height": 844}, "is_mobile": True, "has_touch": True}
CONTROLS = ("Mute", "Camera off", "Audio only", "Hang up")

WIDER_THAN_THE_SCREEN = """(width) => [...document.querySelectorAll("body *")]
  .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > width + 0.5)
  .map((e) => `${e.tagName.toLowerCase()}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`)"""


async def fits(page: Page) -> None:
    """No horizontal scrolling: the document is no wider than the screen, nor is anything in it."""
    assert await page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert await page.evaluate(WIDER_THAN_THE_SCREEN, WIDTH) == []


async def controls_usable(page: Page) -> None:
    for name in CONTROLS:
        button = page.get_by_role("group", name="Call controls").get_by_role("button", name=name)
        await expect(button).to_be_visible()
        await expect(button).to_be_in_viewport(ratio=1.0)
        box = await button.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= WIDTH, name
        assert box["height"] >= 24, name  # large enough to tap


async def test_both_consoles_fit_a_390_px_phone_and_the_call_controls_stay_on_screen(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, interpreter = await logged_in(browser, server.url, "ps.male", PASSWORD, **PHONE)
    _, caseworker = await logged_in(browser, server.url, "cw.a", PASSWORD, **PHONE)
    await fits(interpreter)
    await fits(caseworker)
    await screenshot(caseworker, "phone-caseworker-idle")
    await screenshot(interpreter, "phone-interpreter-idle")

    await on_standby(interpreter)
    await request_pashto(caseworker)
    await expect(interpreter.get_by_role("alertdialog", name="Incoming call")).to_be_visible()
    await fits(interpreter)
    await fits(caseworker)
    await expect(interpreter.get_by_role("button", name="Accept")).to_be_in_viewport()
    await screenshot(interpreter, "phone-interpreter-ringing")
    await interpreter.get_by_role("button", name="Accept").click()

    await asyncio.gather(receives_media(caseworker), receives_media(interpreter))
    for page in (caseworker, interpreter):
        await fits(page)
        await controls_usable(page)
        await expect(page.get_by_role("region", name="Call")).to_be_visible()
    await screenshot(caseworker, "phone-caseworker-in-call")
    await screenshot(interpreter, "phone-interpreter-in-call")

    await caseworker.get_by_role("button", name="Mute").tap()
    await expect(caseworker.get_by_role("button", name="Mute")).to_have_attribute("aria-pressed", "true")
    await caseworker.get_by_role("button", name="Hang up").tap()
    await expect(caseworker.get_by_role("group", name="How was the connection?")).to_be_in_viewport()
    await fits(caseworker)
    await screenshot(caseworker, "phone-caseworker-ended")
