"""The connection test from a console: the browser's camera and microphone go to the server's echo peer, the
echoed video decodes on the page, and after a few seconds the verdict shows with the figures and advice."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.pages import INBOUND
from tests.support.browser import logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

pytestmark = pytest.mark.media

ECHO_PC = "() => window.rris.precall && window.rris.precall.pc"
VERDICT = '#precall-result[data-verdict="good"], #precall-result[data-verdict="poor"]'


async def echoed_video_decodes(page: Page) -> None:
    """Decoded frames rise on the test's peer connection, and the echo video element shows them."""
    await page.wait_for_function(
        f"() => {{ const pc = ({ECHO_PC})(); return pc && pc.connectionState === 'connected'; }}"
    )
    pc = await page.evaluate_handle(ECHO_PC)
    before = await pc.evaluate(INBOUND)
    await asyncio.sleep(1.0)
    after = await pc.evaluate(INBOUND)
    assert after["framesDecoded"] > before["framesDecoded"], (before, after)
    assert after["audioBytes"] > before["audioBytes"], (before, after)
    await page.wait_for_function(
        "() => document.getElementById('precall-echo').getVideoPlaybackQuality().totalVideoFrames > 0"
    )


@pytest.mark.parametrize("username", ["cw.a", "ps.male"])
async def test_the_connection_test_echoes_video_and_shows_a_verdict(
    server: RunningServer, world: World, browser: Browser, username: str
) -> None:
    _, page = await logged_in(browser, server.url, username, PASSWORD)
    panel = page.get_by_role("region", name="Check camera and microphone")
    await panel.get_by_role("button", name="Test my connection").click()

    await echoed_video_decodes(page)
    assert server.services.precall.running == 1
    await expect(page.locator(VERDICT)).to_be_visible(timeout=15_000)
    result = page.locator("#precall-result")
    await expect(result).to_contain_text("round trip")
    await expect(result).to_contain_text("kbit/s received")
    await expect(page.locator("#precall-advice li").first).to_be_visible()
    await screenshot(page, f"precall-{username}")

    await panel.get_by_role("button", name="End the connection test").click()
    await expect(panel.get_by_role("button", name="Test my connection")).to_be_visible()
    await expect(page.locator("#precall-echo")).to_be_hidden()
    for _ in range(50):
        if server.services.precall.running == 0:
            break
        await asyncio.sleep(0.1)
    assert server.services.precall.running == 0
