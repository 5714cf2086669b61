"""The phrasebook's pointing aids in Chromium, offline: the person taps countries on the world map (or finds
one in the list) and the officer reads each name in both languages; the person sets a date in the Solar
Hijri calendar, sees the Gregorian and Umm al-Qura dates follow, confirms, and the officer reads it in
Gregorian with the calendar it was given in. The page's calendar arithmetic equals glossary.calendars.py's
for every day both cover.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import astuple
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from core.config import Settings
from glossary import calendars
from glossary.calendars import (
    HIJRI_MONTHS,
    SOLAR_HIJRI_MONTHS,
    HijriDate,
    SolarHijriDate,
    hijri_from_gregorian,
    hijri_to_gregorian,
    solar_hijri_from_gregorian,
    solar_hijri_to_gregorian,
)
from glossary.errors import DateOutsideCalendar
from glossary.phrases import load_phrasebook
from tests.support.browser import screenshot
from tests.support.server import RunningServer, running_server

WORLD = Path(__file__).resolve().parents[2] / "web_client" / "static" / "phrasebook" / "data" / "world.json"
CONTROLLED = """async () => {
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) =>
      navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
  }
}"""
# Where to tap a country: the middle of its outline's box, checked to be inside it, in viewport pixels.
COUNTRY_POINT = """(code) => {
  const path = document.querySelector(`path.country[data-code="${code}"]`);
  const box = path.getBBox();
  const centre = new DOMPoint(box.x + box.width / 2, box.y + box.height / 2);
  if (!path.isPointInFill(centre)) throw new Error(`${code}: the middle of its box is outside it`);
  const onScreen = centre.matrixTransform(path.getScreenCTM());
  return [onScreen.x, onScreen.y];
}"""
CALENDARS_JS = "/static/phrasebook/calendars.js"
FIRST_SOLAR_DAY = date(1921, 3, 21)  # 1 Farvardin 1300
LAST_SOLAR_DAY = date(2122, 3, 20)  # 29 Esfand 1500
FIRST_HIJRI_DAY = date(1924, 8, 1)  # 1 Muharram 1343
LAST_HIJRI_DAY = date(2077, 11, 16)  # 30 Dhu al-Hijjah 1500
EPOCH = date(1970, 1, 1)  # the page counts days from here
PHONE = {"width": 390, "height": 844}


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[RunningServer]:
    async with running_server(settings) as running:
        yield running


async def offline_phrasebook(
    browser: Browser, server: RunningServer, target: str
) -> tuple[BrowserContext, Page]:
    """The phrasebook visited once online, then reloaded with no network, for a person reading `target`."""
    context = await browser.new_context(base_url=server.url, locale="en-GB", has_touch=True)
    page = await context.new_page()
    await page.goto("/phrasebook/")
    await page.wait_for_selector("body[data-ready=true]")
    await page.evaluate(CONTROLLED)
    await context.set_offline(True)
    await page.reload()
    await page.wait_for_selector("body[data-ready=true]")
    await page.locator("#target-language").select_option(target)
    return context, page


async def show(page: Page, phrase_id: str) -> None:
    english = load_phrasebook().phrase(phrase_id).text["en"].text
    await page.locator("#search").fill(english)
    await page.locator(f'#phrases li[data-id="{phrase_id}"] button.show-button').click()
    await expect(page.locator("#show-pointing")).to_be_visible()


def days(day: date) -> int:
    return (day - EPOCH).days


def every_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def test_the_pages_calendars_equal_pythons_for_every_day(
    browser: Browser, server: RunningServer
) -> None:
    page = await (await browser.new_context(base_url=server.url)).new_page()
    await page.goto("/phrasebook/")
    hijri_days = every_day(FIRST_HIJRI_DAY, LAST_HIJRI_DAY)
    solar_days = every_day(FIRST_SOLAR_DAY, LAST_SOLAR_DAY)
    in_browser = await page.evaluate(
        """async ([module, hijriDays, solarDays]) => {
          const c = await import(module);
          const ymd = ({ year, month, day }) => [year, month, day];
          const refused = (convert) => {
            try {
              convert();
              return false;
            } catch (error) {
              return error instanceof c.NoSuchDate;
            }
          };
          return {
            hijri: hijriDays.map((d) => ymd(c.hijriFromDays(d))),
            hijriBack: hijriDays.map((d) => c.hijriToDays(c.hijriFromDays(d))),
            solar: solarDays.map((d) => ymd(c.solarHijriFromDays(d))),
            solarBack: solarDays.map((d) => c.solarHijriToDays(c.solarHijriFromDays(d))),
            refused: [
              refused(() => c.hijriFromDays(hijriDays[0] - 1)),
              refused(() => c.hijriFromDays(hijriDays.at(-1) + 1)),
              refused(() => c.solarHijriFromDays(solarDays[0] - 1)),
              refused(() => c.solarHijriFromDays(solarDays.at(-1) + 1)),
              refused(() => c.hijriToDays({ year: 1447, month: 10, day: 30 })),
              refused(() => c.solarHijriToDays({ year: 1404, month: 12, day: 30 })),
            ],
            range: c.commonRange(),
            months: { hijri: c.HIJRI_MONTHS, solar: c.SOLAR_HIJRI_MONTHS },
          };
        }""",
        [CALENDARS_JS, [days(d) for d in hijri_days], [days(d) for d in solar_days]],
    )
    hijri = [list(astuple(hijri_from_gregorian(d))) for d in hijri_days]
    solar = [list(astuple(solar_hijri_from_gregorian(d))) for d in solar_days]
    assert in_browser["hijri"] == hijri
    assert in_browser["solar"] == solar
    assert in_browser["hijriBack"] == [days(d) for d in hijri_days]
    assert in_browser["solarBack"] == [days(d) for d in solar_days]
    assert in_browser["refused"] == [True] * 6
    assert in_browser["range"] == {"first": days(FIRST_HIJRI_DAY), "last": days(LAST_HIJRI_DAY)}
    assert in_browser["months"] == {
        "hijri": {k: list(v) for k, v in HIJRI_MONTHS.items()},
        "solar": {k: list(v) for k, v in SOLAR_HIJRI_MONTHS.items()},
    }

    # The dates the issue names, month ends, leap years and the ends of the tables, as Python has them.
    assert solar_hijri_to_gregorian(SolarHijriDate(1405, 1, 1)) == date(2026, 3, 21)
    assert hijri_to_gregorian(HijriDate(1447, 9, 1)) == date(2026, 2, 18)
    assert hijri_from_gregorian(date(2026, 3, 21)) == HijriDate(1447, 10, 2)  # 2 Shawwal, not Ramadan
    assert calendars.hijri_month_length(1447, 10) == 29
    assert calendars.solar_hijri_month_length(1403, 12) == 30  # a leap year
    assert calendars.solar_hijri_month_length(1404, 12) == 29
    assert solar_hijri_from_gregorian(LAST_SOLAR_DAY) == SolarHijriDate(1500, 12, 29)
    assert hijri_from_gregorian(LAST_HIJRI_DAY) == HijriDate(1500, 12, 30)
    with pytest.raises(DateOutsideCalendar):
        hijri_from_gregorian(FIRST_HIJRI_DAY - timedelta(days=1))


async def test_offline_the_person_points_at_three_countries_and_the_officer_reads_them(
    browser: Browser, server: RunningServer
) -> None:
    names = json.loads(WORLD.read_text(encoding="utf-8"))
    assert len(names["countries"]) > 170
    context, page = await offline_phrasebook(browser, server, "ar")
    await show(page, "identity.countries_crossed")
    await expect(page.locator("path.country")).to_have_count(len(names["countries"]))
    await expect(page.locator("#show-migrant")).to_have_attribute("dir", "rtl")
    await screenshot(page, "phrasebook-map")

    crossed = [
        ("AF", "Afghanistan", "أفغانستان"),
        ("SY", "Syrian Arab Republic", "سوريا"),
        ("TR", "Türkiye", "تركيا"),
    ]
    for n, (code, english, arabic) in enumerate(crossed):
        x, y = await page.evaluate(COUNTRY_POINT, code)
        if n == 0:
            await page.touchscreen.tap(x, y)  # a finger
        else:
            await page.mouse.click(x, y)
        await expect(page.locator("path.country.current")).to_have_attribute("data-code", code)
        await expect(page.locator(".chosen-country")).to_have_text(arabic)
        await expect(page.locator("#show-answer")).to_have_text(f"Answer: {english} ({arabic})")
    await expect(page.locator("path.country.picked")).to_have_count(3)
    await screenshot(page, "phrasebook-map-three-countries")
    await page.set_viewport_size(PHONE)
    await screenshot(page, "phrasebook-map-phone")

    # The list finds a country typed without its diacritics, for keyboards and islands too small to tap.
    await page.locator(".country-finder input").fill("turkiye")
    await page.locator('.country-results button[data-code="TR"]').click()
    await page.locator(".country-finder input").fill("ألبانيا")
    await page.locator('.country-results button[data-code="AL"]').click()
    await expect(page.locator("#show-answer")).to_have_text("Answer: Albania (ألبانيا)")

    await page.locator("#show-close").click()
    answers = page.locator("#answers tr td:nth-child(2)")
    await expect(answers).to_have_text(
        [
            "Afghanistan (أفغانستان)",
            "Syrian Arab Republic (سوريا)",
            "Türkiye (تركيا)",
            "Türkiye (تركيا)",
            "Albania (ألبانيا)",
        ]
    )
    await context.close()


async def test_offline_a_date_set_in_solar_hijri_is_read_in_gregorian(
    browser: Browser, server: RunningServer
) -> None:
    context, page = await offline_phrasebook(browser, server, "fa")
    await show(page, "identity.date_of_birth")
    solar = page.locator('fieldset[data-calendar="solar_hijri"]')
    await expect(solar).to_have_attribute("dir", "rtl")
    await expect(solar.locator("select.date-month option").first).to_have_text(
        "فروردین (\u06f1)"
    )  # Persian digits
    await solar.locator("select.date-year").select_option("1405")
    await solar.locator("select.date-month").select_option("1")
    await solar.locator("select.date-day").select_option("1")
    await expect(solar).to_have_class("calendar given")

    gregorian = page.locator('fieldset[data-calendar="gregorian"]')
    hijri = page.locator('fieldset[data-calendar="hijri"]')
    for column, (year, month, day) in ((gregorian, (2026, 3, 21)), (hijri, (1447, 10, 2))):
        await expect(column.locator("select.date-year")).to_have_value(str(year))
        await expect(column.locator("select.date-month")).to_have_value(str(month))
        await expect(column.locator("select.date-day")).to_have_value(str(day))
    await expect(hijri.locator("select.date-month option:checked")).to_have_text("شوال (\u06f1\u06f0)")
    await expect(page.locator(".iso-date")).to_have_text("2026-03-21")
    await screenshot(page, "phrasebook-calendars")
    await page.set_viewport_size(PHONE)
    await screenshot(page, "phrasebook-calendars-phone")

    await page.locator("button.confirm-date").click()
    expected = "2026-03-21 (March 21, 2026), given in the Solar Hijri calendar as 1 Farvardin 1405"
    await expect(page.locator("#show-answer")).to_have_text(f"Answer: {expected}")
    await screenshot(page, "phrasebook-calendars-answer")
    await page.locator("#show-close").click()
    await expect(page.locator("#answers tr td:nth-child(2)")).to_have_text([expected])
    await page.locator("#ui-language").select_option("tr")  # the officer reads Turkish: the row follows
    await expect(page.locator("#answers tr td:nth-child(2)")).to_have_text(
        ["2026-03-21 (21 Mart 2026), Hicri Şemsi takvimine göre 1 Farvardin 1405 olarak verildi"]
    )
    await context.close()
