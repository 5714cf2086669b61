"""What the browser tests do on the consoles again and again: go on standby, ask for a language, and check
that media really arrives (inbound RTP counters rising), read from the page's own peer connection."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, WebSocketRoute, expect

from tests.support.browser import logged_in
from tests.support.world import PASSWORD

INBOUND = """async (pc) => {
  const stats = await pc.getStats();
  const found = {audioBytes: 0, videoBytes: 0, framesDecoded: 0};
  stats.forEach((s) => {
    if (s.type !== "inbound-rtp") return;
    if (s.kind === "audio") found.audioBytes += s.bytesReceived || 0;
    if (s.kind !== "video") return;
    found.videoBytes += s.bytesReceived || 0;
    found.framesDecoded += s.framesDecoded || 0;
  });
  return found;
}"""
CONNECTED = "() => window.rris.call && window.rris.call.pc.connectionState === 'connected'"
# The peer connection a test measures: the page's call, or in a booked room the pair with one other seat.
PEER_CONNECTION = """(peer) => {
  const call = peer === null ? window.rris.call : window.rris.room && window.rris.room.calls[peer];
  return call ? call.pc : null;
}"""


async def inbound(page: Page) -> dict[str, Any]:
    """What the page's current peer connection has received so far."""
    result: dict[str, Any] = await page.evaluate(f"() => ({INBOUND})(window.rris.call.pc)")
    return result


async def receives_media(page: Page, peer: str | None = None) -> None:
    """Audio bytes, video bytes and decoded frames all rise over a second on the page's connected peer
    connection (measured again should the page replace it meanwhile); ``peer``: in a booked room, the one
    with that seat."""
    current = f"({PEER_CONNECTION})({'null' if peer is None else repr(peer)})"
    for _ in range(5):
        await page.wait_for_function(
            f"() => {{ const pc = {current}; return pc && pc.connectionState === 'connected'; }}"
        )
        pc = await page.evaluate_handle(f"() => {current}")
        before = await pc.evaluate(INBOUND)
        await asyncio.sleep(1.0)
        after = await pc.evaluate(INBOUND)
        if await pc.evaluate(f"(pc) => pc === {current} && pc.connectionState === 'connected'"):
            break
    assert after["audioBytes"] > before["audioBytes"], (before, after)
    assert after["videoBytes"] > before["videoBytes"], (before, after)
    assert after["framesDecoded"] > before["framesDecoded"], (before, after)


async def on_standby(interpreter: Page) -> None:
    await interpreter.get_by_role("switch", name="Take calls now").check()
    await expect(interpreter.locator("body")).to_have_attribute("data-presence", "standby")


async def request_pashto(caseworker: Page) -> None:
    now = caseworker.get_by_role("region", name="Interpreter now")
    await now.get_by_role("searchbox", name="Search a language").fill("pasht")
    await expect(now.get_by_role("listbox", name="Language (and dialect)")).to_have_value("ps")
    await now.get_by_role("button", name="Request an interpreter").click()
    await expect(caseworker.locator("#ringing-panel")).to_be_visible()


async def accepted_call(browser: Browser, base_url: str) -> tuple[Page, Page]:
    """``ps.male`` on standby and ``cw.a`` asking for Pashto, each in a context of their own, until the
    interpreter has accepted: the caseworker's page and the interpreter's."""
    _, interpreter = await logged_in(browser, base_url, "ps.male", PASSWORD)
    await on_standby(interpreter)
    _, caseworker = await logged_in(browser, base_url, "cw.a", PASSWORD)
    await request_pashto(caseworker)
    await expect(interpreter.locator("#ring-panel")).to_be_visible()
    await interpreter.click("#accept")
    return caseworker, interpreter


async def log_in(context: BrowserContext, username: str) -> Page:
    """A new page of ``context`` logged in through the login page, on its console once ready (as
    :func:`tests.support.browser.logged_in`, for a context the test set up itself)."""
    page = await context.new_page()
    await page.goto("/")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("body[data-ready=true]")
    return page


async def first_to_ring(*interpreters: Page) -> Page:
    """The interpreter page the ring reaches first (the ring policy picks one at a time)."""
    waits = {
        asyncio.ensure_future(page.locator("#ring-panel").wait_for(state="visible")): page
        for page in interpreters
    }
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return waits[next(iter(done))]


async def session_info(page: Page) -> dict[str, Any]:
    """What the server says of this page's user now (``session:info`` over the page's own socket)."""
    info: dict[str, Any] = await page.evaluate(
        "() => window.rris.socket.timeout(5000).emitWithAck('session:info')"
    )
    return info


async def ice_ufrag(page: Page, which: str) -> str:
    """The ICE username fragment of the page's local or remote description (an ICE restart changes it)."""
    ufrag: str = await page.evaluate(
        """(which) => /a=ice-ufrag:(\\S+)/.exec(window.rris.call.pc[which].sdp)[1]""",
        f"{which}Description",
    )
    return ufrag


class Link:
    """The page's Socket.IO websockets, relayed by Playwright, so the test can cut them like a network
    that went down: open ones closed at both ends, new ones left unanswered until :meth:`restore`."""

    def __init__(self) -> None:
        self.down = False
        self.up = asyncio.Event()
        self.open: list[tuple[WebSocketRoute, WebSocketRoute]] = []
        self.sent: list[str] = []  # what the page sent, in order
        self.attempted = asyncio.Event()  # set once the page tried to connect while the network was down

    async def route(self, page_side: WebSocketRoute) -> None:
        if self.down:
            # Like a connection attempt into a dead network: no answer at all until it comes back.
            self.attempted.set()
            await self.up.wait()
        server_side = page_side.connect_to_server()

        def from_page(message: str | bytes) -> None:
            self.sent.append(message if isinstance(message, str) else message.decode(errors="replace"))
            server_side.send(message)

        page_side.on_message(from_page)
        self.open.append((page_side, server_side))

    async def cut(self) -> None:
        self.down = True
        self.up.clear()
        for page_side, server_side in self.open:
            await server_side.close()
            await page_side.close(code=4000, reason="network down")
        self.open.clear()

    def restore(self) -> None:
        self.down = False
        self.up.set()

    def emitted(self, event: str) -> int:
        """How many times the page emitted ``event`` (a Socket.IO event frame: ``42<ack id>["event"``)."""
        return sum(1 for m in self.sent if re.match(rf'^42\d*\["{re.escape(event)}"', m))

    async def attach(self, context: BrowserContext) -> None:
        """Relay every Socket.IO websocket of ``context``'s pages through this link."""
        await context.route_web_socket(re.compile(r"/socket\.io/"), self.route)
