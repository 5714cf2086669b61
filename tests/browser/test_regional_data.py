"""The console's Regional data section in Chromium: the hub imports another system's SDMX-CSV file and accepts
its series; an authority's coordinator then reads the comparison table (Kosovo* with its footnote, a
confidential figure in words), the trend and top-citizenship charts with their table alternatives, the
exports and the activity flow, and gets none of the hub's tools."""

from __future__ import annotations

import csv
import io

from playwright.async_api import Browser, expect

from migration_data.sdmx_csv import header, structure_id
from migration_data.template import dataflow
from tests.support.browser import ARTIFACTS, logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

PERIOD = "2025-11"


def sdmx_file() -> bytes:
    """Published ASY_PEND figures of MK and XK for one month; XK's AF figure confidential."""
    flow = dataflow("ASY_PEND")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(flow))
    lead = ("dataflow", structure_id(flow), "I", "M")
    for geo, citizen, value, status in (
        ("MK", "TOTAL", "40", "F"),
        ("MK", "SY", "25", "F"),
        ("MK", "AF", "15", "F"),
        ("XK", "TOTAL", "10", "F"),
        ("XK", "SY", "10", "F"),
        ("XK", "AF", "", "C"),
    ):
        writer.writerow((*lead, geo, citizen, "T", "TOTAL", PERIOD, value, status))
    return out.getvalue().encode()


async def test_the_hub_imports_and_accepts_then_an_authority_reads_the_regional_view(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, hub = await logged_in(browser, server.url, "coord", PASSWORD)
    await hub.get_by_role("link", name="Regional data").click()
    await hub.get_by_label("SDMX-CSV file").set_input_files(
        {"name": "other-system.csv", "mimeType": "text/csv", "buffer": sdmx_file()}
    )
    await hub.locator("#sdmx-import-form").get_by_role("button", name="Import").click()
    await expect(hub.locator("#sdmx-import-result")).to_have_text(
        "Imported 2 series; they wait for a decision below."
    )
    waiting = hub.locator("#waiting-submissions tbody tr")
    await expect(waiting).to_have_count(2)
    await expect(hub.locator("#regional-footnote")).to_contain_text("Kosovo*: This designation")
    for name in ("North Macedonia", "Kosovo*"):
        await hub.get_by_role("button", name=f"Accept: {name} ASY_PEND {PERIOD}").click()
        await expect(hub.locator("#hub-result")).to_contain_text(f"Accepted version 1 of {name}")
    await expect(waiting).to_have_count(0)

    _, reader = await logged_in(browser, server.url, "coord.a", PASSWORD)
    await reader.get_by_role("link", name="Regional data").click()
    await expect(reader.locator("#regional-hub")).to_be_hidden()
    await reader.get_by_label("Dataflow").select_option("ASY_PEND")
    await reader.locator("#regional-from").fill("2025-10")
    await reader.locator("#regional-to").fill("2025-12")
    await reader.locator("#regional-form").get_by_role("button", name="Show").click()
    await expect(reader.locator("#regional-result")).to_have_text(
        "Accepted figures of 2 authorities from 2025-10 to 2025-12."
    )
    comparison = reader.locator("#comparison tbody tr")
    await expect(comparison).to_have_count(3)  # MK, XK, then the region
    await expect(comparison.nth(0)).to_have_attribute("data-geo", "XK")  # the template's order
    await expect(comparison.nth(0).locator("th")).to_have_text("Kosovo*")
    await expect(reader.locator('#comparison tr[data-geo="MK"] td')).to_have_text("40")
    await expect(reader.locator('#comparison tr[data-geo="REGION"] td')).to_have_text("50")
    await expect(reader.locator("#regional-footnote")).to_contain_text(
        "Kosovo*: This designation is without prejudice to positions on status"
    )
    trend = reader.locator("#trend-chart")
    await expect(trend).to_have_js_property("complete", True)
    assert await trend.evaluate("img => img.naturalWidth") > 0
    await expect(reader.locator("#activity-empty")).to_be_visible()

    for link, content_type in (("Download SDMX-CSV", "text/csv"), ("Download XLSX", "spreadsheetml")):
        href = await reader.get_by_role("link", name=link).get_attribute("href")
        assert href is not None
        answer = await reader.request.get(href)
        assert answer.status == 200, href
        assert content_type in answer.headers["content-type"]
    exported = (await reader.request.get(href.replace("export.xlsx", "export.sdmx.csv"))).text
    assert "XK" in await exported()

    await reader.get_by_label("Period", exact=True).fill(PERIOD)
    await reader.get_by_label("How many").fill("2")
    await reader.locator("#top-form").get_by_role("button", name="Show").click()
    top = reader.locator("#top tbody tr")
    await expect(top).to_have_count(4)
    await expect(reader.locator('#top tr[data-geo="MK"][data-citizen="SY"]')).to_contain_text("25")
    await expect(reader.locator('#top tr[data-geo="XK"][data-citizen="AF"]')).to_contain_text("confidential")
    await expect(reader.locator('#top tr[data-geo="XK"]').nth(0)).to_have_attribute("data-citizen", "SY")
    chart = reader.locator("#top-chart")
    await expect(chart).to_have_attribute(
        "alt",
        "Bar chart: Persons with applications pending at the end of "
        "the month, 2025-11, the top 2 citizenships of each authority. "
        "The table above holds the same figures.",
    )
    await expect(chart).to_have_js_property("complete", True)
    assert await chart.evaluate("img => img.naturalWidth") > 0
    await screenshot(reader, "regional-data-authority")

    await reader.set_viewport_size({"width": 390, "height": 844})
    await expect(trend).to_be_visible()
    assert await reader.evaluate("document.documentElement.scrollWidth") <= 390
    await reader.locator("#regional-panel").screenshot(path=str(ARTIFACTS / "regional-data-phone.png"))
