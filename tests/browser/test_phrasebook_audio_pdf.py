"""The phrasebook's recordings and answer PDF in Chromium: a phrase a coordinator recorded shows a play button
that plays, in the list and large in the show-to-migrant view, and plays again offline from the service
worker's cache; two answers exported with the PDF button come back in a PDF a reader finds them in, and
offline the button is disabled with the reason shown while the CSV export still works."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, expect
from pypdf import PdfReader

from core.clock import SystemClock
from core.config import Settings
from glossary.phrase_audio import inspect_audio
from glossary.phrases import load_phrasebook
from tests.browser.test_phrasebook import catalogue, content, open_phrasebook, phrase, reload
from tests.glossary.test_phrase_audio import sine
from tests.support.browser import screenshot
from tests.support.server import RunningServer, running_server
from tests.support.world import build_world

__all__ = ["content"]  # the fixture that serves a copy of the phrasebook, shared with test_phrasebook
NEED_DOCTOR = "health.need_doctor"
HELLO = "greeting.hello"

# Set before a click: resolves once the page's player, started afresh, has played past 0.3 s or to its end.
LISTEN = """() => {
  const audio = document.getElementById("phrase-audio");
  window.heard = new Promise((resolve, reject) => {
    const fail = () => reject(new Error(`media error ${audio.error?.code}`));
    audio.addEventListener("error", fail, { once: true });
    audio.addEventListener("playing", () => {
      audio.addEventListener("ended", () => resolve(audio.currentTime), { once: true });
      const poll = setInterval(() => {
        if (audio.currentTime > 0.3) { clearInterval(poll); resolve(audio.currentTime); }
      }, 50);
    }, { once: true });
    setTimeout(() => reject(new Error(`no progress: ${audio.currentTime}`)), 8000);
  });
}"""


@pytest.fixture
async def server(settings: Settings, content: Path) -> AsyncIterator[RunningServer]:
    async with running_server(settings) as running:
        world = await build_world(running.services.accounts, running.services.directory)
        clip = inspect_audio("audio/ogg", sine("audio/ogg", 1.5))
        await running.services.phrase_audio.put(NEED_DOCTOR, "ps", clip, "Test speaker", world.id("coord"))
        yield running


async def play(page: Page, button: Locator) -> float:
    """Click ``button`` and wait until the recording has been heard; how far it played, in seconds."""
    await page.evaluate(LISTEN)
    await button.click()
    progress: float = await page.evaluate("window.heard")
    return progress


async def test_a_recorded_phrase_plays_in_the_list_and_shown_and_offline_from_the_cache(
    browser: Browser, server: RunningServer
) -> None:
    assert isinstance(server.services.clock, SystemClock)
    context, page = await open_phrasebook(browser, server)
    await page.locator("#target-language").select_option("ps")
    recorded, other = phrase(page, NEED_DOCTOR), phrase(page, HELLO)
    await expect(recorded.locator("button.play")).to_have_count(1)
    await expect(other.locator("button.play")).to_have_count(0)
    await page.locator("#target-language").select_option("ar")  # recorded in Pashto only
    await expect(recorded.locator("button.play")).to_have_count(0)
    await page.locator("#target-language").select_option("ps")

    assert await play(page, recorded.locator("button.play")) > 0.3
    await recorded.locator("button.show-button").click()
    big = page.locator("#show-play")
    await expect(big).to_be_visible()
    await expect(big).to_have_attribute("aria-label", "Play the recording")
    await screenshot(page, "phrasebook-show-with-recording")
    assert await play(page, big) > 0.3
    await page.locator("#show-close").click()

    await context.set_offline(True)
    await reload(page)
    await expect(page.locator("#network")).to_have_text(catalogue("en")["phrasebook.offline"])
    await expect(recorded.locator("button.play")).to_have_count(1)
    assert await play(page, recorded.locator("button.play")) > 0.3
    await context.close()


async def test_the_recording_is_precached_so_it_plays_offline_without_being_played_first(
    browser: Browser, server: RunningServer
) -> None:
    context, page = await open_phrasebook(browser, server)
    await page.wait_for_function(
        "async () => (await (await caches.open('rris-phrasebook-audio')).keys()).length === 1"
    )
    await context.set_offline(True)
    await reload(page)
    await page.locator("#target-language").select_option("ps")
    await phrase(page, NEED_DOCTOR).locator("button.show-button").click()
    assert await play(page, page.locator("#show-play")) > 0.3
    await context.close()


async def test_two_answers_come_back_in_a_pdf_and_offline_the_button_says_why_it_is_off(
    browser: Browser, server: RunningServer, tmp_path: Path
) -> None:
    book = load_phrasebook()
    context, page = await open_phrasebook(browser, server)
    await page.locator("#ui-language").select_option("mk")
    pdf_button = page.locator("#export-pdf")
    await expect(pdf_button).to_be_disabled()  # nothing answered yet
    questions = [p for p in book.phrases if p.answer == "yes_no"][:2]
    for item, answer in zip(questions, ("yes", "no"), strict=True):
        await page.locator("#search").fill(item.text["en"].text)
        await phrase(page, item.id).locator("button.show-button").click()
        await page.locator(f'#show-answers button[data-answer="{answer}"]').click()
        await page.locator("#show-close").click()
    await expect(page.locator("#answers tr")).to_have_count(2)

    async with page.expect_download() as download_info:
        await pdf_button.click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / "answers.pdf"
    await download.save_as(path)
    reader = PdfReader(path)
    text = "".join("\n".join(p.extract_text() for p in reader.pages).split())
    mk = catalogue("mk")
    for expected in (
        mk["phrasebook.pdf_title"],
        mk["phrasebook.question"],
        book.disclaimer["mk"].text,
        questions[0].text["mk"].text,
        book.answers["yes"]["mk"].text,
        questions[1].text["mk"].text,
        book.answers["no"]["mk"].text,
    ):
        assert "".join(expected.split()) in text

    await context.set_offline(True)
    await expect(pdf_button).to_be_disabled()
    await expect(page.locator("#pdf-note")).to_have_text(mk["phrasebook.pdf_offline"])
    await expect(page.locator("#export-csv")).to_be_enabled()
    await screenshot(page, "phrasebook-pdf-offline")
    async with page.expect_download() as csv_info:
        await page.locator("#export-csv").click()
    assert (await csv_info.value).suggested_filename.endswith(".csv")
    await context.set_offline(False)
    await expect(pdf_button).to_be_enabled()
    await expect(page.locator("#pdf-note")).to_be_hidden()
    await context.close()
