"""The coordinator's console in Chromium: the live board follows a call from standby to hang-up without a
reload; bookings are assigned and cancelled, shifts added; the heat map and the usage chart draw data made
in the test, and their CSV links answer."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from core.accounts import Role
from core.config import Settings
from core.ids import new_id
from core.models import CallRecordRow
from tests.browser.pages import on_standby, request_pashto
from tests.conftest import make_settings
from tests.support.browser import logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

PHONE = {"viewport": {"width": 390, "height": 844}}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The board is watched at human pace: a ring must not time out meanwhile.
    return make_settings(tmp_path, ring_timeout_s=60.0)


def interpreter_row(page: Page, world: World, username: str) -> Locator:
    return page.locator(f'#interpreters tr[data-interpreter-id="{world.id(username)}"]')


async def test_the_board_shows_standby_then_the_waiting_request_then_the_call_until_hang_up(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, coordinator = await logged_in(browser, server.url, "coord", PASSWORD)
    await expect(coordinator.locator("#board-status")).to_have_attribute("data-state", "live")
    await expect(coordinator.locator("#waiting-empty")).to_be_visible()
    await expect(coordinator.locator("#calls-empty")).to_be_visible()
    await coordinator.evaluate("() => { window.sameDocument = true; }")  # gone if the page reloaded

    _, interpreter = await logged_in(browser, server.url, "ps.male", PASSWORD)
    await on_standby(interpreter)
    standing_by = interpreter_row(coordinator, world, "ps.male")
    await expect(standing_by).to_have_attribute("data-state", "standby")
    await expect(standing_by).to_contain_text("On standby")
    pashto = coordinator.locator('#languages tr[data-language="ps"]')
    await expect(pashto.locator("td.has-standby")).to_have_text("1")
    await screenshot(coordinator, "coordinator-standby")

    _, caseworker = await logged_in(browser, server.url, "cw.a", PASSWORD)
    await request_pashto(caseworker)
    waiting = coordinator.locator("#waiting tbody tr")
    await expect(waiting).to_have_count(1)
    await expect(waiting).to_contain_text("Pashto")
    await expect(waiting).to_contain_text("Test Office A")
    await expect(waiting).to_contain_text("Ringing Test ps.male")
    await expect(coordinator.locator("#waiting-count")).to_have_text("1")
    await expect(coordinator.locator("#board-announce")).to_contain_text("New request waiting: Pashto")
    await expect(waiting.locator("td.timer")).to_have_text(re.compile(r"^0:0[1-9]$"))  # counts on by itself
    await screenshot(coordinator, "coordinator-waiting")

    await expect(interpreter.locator("#ring-panel")).to_be_visible()
    await interpreter.click("#accept")
    call = coordinator.locator("#calls tbody tr")
    await expect(call).to_have_count(1)
    await expect(waiting).to_have_count(0)
    await expect(call).to_contain_text("Test ps.male")
    await expect(call).to_contain_text("Test Office A")
    await expect(interpreter_row(coordinator, world, "ps.male")).to_have_attribute("data-state", "in_call")
    await expect(call.locator("td.timer")).to_have_text(re.compile(r"^0:0[1-9]$"))
    await screenshot(coordinator, "coordinator-in-call")

    await caseworker.click("#hangup")
    await expect(caseworker.locator("#ended-panel")).to_be_visible()
    await expect(call).to_have_count(0)
    await expect(coordinator.locator("#calls-empty")).to_be_visible()
    await expect(interpreter_row(coordinator, world, "ps.male")).to_have_attribute("data-state", "standby")
    assert await coordinator.evaluate("() => window.sameDocument") is True
    await screenshot(coordinator, "coordinator-after-hang-up")


async def completed_call_now(server: RunningServer, world: World) -> datetime:
    """A five-minute Pashto call of office A answered now, as the call records keep it."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    async with server.services.db.transaction() as session:
        session.add(
            CallRecordRow(
                id=new_id(),
                organisation_id=world.office_a,
                caseworker_id=world.id("cw.a"),
                interpreter_id=world.id("ps.male"),
                language="ps",
                requested_gender=None,
                requested_at=now,
                rung_at=now,
                answered_at=now,
                ended_at=now + timedelta(minutes=5),
                outcome="completed",
                ring_attempts=1,
            )
        )
    return now


