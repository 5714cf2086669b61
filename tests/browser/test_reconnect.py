"""A call goes on through interruptions within the grace period. One side's connection to the server
drops and comes back: the banners say so on both sides, and once the socket is back the page rejoins,
ICE is restarted (the caseworker offers) and media flows again. A page reloaded during a call takes it
up again with a new peer connection, and the other side starts a new one to match."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from core.config import Settings
from tests.browser.pages import (
    Link,
    ice_ufrag,
    inbound,
    log_in,
    on_standby,
    receives_media,
    request_pashto,
    session_info,
)
from tests.conftest import make_settings
from tests.support.browser import logged_in, screenshot
from tests.support.server import RunningServer
from tests.support.world import PASSWORD, World

GRACE_S = 60.0  # long enough for the test to look at both pages while the caseworker is away


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, grace_period_s=GRACE_S)


async def fingerprint(page: Page, which: str) -> str:
    """The DTLS fingerprint of the page's local or remote description: one per peer connection."""
    found: str = await page.evaluate(
        """(which) => /a=fingerprint:(.+)/.exec(window.rris.call.pc[which].sdp)[1].trim()""",
        f"{which}Description",
    )
    return found


PAIRING = """() => {
  const pc = window.rris.call && window.rris.call.pc;
  const print = (d) => (d && /a=fingerprint:(.+)/.exec(d.sdp)[1].trim()) || null;
  return pc ? [pc.connectionState, print(pc.localDescription), print(pc.remoteDescription)] : null;
}"""


async def paired(a: Page, b: Page) -> None:
    """Until each page's current peer connection is connected to the other's (the fingerprints match)."""
    for _ in range(200):
        ours, theirs = await a.evaluate(PAIRING), await b.evaluate(PAIRING)
        if ours and theirs and ours == ["connected", theirs[2], theirs[1]] and theirs[0] == "connected":
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the two pages never settled on one pair of peer connections")


@pytest.mark.parametrize("dropping", ["caseworker", "interpreter"])
async def test_the_call_survives_a_socket_dropping_within_the_grace_period(
    server: RunningServer, world: World, browser: Browser, dropping: str
) -> None:
    link = Link()
    dropped_context = await browser.new_context(base_url=server.url)
    await link.attach(dropped_context)
    if dropping == "caseworker":
        _, interpreter = await logged_in(browser, server.url, "ps.male", PASSWORD)
        caseworker = await log_in(dropped_context, "cw.a")
        dropped, other, other_role = caseworker, interpreter, "interpreter"
    else:
        interpreter = await log_in(dropped_context, "ps.male")
        _, caseworker = await logged_in(browser, server.url, "cw.a", PASSWORD)
        dropped, other, other_role = interpreter, caseworker, "caseworker"
    await on_standby(interpreter)
    await request_pashto(caseworker)
    await interpreter.get_by_role("button", name="Accept").click()
    await asyncio.gather(receives_media(caseworker), receives_media(interpreter))
    ufrags = (await ice_ufrag(caseworker, "local"), await ice_ufrag(interpreter, "remote"))
    assert ufrags[0] == ufrags[1]
    assert link.emitted("call:rejoin") == 0

    await link.cut()

    banner, other_banner = dropped.locator("#reconnecting"), other.locator("#reconnecting")
    await expect(banner).to_be_visible()
    await expect(banner).to_have_attribute("data-cause", "self")
    await expect(banner).to_contain_text("Reconnecting")
    await expect(other_banner).to_be_visible()
    await expect(other_banner).to_have_attribute("data-cause", "peer")
    await expect(other_banner).to_contain_text("The other side lost their connection")
    assert (await session_info(other))["active_call"]["disconnected"] == [dropping]
    await screenshot(dropped, f"{dropping}-reconnecting")
    await screenshot(other, f"{other_role}-peer-disconnected")
    # The page keeps trying while the network is down; none of it reaches the server.
    await asyncio.wait_for(link.attempted.wait(), 10)
    assert not await dropped.evaluate("() => window.rris.socket.connected")
    await expect(banner).to_be_visible()
    assert link.emitted("call:rejoin") == 0

    link.restore()

    await expect(banner).to_be_hidden()
    await expect(other_banner).to_be_hidden()
    assert link.emitted("call:rejoin") == 1
    # ICE restarted: the caseworker offered new ICE credentials, and the interpreter took them.
    await interpreter.wait_for_function(
        "(old) => !window.rris.call.pc.remoteDescription.sdp.includes('a=ice-ufrag:' + old)", arg=ufrags[0]
    )
    await caseworker.wait_for_function("() => window.rris.call.pc.signalingState === 'stable'")
    assert await ice_ufrag(caseworker, "local") == await ice_ufrag(interpreter, "remote") != ufrags[0]
    assert (await session_info(other))["active_call"]["disconnected"] == []
    before = await inbound(dropped)
    await asyncio.gather(receives_media(caseworker), receives_media(interpreter))
    assert (await inbound(dropped))["framesDecoded"] > before["framesDecoded"]
    await screenshot(dropped, f"{dropping}-resumed")

    await dropped.get_by_role("button", name="Hang up").click()
    await expect(other.locator("#ended-message")).to_have_text("The call has ended.")
    coordinator = await server.services.accounts.principal(world.id("coord"))
    assert coordinator is not None
    [record] = await server.services.records.visible(coordinator)
    assert record.outcome == "completed"


@pytest.mark.parametrize("reloading", ["caseworker", "interpreter"])
async def test_a_page_reloaded_during_a_call_takes_it_up_again_with_a_new_peer_connection(
    server: RunningServer, world: World, browser: Browser, reloading: str
) -> None:
    _, interpreter = await logged_in(browser, server.url, "ps.male", PASSWORD)
    await on_standby(interpreter)
    _, caseworker = await logged_in(browser, server.url, "cw.a", PASSWORD)
    await request_pashto(caseworker)
    await interpreter.get_by_role("button", name="Accept").click()
    await asyncio.gather(receives_media(caseworker), receives_media(interpreter))
    pages = {"caseworker": caseworker, "interpreter": interpreter}
    reloaded = pages.pop(reloading)
    [other] = pages.values()
    old = await fingerprint(other, "local"), await fingerprint(reloaded, "local")

    await reloaded.reload()
    await reloaded.wait_for_selector("body[data-ready=true]")

    await expect(reloaded.locator("#call-panel")).to_be_visible()
    await paired(caseworker, interpreter)
    await asyncio.gather(receives_media(caseworker), receives_media(interpreter))
    new = await fingerprint(other, "local"), await fingerprint(reloaded, "local")
    assert new[0] != old[0]  # both sides on new peer connections
    assert new[1] != old[1]
    assert await fingerprint(other, "remote") == new[1]
    await expect(caseworker.locator("#reconnecting")).to_be_hidden()
    await expect(interpreter.locator("#reconnecting")).to_be_hidden()
    assert (await session_info(caseworker))["active_call"]["disconnected"] == []
    await screenshot(reloaded, f"{reloading}-after-reload")

    await reloaded.get_by_role("button", name="Hang up").click()
    await expect(other.locator("#ended-message")).to_have_text("The call has ended.")
