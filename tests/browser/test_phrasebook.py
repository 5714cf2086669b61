"""The first-contact phrasebook in Chromium: after one visit it works with no network at all. Offline, the
officer searches a Pashto phrase typed with other letter forms, shows it to the person right to left, the
person taps an answer and the officer reads it in English; draft translations are marked. Starred phrases
survive a new version of the data. The search keys the page computes equal the server's, string for string.
"""

# ruff: noqa: RUF001  (look-alike letters are what the parity test is about)
from __future__ import annotations

import json
import os
import shutil
import statistics
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from core.config import Settings
from glossary.normalise import compact_key, search_key
from glossary.phrases import PHRASES_FILE, load_phrasebook
from glossary.search import PhraseIndex
from rris.http import phrasebook as phrasebook_http
from tests.support.browser import screenshot
from tests.support.server import RunningServer, running_server

OFFLINE_RELOAD_BUDGET_MS = 500
NEED_DOCTOR = "health.need_doctor"
# "ایا ډاکټر ته اړتیا لرئ؟" typed on an Arabic keyboard (Arabic kaf ك and yeh ي) with a fatha on the te.
PASHTO_QUERY = "ډاكټَر ته اړتيا"
TRICKY = [
    # alef, yeh, kaf, gaf, heh and waw forms
    "أحمد إبراهيم آمنة ٱلله ٲ ٳ",
    "مصطفى علی ې ۍ ێ ے ۓ ئ",
    "كتاب ڪتاب کتاب ګل گل",
    "مدرسة ۃ ہے ھم ۀ ە",
    "مؤمن",
    # tatweel, harakat, tanwin, shadda, superscript alef, Quranic marks
    "كـــتـاب",
    "مُحَمَّد شكرًا هٰذا قُرْآن ۖ ۗ",
    # Arabic-Indic, Persian, Bengali, full-width and mathematical digits
    "٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹ ০১২৩৪৫৬৭৮৯ １２３ 𝟘𝟙𝟚𝟡",
    # invisible characters: ZWNJ, ZWJ, direction marks, soft hyphen, byte-order mark
    "می‌خواهم",
    "می خواهم",
    "a\u200db\u200ec\u200fd\u00ade\ufefff\u2067g\u2069",
    # Latin diacritics and letters without a decomposition
    "Čaša ČAŠA čaša Şişli Shqipëri Đorđe ĐORĐE",
    "ISTANBUL ıstanbul İstanbul",
    "Straße STRASSE ẞ Łódź Øre Æsir Œuvre Þór Ħamrun ð",
    # Cyrillic and Greek, folded and stripped, never transliterated
    "Ѓорѓи ЌЕРКА Ѐ йод Ђорђе",
    "ΟΔΥΣΣΕΥΣ Οδυσσεύς ς",
    # punctuation and spaces of several scripts
    "Hello, world!  — ok?",
    "؟ ، ؛ ۔ «نعم»",
    "আমি ভাত খাই। ሰላም። ትግርኛ",
    "\t a\u00a0b\u2003c \n\u3000d\x1ce\x85f ",
    # compatibility forms
    "ＡＢＣ ﬁ ﻻ ﷲ ﺏ ㎏",
    "",
    "   ",
]
# Pages of the phrasebook report when the service worker controls them.
CONTROLLED = """async () => {
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) =>
      navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
  }
  return navigator.serviceWorker.controller.scriptURL;
}"""
RENDERED_MS = "() => performance.getEntriesByName('phrasebook-rendered')[0].startTime"
DATA_VERSION = "fetch('/phrasebook/data.json').then((r) => r.json()).then((d) => d.version)"
I18N = Path(__file__).resolve().parents[2] / "web_client" / "static" / "i18n"


def catalogue(code: str) -> dict[str, str]:
    messages: dict[str, str] = json.loads((I18N / f"{code}.json").read_text(encoding="utf-8"))
    return messages