async def test_bookings_are_assigned_and_cancelled_and_shifts_added_by_hand(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, caseworker = await logged_in(browser, server.url, "cw.a", PASSWORD)
    await caseworker.fill("#booking-language-search", "pasht")
    await caseworker.click("#booking-form button[type=submit]")
    await expect(caseworker.locator("#bookings tbody tr")).to_have_count(1)

    _, coordinator = await logged_in(browser, server.url, "coord", PASSWORD)
    booking = coordinator.locator("#bookings tbody tr")
    await expect(booking).to_have_count(1)
    await booking.get_by_role("combobox").select_option(label="Test ps.female")
    await booking.get_by_role("button", name="Assign").click()
    await expect(coordinator.locator("#bookings-result")).to_have_text("Offered to Test ps.female.")
    await expect(booking).to_have_attribute("data-state", "offered")
    await expect(booking).to_contain_text("Test ps.female")
    await screenshot(coordinator, "coordinator-booking-assigned")
    await booking.get_by_role("button", name="Cancel booking").click()
    await expect(booking).to_have_count(0)  # no longer to happen
    await coordinator.select_option("#bookings-state", "all")
    await expect(booking).to_have_attribute("data-state", "cancelled")

    await coordinator.select_option("#shift-interpreter", label="Test ps.female")
    await coordinator.select_option("#shift-language", "ps-AF")
    await coordinator.click("#shift-form button[type=submit]")
    await expect(coordinator.locator("#shift-result")).to_contain_text(
        "Test ps.female is rostered on standby"
    )
    shift = coordinator.locator("#shifts tbody tr")
    await expect(shift).to_have_count(1)
    await expect(shift).to_contain_text("Pashto (Afghanistan)")
    await coordinator.click("#shift-form button[type=submit]")  # the same form again: overlaps, refused
    await expect(coordinator.locator("#shift-result")).to_contain_text("That is not possible now")
    await shift.get_by_role("button", name="Cancel shift: Test ps.female, from").click()
    await expect(coordinator.locator("#shift-result")).to_have_text(
        "The shift of Test ps.female was cancelled."
    )
    await expect(shift).to_have_count(0)


async def test_the_heat_map_and_the_usage_chart_draw_the_data_and_link_their_csv(
    server: RunningServer, world: World, browser: Browser
) -> None:
    answered = await completed_call_now(server, world)
    _, coordinator = await logged_in(browser, server.url, "coord.a", PASSWORD)
    # A rostered shift from the next whole hour, four hours long (the form's default), through the form.
    await coordinator.select_option("#shift-interpreter", label="Test ps.male")
    await coordinator.click("#shift-form button[type=submit]")
    await expect(coordinator.locator("#shifts tbody tr")).to_have_count(1)

    today = date.fromisoformat(await coordinator.input_value("#coverage-from"))
    await coordinator.fill(
        "#coverage-to", (today + timedelta(days=1)).isoformat()
    )  # the shift may pass midnight
    await coordinator.select_option("#coverage-measure", "rostered")
    await coordinator.click("#coverage-form button[type=submit]")
    pashto = coordinator.locator('#coverage tr[data-language="ps"]')
    await expect(pashto.locator("td.heat-5")).to_have_count(4)  # one interpreter, the four hours rostered
    await coordinator.select_option("#coverage-measure", "on_demand")
    local_hour = await coordinator.evaluate("(iso) => new Date(iso).getHours()", answered.isoformat())
    await expect(pashto.locator(f'td[data-hour="{local_hour}"]')).to_have_text("1")
    await expect(pashto.locator("td.heat-5")).to_have_count(1)
    await screenshot(coordinator, "coordinator-coverage")

    month = answered.strftime("%Y-%m")
    bar = coordinator.locator(f'#usage-chart svg g[data-month="{month}"]')
    await expect(bar).to_have_attribute("data-total", "5")
    assert await bar.locator("rect.on-demand").get_attribute("width") not in (None, "0")
    await expect(bar.locator("title")).to_have_text(re.compile(r": 5 min \(5 on demand, 0 booked\)$"))

    for link, header in (
        ("#coverage-csv", "hour,language,available,rostered,booked,on_demand,gap"),
        ("#usage-csv", "organisation_id,organisation,language,month,on_demand_minutes"),
    ):
        href = await coordinator.get_attribute(link, "href")
        assert href is not None
        assert href.endswith("&format=csv")
        response = await coordinator.request.get(href)
        assert response.status == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert (await response.text()).startswith(header)


async def test_the_console_reads_on_a_phone_without_sideways_scrolling(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, interpreter = await logged_in(browser, server.url, "ps.male", PASSWORD)
    await on_standby(interpreter)
    _, coordinator = await logged_in(browser, server.url, "coord", PASSWORD, **PHONE)
    row = interpreter_row(coordinator, world, "ps.male")
    await expect(row).to_have_attribute("data-state", "standby")
    # Stacked on a phone, each cell names its column.
    named = "(td) => getComputedStyle(td, '::before').content"
    assert [await td.evaluate(named) for td in await row.locator("td").all()] == [
        '"Name: "',
        '"Languages: "',
        '"State: "',
        '"Since: "',
    ]
    overflow = await coordinator.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    # Every control can be reached with the keyboard and has a name.
    unnamed = await coordinator.evaluate(
        """() => [...document.querySelectorAll('main input, main select, main button')]
            .filter((el) => !el.labels?.length && !el.getAttribute('aria-label') && !el.textContent.trim())
            .map((el) => el.id || el.outerHTML.slice(0, 60))"""
    )
    assert unnamed == []
    await screenshot(coordinator, "coordinator-phone")


async def test_an_admin_lands_on_the_console_and_sees_the_board(
    server: RunningServer, world: World, browser: Browser
) -> None:
    await server.services.accounts.create_user(world.pool, "admin.pool", "Pool admin", PASSWORD, Role.ADMIN)
    _, admin = await logged_in(browser, server.url, "admin.pool", PASSWORD)
    assert admin.url.endswith("/coordinator")
    await expect(admin.locator("#board-status")).to_have_attribute("data-state", "live")
    await expect(admin.locator('#languages tr[data-language="ps"]')).to_be_visible()
