"""A caseworker who uses only the keyboard logs in, picks a language, asks for an interpreter, hangs up
and rates the call; every control they meet has an accessible name."""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, Locator, Page, expect

from tests.browser.pages import on_standby, receives_media
from tests.support.browser import logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

MOST_TABS = 40  # more would mean a keyboard trap or a control left out of the tab order


async def tab_to(page: Page, target: Locator, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until ``target`` has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MOST_TABS):
        if await target.evaluate("(element) => element === document.activeElement"):
            return
        await page.keyboard.press(key)
    raise AssertionError(f"{target} never got the focus after {MOST_TABS} presses of {key}")


async def test_a_caseworker_can_do_a_whole_call_with_the_keyboard_and_every_control_is_named(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, interpreter = await logged_in(browser, server.url, "ps.female", PASSWORD)
    await on_standby(interpreter)
    context = await browser.new_context(base_url=server.url)
    page = await context.new_page()
    await page.goto("/")

    await tab_to(page, page.get_by_role("textbox", name="Username"))
    await page.keyboard.type("cw.a")
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Password")).to_be_focused()
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await page.wait_for_selector("body[data-ready=true]")
    assert page.url.endswith("/caseworker")

    now = page.get_by_role("region", name="Interpreter now")
    search = now.get_by_role("searchbox", name="Search a language")
    languages = now.get_by_role("listbox", name="Language (and dialect)")
    gender = now.get_by_role("combobox", name="Interpreter's gender")
    ask = now.get_by_role("button", name="Request an interpreter")
    await tab_to(page, search)
    await page.keyboard.type("pa")  # Pashto, and others with "pa" in a name or code
    assert await languages.locator("option").count() > 1
    await page.keyboard.press("Tab")
    await expect(languages).to_be_focused()
    while await languages.input_value() != "ps":  # walk the list with the arrow keys
        before = await languages.input_value()
        await page.keyboard.press("ArrowDown")
        assert await languages.input_value() != before, "Pashto is not in the list"
    await page.keyboard.press("Tab")
    await expect(gender).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(gender).to_have_value("female")
    await page.keyboard.press("Tab")
    await expect(ask).to_be_focused()
    await page.keyboard.press("Enter")

    cancel = page.get_by_role("button", name="Cancel", exact=True)
    await expect(cancel).to_be_visible()
    await expect(cancel).to_be_focused()  # the focus follows the request to its next step
    ring = interpreter.get_by_role("alertdialog", name="Incoming call")
    await expect(ring).to_be_visible()
    await expect(ring.get_by_role("button", name="Accept")).to_be_focused()
    await interpreter.keyboard.press("Enter")  # the interpreter answers with the keyboard too

    await asyncio.gather(receives_media(page), receives_media(interpreter))
    call = page.get_by_role("region", name="Call")
    await expect(call).to_be_focused()
    await expect(call.get_by_label("The other side's video")).to_be_visible()
    await expect(call.get_by_label("Your own video")).to_be_visible()
    controls = call.get_by_role("group", name="Call controls")
    for name in ("Mute", "Camera off", "Audio only", "Hang up"):
        await expect(controls.get_by_role("button", name=name)).to_be_visible()
    mute = controls.get_by_role("button", name="Mute")
    await tab_to(page, mute)
    await page.keyboard.press("Space")
    await expect(mute).to_have_attribute("aria-pressed", "true")
    await page.keyboard.press("Enter")
    await expect(mute).to_have_attribute("aria-pressed", "false")
    await screenshot(page, "keyboard-in-call")
    await tab_to(page, controls.get_by_role("button", name="Hang up"))
    await page.keyboard.press("Enter")

    await expect(page.get_by_text("The call has ended.")).to_be_visible()
    rating = page.get_by_role("group", name="How was the connection?")
    scores = [rating.get_by_role("button", name=f"{n} of 5") for n in range(1, 6)]
    for score in scores:
        await expect(score).to_be_visible()
    await tab_to(page, scores[4])
    await page.keyboard.press("Shift+Tab")  # back to 4
    await expect(scores[3]).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("your rating was saved")).to_be_visible()
    await expect(page.get_by_role("button", name="Close")).to_be_focused()
    await screenshot(page, "keyboard-rated")
    await page.keyboard.press("Enter")
    await expect(ask).to_be_focused()

    coordinator = await server.services.accounts.principal(world.id("coord"))
    assert coordinator is not None
    [record] = await server.services.records.visible(coordinator)
    assert (record.requested_gender, record.interpreter_id) == ("female", world.id("ps.female"))
    assert (record.outcome, record.quality_rating) == ("completed", 4)
