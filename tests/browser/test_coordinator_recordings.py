"""The console's Recordings section in Chromium: an authority's coordinator sets the recording policy (and a
bad retention is refused with nothing changed), opens a call recorded from a real aiortc leg, streams its
track, reads the audit log of that access, and sees the recording as deleted once retention ran out; the
operator's coordinator gets no policy form."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiortc import RTCPeerConnection
from playwright.async_api import Browser, Locator, expect

from core.config import Settings
from media.recording_store import RecordingPolicy
from tests.conftest import ClientFactory, make_settings
from tests.media.test_recording import in_a_call, open_leg, until
from tests.support.browser import logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

pytestmark = pytest.mark.media

MASTER_KEY = base64.b64encode(bytes(range(64, 96))).decode()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, recording_key=MASTER_KEY, recording_dir=tmp_path / "recordings")


@pytest.fixture
async def legs() -> AsyncIterator[list[RTCPeerConnection]]:
    made: list[RTCPeerConnection] = []
    yield made
    for pc in made:
        await pc.close()


async def recorded_call(server: RunningServer, client: ClientFactory, legs: list[RTCPeerConnection]) -> str:
    """A call whose caseworker's 440 Hz tone was recorded for about two seconds, then stopped."""
    caseworker, interpreter, call_id = await in_a_call(client)
    await caseworker.call("recording:request", {"call_id": call_id})
    started = await interpreter.call("recording:consent", {"call_id": call_id, "agree": True})
    assert started["state"] == "recording", started
    status, body = await open_leg(caseworker, call_id, 440, legs)
    assert status == 201, body

    async def connected() -> bool:
        return all(pc.connectionState == "connected" for pc in legs)

    await until(connected)
    await asyncio.sleep(2)
    assert (await interpreter.call("recording:stop", {"call_id": call_id}))["state"] == "stopped"
    recording_id: str = started["recording_id"]

    async def ended() -> bool:
        tracks = await server.services.recordings.store.tracks(recording_id)
        return bool(tracks) and all(t.ended_at is not None for t in tracks)

    await until(ended)
    return recording_id


async def test_a_coordinator_sets_the_policy_then_plays_a_recording_and_reads_who_accessed_it(
    server: RunningServer,
    world: World,
    browser: Browser,
    client: ClientFactory,
    legs: list[RTCPeerConnection],
) -> None:
    store = server.services.recordings.store
    _, page = await logged_in(browser, server.url, "coord.a", PASSWORD)
    await page.get_by_role("link", name="Recordings").click()
    await expect(page.locator("#policy-form")).to_have_attribute("data-loaded", "true")
    allowed = page.get_by_label("Allow recording with the consent of everyone in the call")
    retention = page.get_by_label("Keep recordings for (days)")
    await expect(allowed).not_to_be_checked()  # off unless allowed
    await expect(page.locator("#recordings-empty")).to_have_text("No recording to show.")

    await allowed.check()
    await retention.fill("14")
    await page.get_by_role("button", name="Save the policy").click()
    result = page.locator("#policy-result")
    await expect(result).to_have_text(
        "Saved: calls may be recorded when everyone in them agrees; recordings are kept for 14 days."
    )
    assert await store.policy(world.office_a) == RecordingPolicy(world.office_a, True, 14)

    await retention.fill("0")
    await allowed.uncheck()
    await page.get_by_role("button", name="Save the policy").click()
    await expect(result).to_contain_text("from 1 to 3650. Nothing was saved.")
    await expect(result).to_have_attribute("data-outcome", "refused")
    await expect(retention).to_have_attribute("aria-invalid", "true")
    await expect(retention).to_be_focused()
    assert await store.policy(world.office_a) == RecordingPolicy(world.office_a, True, 14)

    recording_id = await recorded_call(server, client, legs)
    await page.locator("#recordings-filter").get_by_role("button", name="Refresh").click()
    row = page.locator(f'#recordings tr[data-recording-id="{recording_id}"]')
    await expect(row).to_have_attribute("data-state", "complete")
    await expect(row).to_contain_text("Pashto")
    await expect(row).to_contain_text("Complete")

    await row.get_by_role("button", name="Details: ").click()
    panel = page.locator("#recording-detail")
    await expect(panel).to_be_focused()
    await expect(panel).to_contain_text("The audio will be deleted on")
    track = panel.locator('#recording-tracks li[data-seat="caseworker"]')
    await expect(track).to_contain_text("Caseworker")
    audio = track.get_by_label("Audio: Caseworker")
    await expect(audio).to_have_attribute("preload", "none")
    src = await audio.get_attribute("src")
    assert src is not None
    answer = await page.request.get(src)  # with the page's session cookie, as the <audio> element fetches
    assert answer.status == 200
    assert answer.headers["content-type"] == "audio/ogg"
    assert (await answer.body())[:4] == b"OggS"

    await row.get_by_role("button", name="Audit log: ").click()

    def audit(action: str) -> Locator:
        return panel.locator(f'#recording-audit tbody tr[data-action="{action}"]')

    await expect(audit("viewed")).to_have_count(1)
    await expect(audit("viewed")).to_contain_text("Opened")
    await expect(audit("played")).to_have_count(1)
    await expect(audit("played")).to_contain_text("Played")
    await expect(audit("played")).to_contain_text("Caseworker")
    await expect(audit("consented")).to_have_count(2)
    await expect(track).to_be_visible()  # the tracks stay while the audit log is read
    await screenshot(page, "coordinator-recordings")

    # Retention over: the audio goes, the row and its audit stay, and no player is offered.
    await server.services.recordings.expire(recording_id)
    await page.locator("#recordings-filter").get_by_role("button", name="Refresh").click()
    await expect(row).to_have_attribute("data-state", "deleted")
    await expect(row).to_contain_text("Deleted")
    await row.get_by_role("button", name="Details: ").click()
    await expect(panel).to_have_attribute("data-state", "deleted")
    await expect(panel).to_contain_text("The audio was deleted on")
    await expect(panel.locator("audio")).to_have_count(0)
    assert (await page.request.get(src)).status == 410
    await screenshot(page, "coordinator-recording-deleted")


async def test_the_operators_coordinator_gets_no_policy_form_and_hears_no_recording(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, page = await logged_in(browser, server.url, "coord", PASSWORD)
    await page.get_by_role("link", name="Recordings").click()
    await expect(page.locator("#policy-readonly")).to_be_visible()
    await expect(page.locator("#policy-readonly")).to_contain_text("Each authority's own coordinators decide")
    await expect(page.locator("#policy-form")).to_be_hidden()
    await expect(page.get_by_role("button", name="Save the policy")).to_have_count(0)
    await expect(page.locator("#recordings-empty")).to_be_visible()
    assert await server.services.recordings.store.policy(world.office_a) is None
    await screenshot(page, "coordinator-recordings-operator")
