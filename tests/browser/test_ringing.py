"""Ringing through the browser client: a declined ring goes on to the next interpreter, and a request the
caseworker cancels (or loses with their connection) stops ringing at once, leaving both consoles where
they started."""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, expect

from tests.browser.pages import Link, first_to_ring, log_in, on_standby, receives_media, request_pashto
from tests.support.browser import logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World


async def test_a_declined_ring_goes_to_the_next_interpreter_who_accepts_and_the_caseworker_rates_the_call(
    server: RunningServer, world: World, browser: Browser
) -> None:
    # ps.male and ps.female both speak Pashto and serve office A.
    _, male = await logged_in(browser, server.url, "ps.male", PASSWORD)
    _, female = await logged_in(browser, server.url, "ps.female", PASSWORD)
    await on_standby(male)
    await on_standby(female)
    _, caseworker = await logged_in(browser, server.url, "cw.a", PASSWORD)
    await request_pashto(caseworker)

    first = await first_to_ring(male, female)
    second = female if first is male else male
    await expect(second.locator("#ring-panel")).to_be_hidden()  # one at a time
    await expect(caseworker.locator("#ringing-attempt")).to_have_text("1")
    await first.get_by_role("button", name="Decline").click()
    await expect(first.locator("#ring-panel")).to_be_hidden()
    await expect(first.locator("body")).to_have_attribute("data-presence", "standby")

    await expect(second.get_by_role("alertdialog", name="Incoming call")).to_be_visible()
    await expect(caseworker.locator("#ringing-attempt")).to_have_text("2")
    await screenshot(caseworker, "caseworker-second-ring")
    await second.get_by_role("button", name="Accept").click()
    await asyncio.gather(receives_media(caseworker), receives_media(second))
    await expect(first.locator("#ring-panel")).to_be_hidden()  # never rung again for this request
    await expect(first.locator("body")).to_have_attribute("data-presence", "standby")

    await caseworker.get_by_role("button", name="Hang up").click()
    await expect(second.locator("#ended-panel")).to_be_visible()
    rating = caseworker.get_by_role("group", name="How was the connection?")
    await expect(rating).to_be_visible()
    await rating.get_by_role("button", name="4 of 5").click()
    await expect(caseworker.get_by_text("your rating was saved")).to_be_visible()
    await expect(rating).to_be_hidden()
    await screenshot(caseworker, "caseworker-rated")

    coordinator = await server.services.accounts.principal(world.id("coord"))
    assert coordinator is not None
    [record] = await server.services.records.visible(coordinator)
    accepted_by = "ps.female" if second is female else "ps.male"
    assert (record.interpreter_id, record.ring_attempts) == (world.id(accepted_by), 2)
    assert (record.outcome, record.quality_rating) == ("completed", 4)


async def test_cancelling_while_ringing_stops_the_ring_and_both_sides_are_idle_again(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, interpreter = await logged_in(browser, server.url, "ps.male", PASSWORD)
    await on_standby(interpreter)
    _, caseworker = await logged_in(browser, server.url, "cw.a", PASSWORD)
    await request_pashto(caseworker)
    await expect(interpreter.get_by_role("alertdialog", name="Incoming call")).to_be_visible()

    await caseworker.get_by_role("button", name="Cancel", exact=True).click()

    await expect(interpreter.locator("#ring-panel")).to_be_hidden()
    await expect(interpreter.locator("body")).to_have_attribute("data-presence", "standby")
    standby = interpreter.get_by_role("switch", name="Take calls now")
    await expect(standby).to_be_checked()
    await expect(standby).to_be_enabled()
    await expect(interpreter.locator("#presence")).to_have_text("On standby: calls can reach you.")
    await expect(caseworker.locator("#ringing-panel")).to_be_hidden()
    request = caseworker.get_by_role("button", name="Request an interpreter")
    await expect(request).to_be_visible()
    await expect(request).to_be_focused()
    await expect(caseworker.locator("#request-error")).to_have_text("")
    await screenshot(caseworker, "caseworker-cancelled")
    await screenshot(interpreter, "interpreter-ring-cancelled")

    await server.services.tasks.drain()
    coordinator = await server.services.accounts.principal(world.id("coord"))
    assert coordinator is not None
    [record] = await server.services.records.visible(coordinator)
    assert (record.outcome, record.interpreter_id, record.answered_at) == ("cancelled", None, None)
    # Idle means ready again: the next request rings the same interpreter.
    await request_pashto(caseworker)
    await expect(interpreter.get_by_role("alertdialog", name="Incoming call")).to_be_visible()


async def test_a_request_whose_caseworker_loses_the_connection_while_ringing_is_cancelled_on_both_sides(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, interpreter = await logged_in(browser, server.url, "ps.male", PASSWORD)
    await on_standby(interpreter)
    link = Link()
    context = await browser.new_context(base_url=server.url)
    await link.attach(context)
    caseworker = await log_in(context, "cw.a")
    await request_pashto(caseworker)
    await expect(interpreter.get_by_role("alertdialog", name="Incoming call")).to_be_visible()

    await link.cut()

    # The server cancels a request whose caseworker is gone; the page says so instead of waiting on.
    await expect(caseworker.locator("#ringing-panel")).to_be_hidden()
    await expect(caseworker.get_by_role("alert").filter(has_text="the request was cancelled")).to_be_visible()
    await expect(interpreter.locator("#ring-panel")).to_be_hidden()
    await expect(interpreter.locator("body")).to_have_attribute("data-presence", "standby")
    await screenshot(caseworker, "caseworker-request-lost")
    link.restore()
    await caseworker.wait_for_function("() => window.rris.socket.connected")
    await request_pashto(caseworker)  # and asking again works once the connection is back
    await expect(interpreter.get_by_role("alertdialog", name="Incoming call")).to_be_visible()
    await server.services.tasks.drain()
    coordinator = await server.services.accounts.principal(world.id("coord"))
    assert coordinator is not None
    records = await server.services.records.visible(coordinator)
    assert [r.outcome for r in records] == [None, "cancelled"]  # newest first
