"""The data officer's console in Chromium: a data officer logs in and lands on it, uploads a CSV whose totals
do not add up and reads the error's row, column and rule, fixes the file and submits it; the hub accepts it in
the coordinator console, where the regional table then shows the published figure (rounded to 5) and the
trend chart loads; a correction is a new version with its history. A malformed file is refused whole, figures
typed in the web form are checked too, and the console fits a 390 px phone."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from core.accounts import Role
from tests.support.browser import logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

PERIOD = "2025-11"
HEADER = "CITIZEN,SEX,AGE,OBS_VALUE\r\n"
# The total says 23 but its parts add up to 20: citizenship_total fails on row 2 (the total's row).
WRONG = HEADER + "TOTAL,T,TOTAL,23\r\nSY,T,TOTAL,20\r\n"
FIXED = HEADER + "TOTAL,T,TOTAL,23\r\nSY,T,TOTAL,23\r\n"
CORRECTED = HEADER + "TOTAL,T,TOTAL,31\r\nSY,T,TOTAL,31\r\n"


async def add_data_officer(server: RunningServer, world: World, username: str = "do.a") -> None:
    """A data officer of Test Office A, whose country (MK) is a reporting authority."""
    await server.services.accounts.create_user(
        world.office_a, username, f"Test {username}", PASSWORD, Role.DATA_OFFICER
    )


async def upload(page: Page, name: str, text: str) -> None:
    await page.get_by_label("CSV or XLSX file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    )
    await page.get_by_role("button", name="Upload and check").click()


async def choose(page: Page, flow: str, period: str) -> None:
    await page.get_by_label("Dataflow").select_option(flow)
    await page.get_by_label("Period", exact=True).fill(period)


async def test_a_data_officer_reports_fixes_and_submits_and_the_hub_accepts_into_the_regional_view(
    server: RunningServer, world: World, browser: Browser
) -> None:
    await add_data_officer(server, world)
    _, officer = await logged_in(browser, server.url, "do.a", PASSWORD)
    assert officer.url.endswith("/data-officer")
    await expect(officer.locator("#submissions-empty")).to_be_visible()

    await choose(officer, "ASY_PEND", PERIOD)
    await upload(officer, "pending.csv", WRONG)
    result = officer.locator("#check-result")
    await expect(result).to_contain_text("Version 1 kept as a draft: 1 errors")
    await expect(result).to_have_attribute("role", "status")
    error = officer.locator('#report-errors tbody tr[data-rule="citizenship_total"]')
    await expect(error).to_have_count(1)
    await expect(error).to_have_attribute("data-row", "2")
    await expect(error.locator("td").nth(1)).to_have_text("OBS_VALUE")
    await expect(officer.get_by_role("button", name="Submit to the regional hub")).to_be_hidden()
    await expect(officer.locator("#revision-note")).to_contain_text("version 1, Draft")
    await screenshot(officer, "data-officer-error")

    await upload(officer, "pending.csv", FIXED)  # revises the draft in place
    await expect(result).to_contain_text("Version 1 checked: no errors")
    await officer.get_by_role("button", name="Submit to the regional hub").click()
    await expect(result).to_contain_text("Version 1 submitted to the regional hub")
    row = officer.locator("#submissions tbody tr")
    await expect(row).to_have_count(1)
    await expect(row).to_have_attribute("data-state", "submitted")
    await expect(row).to_contain_text("North Macedonia")

    _, hub = await logged_in(browser, server.url, "coord", PASSWORD)
    await hub.get_by_role("link", name="Regional data").click()
    waiting = hub.locator("#waiting-submissions tbody tr")
    await expect(waiting).to_have_count(1)
    await expect(waiting).to_contain_text("North Macedonia")
    await waiting.get_by_role("button", name="Accept: North Macedonia ASY_PEND 2025-11").click()
    await expect(hub.locator("#hub-result")).to_contain_text("Accepted version 1 of North Macedonia ASY_PEND")
    await expect(hub.locator("#waiting-submissions-empty")).to_be_visible()

    await hub.get_by_label("Dataflow").select_option("ASY_PEND")
    await hub.locator("#regional-from").fill("2025-09")
    await hub.locator("#regional-to").fill("2025-12")
    await hub.locator("#regional-form").get_by_role("button", name="Show").click()
    figure = hub.locator(f'#comparison tr[data-geo="MK"] td[data-period="{PERIOD}"]')
    await expect(figure).to_have_text("25")  # 23 published: rounded to the nearest 5
    region = hub.locator(f'#comparison tr[data-geo="REGION"] td[data-period="{PERIOD}"]')
    await expect(region).to_have_text("25")
    chart = hub.locator("#trend-chart")
    await expect(chart).to_be_visible()
    alt = re.compile(r"^Line chart: Persons with applications pending .*, 2025-09 to 2025-12, one line per")
    await expect(chart).to_have_attribute("alt", alt)
    await expect(chart).to_have_js_property("complete", True)
    assert await chart.evaluate("img => img.naturalWidth") > 0
    await screenshot(hub, "regional-data-hub")

    # A correction after acceptance is a new version; the accepted one stays in the history.
    await officer.reload()
    await officer.wait_for_selector("body[data-ready=true]")
    await expect(row).to_have_attribute("data-state", "accepted")
    await row.get_by_role("button", name="Correct: ASY_PEND 2025-11").click()
    await expect(officer.get_by_label("CSV or XLSX file")).to_be_focused()
    await upload(officer, "pending.csv", CORRECTED)
    await expect(result).to_contain_text("Version 2 checked: no errors")
    await row.get_by_role("button", name="Versions: ASY_PEND 2025-11").click()
    history = officer.locator("#history")
    await expect(history).to_be_focused()
    versions = history.locator("tbody tr")
    await expect(versions).to_have_count(2)
    await expect(versions.nth(0)).to_have_attribute("data-state", "validated")
    await expect(versions.nth(1)).to_have_attribute("data-state", "accepted")
    await expect(versions.nth(1)).to_contain_text("CSV file")
    await screenshot(officer, "data-officer-history")


async def test_figures_typed_in_the_web_form_are_checked_on_a_phone(
    server: RunningServer, world: World, browser: Browser
) -> None:
    await add_data_officer(server, world)
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    _, page = await logged_in(browser, server.url, "do.a", PASSWORD, **phone)
    await choose(page, "ASY_PEND", "2025-13")
    await page.get_by_label("Row 1: persons").fill("12")
    await page.get_by_role("button", name="Check the figures").click()
    result = page.locator("#check-result")
    await expect(result).to_contain_text("Please write the period as YYYY-MM")
    await expect(page.get_by_label("Period", exact=True)).to_have_attribute("aria-invalid", "true")
    await page.get_by_label("Period", exact=True).fill(PERIOD)

    # A malformed file is refused whole, with its row and reason, and nothing is kept.
    await upload(page, "ragged.csv", HEADER + "TOTAL,T,TOTAL,12\r\nSY,T\r\n")
    await expect(result).to_contain_text("The file was refused whole and nothing was kept: row 3")
    await expect(page.locator("#submissions-empty")).to_be_visible()

    await page.get_by_role("button", name="Add a row").click()
    await expect(page.get_by_label("Row 2: CITIZEN")).to_be_focused()
    await page.get_by_label("Row 2: CITIZEN").select_option("AF")
    await page.get_by_label("Row 2: persons").fill("three")
    await page.get_by_role("button", name="Check the figures").click()
    await expect(result).to_contain_text("Each row needs a whole number of persons")
    await expect(page.get_by_label("Row 2: persons")).to_be_focused()
    await expect(page.get_by_label("Row 2: persons")).to_have_attribute("aria-invalid", "true")

    await page.get_by_label("Row 2: persons").fill("12")
    await page.get_by_role("button", name="Check the figures").click()
    await expect(result).to_contain_text("Version 1 checked: no errors")
    await expect(page.locator("#submissions tbody tr")).to_have_attribute("data-state", "validated")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await screenshot(page, "data-officer-phone")
