"""The call screen's glossary panel: the shared terms in the call's language beside the authority side's,
filtered as one types, drafts marked as not reviewed; on both sides of a call."""

from __future__ import annotations

from importlib import resources

from playwright.async_api import Browser, Page, expect

from glossary.csv_io import import_csv
from tests.browser.pages import accepted_call
from tests.support.browser import screenshot
from tests.support.server import RunningServer
from tests.support.world import World


async def open_glossary(page: Page) -> None:
    panel = page.locator("#glossary-panel")
    await expect(panel).to_be_visible()
    await panel.locator("summary").click()
    await expect(page.locator("#glossary-call-language")).to_have_text("Pashto (ps)")


async def test_both_sides_see_the_terms_in_pashto_beside_english_and_can_filter_them(
    server: RunningServer, world: World, browser: Browser
) -> None:
    seed = resources.files("glossary").joinpath("content/terms.csv").read_text(encoding="utf-8")
    await server.services.terms.import_terms(world.id("coord"), import_csv(seed), "test seed")
    caseworker, interpreter = await accepted_call(browser, server.url)

    for page in (caseworker, interpreter):
        await open_glossary(page)
        await expect(page.locator("#glossary-second")).to_have_value("en")  # the interface language
        await expect(page.locator("#glossary-rows tr")).to_have_count(12)
        refugee = page.locator('#glossary-rows tr[data-term="refugee"]')
        await expect(refugee.locator('span[lang="ps"]')).to_have_text("کډوال")
        await expect(refugee.locator('span[lang="ps"]')).to_have_attribute("dir", "rtl")
        await expect(refugee.locator('span[lang="en"]')).to_have_text("refugee")
        await expect(refugee.locator(".term-status").first).to_contain_text("draft")

    await caseworker.fill("#glossary-filter", "REFUG")  # either column, any case
    await expect(caseworker.locator("#glossary-rows tr")).to_have_count(1)
    await caseworker.fill("#glossary-filter", "ژباړن")
    await expect(caseworker.locator('#glossary-rows tr[data-term="interpreter"]')).to_have_count(1)
    await caseworker.fill("#glossary-filter", "")
    await caseworker.select_option("#glossary-second", "tr")
    await expect(caseworker.locator('#glossary-rows tr[data-term="refugee"] span[lang="tr"]')).to_have_text(
        "mülteci"
    )
    await screenshot(caseworker, "call-glossary-panel")


async def test_without_terms_in_the_calls_language_the_panel_stays_hidden(
    server: RunningServer, world: World, browser: Browser
) -> None:
    caseworker, _ = await accepted_call(browser, server.url)
    await expect(caseworker.locator("#hangup")).to_be_visible()
    await caseworker.wait_for_timeout(500)
    await expect(caseworker.locator("#glossary-panel")).to_be_hidden()