def read_csv(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()


def edit_first_phrase(content: Path, english: str) -> None:
    """A new version of the content: the first phrase's English text changed, the file's time moved on."""
    document = json.loads(content.read_text(encoding="utf-8"))
    document["phrases"][0]["text"]["en"]["text"] = english
    content.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    stat = content.stat()
    os.utime(content, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a coarse file clock


@pytest.fixture
def content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the phrasebook content that the server serves and the test may edit."""
    copy = tmp_path / "phrases.json"
    shutil.copyfile(PHRASES_FILE, copy)
    monkeypatch.setattr(phrasebook_http, "PHRASES_FILE", copy)
    return copy


@pytest.fixture
async def server(settings: Settings, content: Path) -> AsyncIterator[RunningServer]:
    async with running_server(settings) as running:
        yield running


async def open_phrasebook(browser: Browser, server: RunningServer) -> tuple[BrowserContext, Page]:
    """The phrasebook opened once, online, until its service worker controls the page."""
    context = await browser.new_context(base_url=server.url, locale="en-GB", accept_downloads=True)
    page = await context.new_page()
    await page.goto("/phrasebook")  # the redirect to /phrasebook/
    await page.wait_for_selector("body[data-ready=true]")
    assert await page.evaluate(CONTROLLED) == f"{server.url}/phrasebook/sw.js"
    return context, page


async def reload(page: Page) -> float:
    """Reload; milliseconds from the navigation's start to the phrase list rendered, as the page marks it."""
    await page.reload()
    await page.wait_for_selector("body[data-ready=true]")
    rendered: float = await page.evaluate(RENDERED_MS)
    return rendered


def phrase(page: Page, phrase_id: str):
    return page.locator(f'#phrases li[data-id="{phrase_id}"]')


async def test_search_keys_in_the_browser_equal_the_servers(browser: Browser, server: RunningServer) -> None:
    book = load_phrasebook()
    every_text = [t.text for p in book.phrases for t in p.text.values()]
    every_text += [t.text for p in book.phrases for o in p.options for t in o.text.values()]
    strings = TRICKY + every_text
    page = await (await browser.new_context(base_url=server.url)).new_page()
    await page.goto("/phrasebook/")
    in_browser = await page.evaluate(
        """async (strings) => {
          const { searchKey, compactKey } = await import("/static/phrasebook/normalise.js");
          return strings.map((text) => [searchKey(text), compactKey(text)]);
        }""",
        strings,
    )
    in_python = [[search_key(text), compact_key(text)] for text in strings]
    differing = {s: (b, p) for s, b, p in zip(strings, in_browser, in_python, strict=True) if b != p}
    assert differing == {}, "string: (browser keys, Python keys)"
    assert in_python[TRICKY.index("كـــتـاب")] == ["کتاب", "کتاب"]  # the list does exercise the folds
    assert in_python[TRICKY.index("می‌خواهم")][1] == in_python[TRICKY.index("می خواهم")][1]


async def test_offline_the_officer_finds_shows_and_reads_back_a_pashto_phrase(
    browser: Browser, server: RunningServer
) -> None:
    assert [hit.phrase.id for hit in PhraseIndex(load_phrasebook().phrases).search(PASHTO_QUERY)] == [
        NEED_DOCTOR
    ]
    context, page = await open_phrasebook(browser, server)
    book = load_phrasebook()
    await expect(page.locator("#disclaimer")).to_have_text(book.disclaimer["en"].text)
    await expect(page.locator("#privacy")).to_contain_text("Nothing about the person is sent or stored")

    await context.set_offline(True)
    timings = [await reload(page) for _ in range(3)]
    await expect(page.locator("#network")).to_have_text(catalogue("en")["phrasebook.offline"])
    await expect(page.locator("#phrases li")).to_have_count(len(book.phrases))
    print(f"offline reload to the phrase list rendered: {[round(t) for t in timings]} ms")
    assert statistics.median(timings) < OFFLINE_RELOAD_BUDGET_MS

    await page.locator("#target-language").select_option("ps")
    await page.locator("#search").fill(PASHTO_QUERY)
    found = phrase(page, NEED_DOCTOR)
    await expect(found).to_be_visible()
    pashto = book.phrase(NEED_DOCTOR).text["ps"]
    assert pashto.status == "draft"
    await expect(found.locator(".target-text span[lang=ps][dir=rtl]")).to_have_text(pashto.text)
    draft = found.locator(".target-text details.status.draft")
    await expect(draft.locator("summary")).to_have_text("draft — not reviewed")
    await draft.locator("summary").click()
    await expect(draft).to_contain_text(f"Source: {pashto.provenance}")
    await expect(found.locator(".officer-text")).to_have_text("Do you need a doctor?")
    await screenshot(page, "phrasebook-offline-search")

    await found.locator("button.show-button").click()
    shown = page.locator("#show")
    await expect(shown).to_be_visible()
    await expect(page.locator("#show-migrant")).to_have_attribute("dir", "rtl")
    await expect(page.locator("#show-migrant")).to_have_attribute("lang", "ps")
    await expect(page.locator("#show-phrase")).to_have_text(pashto.text)
    assert await page.evaluate("getComputedStyle(document.getElementById('show-phrase')).direction") == "rtl"
    yes = page.locator('#show-answers button[data-answer="yes"]')
    await expect(yes).to_have_text(book.answers["yes"]["ps"].text)
    await screenshot(page, "phrasebook-show-to-migrant")
    await yes.click()
    await expect(page.locator("#show-answer")).to_have_text("Answer: Yes")
    await expect(page.locator("#show-answer")).to_have_attribute("lang", "en")
    await screenshot(page, "phrasebook-answer-read-back")

    await page.locator("#show-close").click()
    await expect(shown).to_be_hidden()
    row = page.locator("#answers tr")
    await expect(row).to_have_count(1)
    await expect(row.locator("td").nth(0)).to_have_text("Do you need a doctor?")
    await expect(row.locator("td").nth(1)).to_have_text("Yes")
    async with page.expect_download() as download_info:
        await page.locator("#export-csv").click()
    download = await download_info.value
    csv = read_csv(await download.path())
    assert csv[0] == "Question,Answer,Time"
    assert csv[1].startswith("Do you need a doctor?,Yes,20")
    await page.locator("#clear-session").click()
    await expect(row).to_have_count(0)
    await context.close()


async def test_pointing_phrases_show_a_note_instead_of_answer_buttons(
    browser: Browser, server: RunningServer
) -> None:
    context, page = await open_phrasebook(browser, server)
    await page.locator("#ui-language").select_option("sq")
    for form, note in (("country", "phrasebook.point_country"), ("date", "phrasebook.point_date")):
        item = next(p for p in load_phrasebook().phrases if p.answer == form)
        await page.locator("#search").fill(item.text["en"].text)
        await phrase(page, item.id).locator("button.show-button").click()
        await expect(page.locator("#show-answers button")).to_have_count(0)
        await expect(page.locator("#show-note")).to_have_text(catalogue("sq")[note])
        await page.keyboard.press("Escape")
    await context.close()


async def test_favourites_survive_a_new_version_of_the_data(
    browser: Browser, server: RunningServer, content: Path
) -> None:
    context, page = await open_phrasebook(browser, server)
    hello = phrase(page, "greeting.hello")
    await hello.locator("button.star").click()
    await expect(hello.locator("button.star")).to_have_attribute("aria-pressed", "true")
    old_version = await page.evaluate(DATA_VERSION)

    await context.set_offline(True)
    await reload(page)
    edit_first_phrase(content, "Hello, and welcome.")

    await context.set_offline(False)  # the network returns: the worker revalidates and tells the page
    await reload(page)
    await expect(hello.locator(".officer-text")).to_have_text("Hello, and welcome.")
    await page.locator('#situations button[data-view="favourites"]').click()
    await expect(page.locator("#phrases li")).to_have_count(1)
    await expect(hello.locator("button.star")).to_have_attribute("aria-pressed", "true")
    cached = await page.evaluate(
        """async () => {
          const response = await caches.match("/phrasebook/data.json", { ignoreVary: true });
          return (await response.json()).version;
        }"""
    )
    assert cached != old_version
    await screenshot(page, "phrasebook-favourites-after-update")
    await context.close()
