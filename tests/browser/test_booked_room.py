"""Booked rooms through the browser consoles: once a booking's room is open, the caseworker and the
interpreter(s) see "your booked session is open" (a reloaded page too), join it and talk. A two-party room
is one peer connection, as an on-demand call; a relay room is a mesh, each page receiving the two others.
An interpreter who hangs up a relay room only leaves it and can rejoin; the caseworker's hang-up ends it
for everybody."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from playwright.async_api import Browser, Locator, Page, expect

from core.ids import CallId, new_id
from tests.browser.pages import receives_media, session_info
from tests.support.browser import logged_in, screenshot
from tests.support.relay import SEATS
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

OPEN = "Your booked session is open"
LEFT = "You left the session; you can rejoin until it closes."


async def open_room(server: RunningServer, world: World, **seats: str) -> CallId:
    """Open a booked Pashto room for Test Office A at once, as the booking engine does at its start."""
    relay = seats.get("relay_interpreter")
    return await server.services.booked_rooms.open(
        new_id(),
        world.office_a,
        "Test Office A",
        world.id(seats["caseworker"]),
        world.id(seats["interpreter"]),
        "ps",
        datetime.now(UTC) + timedelta(hours=1),
        relay_interpreter_id=world.id(relay) if relay else None,
    )


def booked_panel(page: Page) -> Locator:
    return page.get_by_role("region", name=OPEN)


async def join(page: Page) -> None:
    panel = booked_panel(page)
    await expect(panel).to_contain_text("Pashto for Test Office A, closes at")
    await panel.get_by_role("button", name="Join").click()
    await expect(page.locator("#call-panel")).to_be_visible()
    await expect(panel).to_be_hidden()


async def test_a_booked_room_opening_is_joined_from_both_consoles_and_carries_media_until_hang_up(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, caseworker = await logged_in(browser, server.url, "cw.a", PASSWORD)
    _, interpreter = await logged_in(browser, server.url, "ps.male", PASSWORD)
    await open_room(server, world, caseworker="cw.a", interpreter="ps.male")  # room:open reaches both pages

    for page in (caseworker, interpreter):
        await expect(booked_panel(page)).to_be_visible()
    await screenshot(interpreter, "interpreter-booked-session-open")
    await join(caseworker)
    await join(interpreter)

    await asyncio.gather(receives_media(caseworker), receives_media(interpreter))
    await expect(interpreter.locator("body")).to_have_attribute("data-presence", "in_call")
    await screenshot(caseworker, "caseworker-in-booked-session")

    # A reloaded page finds the room again (session:info) and, joined again, negotiates a new connection.
    await interpreter.reload()
    await join(interpreter)
    await asyncio.gather(receives_media(caseworker), receives_media(interpreter))

    await caseworker.click("#hangup")
    for page in (caseworker, interpreter):
        await expect(page.locator("#ended-message")).to_have_text("The call has ended.")
        await expect(booked_panel(page)).to_be_hidden()
    assert await caseworker.evaluate("() => window.rris.room") is None
    assert (await session_info(interpreter))["rooms"] == []


async def test_a_relay_room_is_a_mesh_of_three_pages_and_an_interpreter_can_leave_and_rejoin(
    server: RunningServer, world: World, browser: Browser
) -> None:
    await open_room(server, world, **SEATS)  # before anyone logs in: the pages find it in session:info
    pages: dict[str, Page] = {}
    for seat, username in SEATS.items():
        _, pages[seat] = await logged_in(browser, server.url, username, PASSWORD)
    for page in pages.values():
        await join(page)

    await asyncio.gather(
        *(receives_media(page, peer) for seat, page in pages.items() for peer in SEATS if peer != seat)
    )
    for page in pages.values():
        assert await page.locator("#call-panel video:not(#local-video)").count() == 2
    await screenshot(pages["relay_interpreter"], "relay-interpreter-in-relay-room")

    # The to-pivot interpreter hangs up: they leave, the room goes on for the two others and waits for them.
    leaving = pages["interpreter"]
    await leaving.click("#hangup")
    await expect(leaving.get_by_role("region", name=LEFT)).to_be_visible()
    await expect(leaving.locator("#call-panel")).to_be_hidden()
    for seat in ("caseworker", "relay_interpreter"):
        status = pages[seat].locator('.seat[data-role="interpreter"] .seat-status')
        await expect(status).to_have_text("Left the session; they can come back until it closes.")
    await receives_media(pages["caseworker"], "relay_interpreter")

    await leaving.get_by_role("region", name=LEFT).get_by_role("button", name="Rejoin").click()
    await expect(leaving.locator("#call-panel")).to_be_visible()
    await expect(leaving.locator("body")).to_have_attribute("data-presence", "in_call")
    await asyncio.gather(
        receives_media(leaving, "caseworker"),
        receives_media(leaving, "relay_interpreter"),
        receives_media(pages["caseworker"], "interpreter"),
        receives_media(pages["relay_interpreter"], "interpreter"),
    )
    for seat in ("caseworker", "relay_interpreter"):
        await expect(pages[seat].locator('.seat[data-role="interpreter"] .seat-status')).to_be_hidden()

    await pages["caseworker"].click("#hangup")
    for page in pages.values():
        await expect(page.locator("#ended-message")).to_have_text("The call has ended.")
