"""Consented recording from the browser: the caseworker asks (confirming the applicant's consent), the
interpreter agrees, both pages show the indicator and send their microphone to the server's recorder,
the interpreter stops it, and the server holds one sealed track per voice that decodes to audio."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import av
import pytest
from playwright.async_api import Browser, Page, expect

from core.config import Settings
from media.recording_store import RecordingPolicy
from tests.browser.pages import accepted_call, receives_media
from tests.conftest import make_settings
from tests.support.browser import screenshot
from tests.support.server import RunningServer
from tests.support.world import World

MASTER_KEY = base64.b64encode(bytes(range(32, 64))).decode()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, recording_key=MASTER_KEY, recording_dir=tmp_path / "recordings")


async def recording_on(page: Page) -> None:
    await expect(page.locator("#recording-indicator")).to_be_visible()
    await page.wait_for_selector("body[data-recording-leg=open]")


async def test_recording_starts_only_after_both_agree_shows_everywhere_and_keeps_each_voice(
    server: RunningServer, world: World, browser: Browser
) -> None:
    services = server.services
    coordinator = await services.accounts.principal(world.id("coord.a"))
    assert coordinator is not None
    await services.recordings.set_policy(RecordingPolicy(world.office_a, True, 30), coordinator.user_id)
    caseworker, interpreter = await accepted_call(browser, server.url)
    await receives_media(caseworker)

    # Only the caseworker is offered the button; asking first needs their confirmation of consent.
    await expect(caseworker.locator("#record")).to_be_visible()
    await expect(interpreter.locator("#record")).to_be_hidden()
    await caseworker.click("#record")
    await expect(caseworker.locator("#recording-confirm")).to_be_visible()
    await caseworker.click("#recording-confirm-ask")
    await expect(caseworker.locator("#recording-status")).to_contain_text("Waiting for everyone")

    consent = interpreter.get_by_role("alertdialog")
    await expect(consent).to_be_visible()
    await expect(caseworker.locator("#recording-indicator")).to_be_hidden()  # nothing before both agree
    assert await services.recordings.store.of_organisation(world.office_a, 5) == []
    await screenshot(interpreter, "recording-consent-asked")
    await interpreter.click("#recording-agree")

    await recording_on(caseworker)
    await recording_on(interpreter)
    await screenshot(caseworker, "recording-on-caseworker")
    [recording] = await services.recordings.store.of_organisation(world.office_a, 5)
    assert recording.state == "recording"
    await caseworker.wait_for_timeout(4000)  # media may start a second or two after the leg opens

    await interpreter.click("#record-stop")
    for page in (caseworker, interpreter):
        await expect(page.locator("#recording-indicator")).to_be_hidden()
        await expect(page.locator("#recording-status")).to_contain_text("Recording stopped")
        await page.wait_for_selector("body[data-recording-leg=closed]")

    async def tracks_ended() -> bool:
        tracks = await services.recordings.store.tracks(recording.id)
        return len(tracks) == 2 and all(t.ended_at is not None for t in tracks)

    for _ in range(100):
        if await tracks_ended():
            break
        await caseworker.wait_for_timeout(100)
    assert await tracks_ended()
    principal = await services.accounts.principal(world.id("cw.a"))
    assert principal is not None
    for track in await services.recordings.store.tracks(recording.id):
        ogg = b"".join(await services.recordings.play(principal, recording.id, track.id))
        container = av.open(io.BytesIO(ogg))
        seconds = sum(frame.samples for frame in container.decode(audio=0)) / 48000
        assert seconds >= 1.5, (track.seat, seconds)
    # The call itself went on throughout.
    await receives_media(interpreter)
