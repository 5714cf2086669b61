"""A weak network during a call: the caseworker's link reports 10 % loss for three intervals, the server
calls it poor, and both pages stop sending video on their own while audio keeps flowing; once the link
reports good intervals again, both return to video. The summaries are the page's own ``call:stats``, sent
from the page with injected figures (the page's periodic sender is stopped so the test owns the series)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.browser.pages import accepted_call, inbound, receives_media
from tests.browser.test_booked_room import join, open_room
from tests.support.browser import logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

POOR = {"rtt_ms": 120, "jitter_ms": 30, "loss_pct": 10, "bitrate_kbps": 250, "fps": 20, "audio_only": False}
GOOD = {"rtt_ms": 20, "jitter_ms": 2, "loss_pct": 0, "bitrate_kbps": 60, "audio_only": True}
INTERVAL_S = 2.1  # the server takes at most one summary per participant every 2 s

SENDS_VIDEO = """() => {
  const sender = window.rris.call.videoSender();
  return Boolean(sender && sender.track);
}"""


async def report(page: Page, figures: dict[str, Any]) -> dict[str, Any]:
    """One call:stats summary of the page's call, as its own socket sends it; returns the acknowledgement."""
    answer: dict[str, Any] = await page.evaluate(
        """(figures) => window.rris.socket.timeout(5000).emitWithAck(
             'call:stats', {call_id: window.rris.call.callId, ...figures})""",
        figures,
    )
    return answer


async def audio_rises(page: Page) -> None:
    before = (await inbound(page))["audioBytes"]
    await asyncio.sleep(1.0)
    after = (await inbound(page))["audioBytes"]
    assert after > before, (before, after)


async def test_a_sustained_poor_link_switches_both_sides_to_audio_only_and_back_to_video(
    server: RunningServer, world: World, browser: Browser
) -> None:
    caseworker, interpreter = await accepted_call(browser, server.url)
    await asyncio.gather(receives_media(caseworker), receives_media(interpreter))
    for page in (caseworker, interpreter):  # the cap per call, and Opus set for speech by each side
        await page.wait_for_function(
            "() => window.rris.call.videoSender().getParameters().encodings[0].maxBitrate === 600000"
        )
        remote = await page.evaluate("() => window.rris.call.pc.remoteDescription.sdp")
        opus_type = re.findall(r"a=rtpmap:(\d+) opus/48000", remote)[0]
        [opus] = re.findall(rf"a=fmtp:{opus_type} (\S+)", remote)  # in the browser's own order
        assert {"useinbandfec=1", "usedtx=1", "maxaveragebitrate=32000"} <= set(opus.split(";"))
    await caseworker.evaluate("() => clearInterval(window.rris.call.statsTimer)")

    for _ in range(3):
        answer = await report(caseworker, POOR)
        assert answer["ok"] is True, answer
        assert answer["score"] < 60
        await asyncio.sleep(INTERVAL_S)

    for page in (caseworker, interpreter):
        await expect(page.locator("#audio-only")).to_have_attribute("aria-pressed", "true")
        await expect(page.locator("#call-notice")).to_have_text("Poor connection: switched to audio only")
        await page.wait_for_function(f"() => !({SENDS_VIDEO})()")
    await asyncio.gather(audio_rises(caseworker), audio_rises(interpreter))
    await screenshot(interpreter, "interpreter-audio-only-on-a-poor-link")

    for _ in range(3):
        assert (await report(caseworker, GOOD))["score"] >= 75
        await asyncio.sleep(INTERVAL_S)

    for page in (caseworker, interpreter):
        await expect(page.locator("#audio-only")).to_have_attribute("aria-pressed", "false")
        await page.wait_for_function(SENDS_VIDEO)
    await asyncio.gather(receives_media(caseworker), receives_media(interpreter))


async def test_a_second_summary_within_2_seconds_is_refused_with_a_clear_code(
    server: RunningServer, world: World, browser: Browser
) -> None:
    caseworker, _ = await accepted_call(browser, server.url)
    await caseworker.wait_for_function("() => window.rris.call !== null && window.rris.call !== undefined")
    await caseworker.evaluate("() => clearInterval(window.rris.call.statsTimer)")
    await asyncio.sleep(INTERVAL_S)  # past any summary the page sent before its sender was stopped
    assert (await report(caseworker, GOOD))["ok"] is True
    refused = await report(caseworker, GOOD)
    assert refused["ok"] is False
    assert refused["error"]["code"] == "too_frequent"


async def test_in_a_booked_room_a_poor_link_presses_the_rooms_audio_only_button_and_says_why(
    server: RunningServer, world: World, browser: Browser
) -> None:
    _, caseworker = await logged_in(browser, server.url, "cw.a", PASSWORD)
    _, interpreter = await logged_in(browser, server.url, "ps.male", PASSWORD)
    call_id = await open_room(server, world, caseworker="cw.a", interpreter="ps.male")
    await join(caseworker)
    await join(interpreter)
    await asyncio.gather(receives_media(caseworker), receives_media(interpreter))
    for page in (caseworker, interpreter):  # the room's own senders stop: the test owns the series
        await page.evaluate(
            "() => Object.values(window.rris.room.calls).forEach((c) => clearInterval(c.statsTimer))"
        )
    await asyncio.sleep(INTERVAL_S)

    for _ in range(3):
        answer: dict[str, Any] = await caseworker.evaluate(
            "([callId, figures]) => window.rris.socket.timeout(5000).emitWithAck("
            "'call:stats', {call_id: callId, ...figures})",
            [call_id, POOR],
        )
        assert answer["ok"] is True, answer
        await asyncio.sleep(INTERVAL_S)

    for page in (caseworker, interpreter):
        await expect(page.locator("#audio-only")).to_have_attribute("aria-pressed", "true")
        await expect(page.locator("#call-notice")).to_have_text("Poor connection: switched to audio only")
    await asyncio.gather(audio_rises(caseworker), audio_rises(interpreter))
