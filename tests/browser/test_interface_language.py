"""An official switches the interface to Albanian, then Turkish: every console re-labels itself from that
language's catalogue, marks <html lang>, and keeps the choice after a reload. Whatever the interface
language, the caseworker's language picker shows Pashto, Dari and Arabic native names isolated right to left
inside its left-to-right lines."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.support.browser import logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

STATIC = Path(__file__).resolve().parents[2] / "web_client" / "static"
RIGHT_TO_LEFT_ISOLATE, LEFT_TO_RIGHT_ISOLATE, POP_DIRECTIONAL_ISOLATE = "\u2067", "\u2066", "\u2069"

# [key, text] of every data-i18n element the official can see (and of the options of visible selects).
SHOWN_MESSAGES = """() => [...document.querySelectorAll("[data-i18n]")]
  .filter((element) => element.checkVisibility()
    || (element.tagName === "OPTION" && element.closest("select").checkVisibility()))
  .map((element) => [element.dataset.i18n, element.textContent])"""


def catalogue(code: str) -> dict[str, str]:
    messages: dict[str, str] = json.loads((STATIC / "i18n" / f"{code}.json").read_text(encoding="utf-8"))
    return messages


def picker_languages() -> dict[str, dict[str, Any]]:
    listed = json.loads((STATIC / "data" / "languages.json").read_text(encoding="utf-8"))
    return {language["code"]: language for language in listed}


def picker_line(language: dict[str, Any]) -> str:
    """What the picker's option for ``language`` reads: the native name between the isolate of its direction
    and PDI, as ``<bdi dir>`` would render it."""
    isolate = RIGHT_TO_LEFT_ISOLATE if language["rtl"] else LEFT_TO_RIGHT_ISOLATE
    native = f"{isolate}{language['native']}{POP_DIRECTIONAL_ISOLATE}"
    return f"{language['english']} — {native} ({language['code']})"


def translated(code: str, key: str) -> str:
    """The catalogue's text for ``key``, checked to differ from English so a test using it proves a change."""
    text = catalogue(code)[key]
    assert text != catalogue("en")[key], f"{code}: {key} reads as in English; pick another key"
    return text


def one_of(code: str, keys: list[str]) -> re.Pattern[str]:
    """Exactly one of the catalogue's texts for ``keys``."""
    messages = catalogue(code)
    return re.compile("^(" + "|".join(re.escape(messages[key]) for key in keys) + ")$")


async def speaks(page: Page, code: str) -> None:
    """The page is marked as ``code`` and every message it shows is that catalogue's text."""
    await expect(page.locator("html")).to_have_attribute("lang", code)
    await expect(page.locator("#ui-language")).to_have_value(code)
    messages = catalogue(code)
    shown = await page.evaluate(SHOWN_MESSAGES)
    assert len(shown) > 5, shown
    wrong = {key: (text, messages[key]) for key, text in shown if text != messages[key]}
    assert wrong == {}, f"shown text differs from {code}.json (key: (shown, catalogue))"


async def switch_to(page: Page, code: str) -> None:
    await page.locator("#ui-language").select_option(code)
    await speaks(page, code)


async def reload(page: Page) -> None:
    await page.reload()
    await page.wait_for_selector("body[data-ready=true]")


async def test_the_caseworker_console_switches_to_albanian_then_turkish_and_remembers_the_choice(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, page = await logged_in(browser, server.url, "cw.a", PASSWORD, locale="en-GB")
    await speaks(page, "en")  # nothing chosen yet: the browser's language

    for code in ("sq", "tr"):
        await switch_to(page, code)
        now = page.get_by_role("region", name=translated(code, "caseworker.request_title"))
        await expect(
            now.get_by_role("searchbox", name=translated(code, "language.search"))
        ).to_have_attribute("placeholder", translated(code, "language.search_hint"))
        await expect(now.get_by_role("listbox", name=translated(code, "language.pick"))).to_be_visible()
        await expect(now.get_by_role("button", name=translated(code, "caseworker.request"))).to_be_visible()
        rating = page.locator("#rating button[data-score='4']")  # labelled in code, on a language change
        await expect(rating).to_have_attribute("aria-label", translated(code, "rating.score.4"))

        await reload(page)
        await speaks(page, code)  # remembered: the page comes back in the chosen language
        await expect(rating).to_have_attribute("aria-label", translated(code, "rating.score.4"))
        await screenshot(page, f"interface-{code}-caseworker")


async def test_the_interpreter_and_coordinator_consoles_switch_to_albanian_then_turkish_too(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, interpreter = await logged_in(browser, server.url, "ps.female", PASSWORD)
    _, coordinator = await logged_in(browser, server.url, "coord", PASSWORD)
    presences = [f"presence.{state}" for state in ("offline", "away", "standby", "ringing", "in_call")]
    board_states = [f"coordinator.board_{state}" for state in ("connecting", "polling", "offline")]

    for code in ("sq", "tr"):
        await switch_to(interpreter, code)
        standby = interpreter.get_by_role("switch", name=translated(code, "interpreter.standby_toggle"))
        await expect(standby).to_be_visible()
        await reload(interpreter)
        await speaks(interpreter, code)
        await expect(interpreter.locator("#presence")).to_have_text(one_of(code, presences))
        await expect(
            interpreter.get_by_role("button", name=translated(code, "availability.save"))
        ).to_be_visible()
        await screenshot(interpreter, f"interface-{code}-interpreter")

        await switch_to(coordinator, code)
        sections = coordinator.get_by_role("navigation", name=translated(code, "coordinator.sections"))
        await expect(
            sections.get_by_role("link", name=translated(code, "coordinator.reports_title"))
        ).to_be_visible()
        await reload(coordinator)
        await speaks(coordinator, code)
        live = re.escape(catalogue(code)["coordinator.board_live"]).replace(re.escape("{time}"), ".+")
        await expect(coordinator.locator("#board-status")).to_have_text(
            re.compile(f"{one_of(code, board_states).pattern}|^{live}$")
        )
        await screenshot(coordinator, f"interface-{code}-coordinator")


async def test_right_to_left_native_names_are_isolated_in_the_caseworker_language_picker(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, page = await logged_in(browser, server.url, "cw.a", PASSWORD)
    await switch_to(page, "sq")  # the picker's names do not depend on the interface language
    languages = picker_languages()
    now = page.get_by_role("region", name=catalogue("sq")["caseworker.request_title"])
    picker = now.get_by_role("listbox", name=catalogue("sq")["language.pick"])

    for code in ("ps", "fa-AF", "ar"):  # Pashto, Dari, Arabic
        language = languages[code]
        assert language["rtl"], language
        option = picker.locator(f'option[value="{code}"]')
        # A list box draws an option's text only, so the isolation is in the text; the line stays LTR.
        assert await option.evaluate("(option) => option.label") == picker_line(language)
        assert await option.evaluate("(option) => getComputedStyle(option).direction") == "ltr"
    albanian = picker.locator('option[value="sq"]')  # a left-to-right name is isolated too, left to right
    assert await albanian.evaluate("(option) => option.label") == picker_line(languages["sq"])
    await screenshot(page, "interface-sq-language-picker-right-to-left")

    await now.get_by_role("searchbox", name=catalogue("sq")["language.search"]).fill(
        languages["fa-AF"]["native"]
    )
    await expect(picker).to_have_value("fa-AF")  # the native name still finds it
    await expect(picker.locator("option")).to_have_count(1)
