"""Browser call benchmark: from the interpreter's accept click to a connected call and its first video frame.

Run: ``.venv/bin/python bench/browser_call.py [--calls N] [--quick] [--verbose]`` (default 20 calls,
under a minute; ``--quick``: 3 calls, a smoke run; ``--verbose``: every round). Nothing is downloaded:
Playwright drives Debian's ``/usr/bin/chromium``, headless, with the fake camera and microphone flags of
the browser tests (``tests/support/browser.py``).

A real RRIS server runs in this process (``tests/support/server.py``) on a temporary SQLite database (the
embedded default: in-process Socket.IO, no Redis) with its own fictional caseworker and interpreter. Two
pages, each in its own browser context, log in through the login page: the interpreter's console, on
standby, and the caseworker's. Each **call through the server** goes through the consoles' UI: the
caseworker asks for Pashto (``#request-button``), the interpreter's page rings and Playwright clicks
``#accept``; then the caseworker hangs up and both pages return to where they were.

**What is timed.** Every timestamp is taken *in the pages* with ``Date.now()`` (``bench/call_marks.js``):
both renderer processes read the same system clock, so marks of the two pages compare directly, to 1 ms,
and the bench process's own latency (Playwright round trips) never enters a sample (the server shares
this process, with a Playwright client that is idle while a call connects). ``performance.now()`` is finer
but has its own origin per page. Per call:

- **t0** is the interpreter's accept click: a capture-phase ``click`` listener on ``window`` stamps it
  before the console's own handler starts (which then acquires the camera and microphone, emits
  ``call:accept`` and creates its ``Call`` and ``RTCPeerConnection``);
- **connected**: ``pc.connectionState`` becoming ``"connected"`` (``connectionstatechange``) on *both*
  sides, the later of the two, minus t0;
- **first frame**: the first remote video frame handed to the compositor in *both* pages (the
  ``presentationTime`` of the first ``requestVideoFrameCallback`` on the console's remote ``<video>``,
  moved onto ``Date.now()``'s clock), the later of the two, minus t0.

The bench watches each console's ``window.rris.socket`` (``onAny``/``onAnyOutgoing``) and its
``window.rris.call`` (an accessor: the listeners are on the new ``pc`` in the same task that created it)
without changing the client, which gives the breakdown printed under the results.

**The floor** runs in the same two pages, between calls: a peer connection of the bench's own in each
page, the same fake devices, the same negotiation as ``web_client/static/js/call.js`` (the caseworker's
page offers, candidates trickle as they are gathered), but signalled through the bench process (a
Playwright binding in one page, ``page.evaluate`` in the other: 3-5 ms a message) instead of the server.
Both pages hold their camera and microphone and have their peer connection before t0 (what a client could
have ready when the ring arrives; the caseworker's console does hold its media by then), and t0 is the
offering page's mark just before ``createOffer()``; the same two intervals are timed from it. What the
server path adds over it is RRIS's: the accept round trip, the relay hops and what the consoles do after
the click (acquiring the interpreter's camera, building the call screen and the peer connections).

A call can fail: ``call.js`` listens for ``signal:*`` from ``new Call(...)`` on, and the server sends the
caseworker ``call:accepted`` (whose answer is the offer) before it acknowledges the interpreter's
``call:accept``: a console that creates its ``Call`` only on that acknowledgement drops the offer when the
offer wins the race, and the call never connects (45 % of calls on 2026-11-29, until the interpreter's
console created its ``Call`` before accepting). The bench sees it (a ``signal:description`` arriving while
``window.rris.call`` is unset), counts it, hangs up and goes on; a call without media after 20 s counts
the same way. Percentiles are of the calls that connected; any failed call misses the targets.

Rounds alternate server, floor, floor, server, ... (after one discarded warm-up of each) to spread the
noise of the shared 2-core machine over both. ``over_floor_ms`` = connected p95 through the server minus
the floor's connected p95. Targets: connected p95 under 1.5 s, and within 300 ms of the floor. The last
line is ``result: connected_p95_ms=<n> first_frame_p95_ms=<n> over_floor_ms=<n>`` (through the server).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import tempfile
from pathlib import Path

from browser_support import CHROMIUM, chromium, logged_in, running_server
from call_timeline import (
    FLOOR,
    IN_PC,
    OFFER_IN,
    SERVER,
    Route,
    Timeline,
    install_marks,
    print_breakdown,
    relay_direct,
)
from measure import Stats, percentile
from playwright.async_api import Browser, Page, expect

from core.accounts import OrganisationKind, Role
from core.config import Settings
from core.interpreters import Gender, WorkingLanguage
from core.languages import LanguageTag
from rris.services import Services

PASSWORD = "bench password, not a secret"
CASEWORKER = "bench.caseworker"
INTERPRETER = "bench.interpreter"
CALL_TIMEOUT_S = 20.0
MEDIA = ["connected", "first_frame"]
OFFER_DROPPED = "signal:description_dropped"


async def seed(services: Services) -> None:
    accounts = services.accounts
    office = await accounts.create_organisation("Bench Borough Council", OrganisationKind.AUTHORITY, "MK")
    pool = await accounts.create_organisation("Bench Interpreter Pool", OrganisationKind.OPERATOR)
    await accounts.create_user(office.id, CASEWORKER, "Bench Caseworker", PASSWORD, Role.CASEWORKER)
    uid = await accounts.create_user(pool.id, INTERPRETER, "Bench Interpreter", PASSWORD, Role.INTERPRETER)
    pashto = [WorkingLanguage(LanguageTag.parse("ps"))]
    await services.directory.set_profile(uid, Gender.FEMALE, pashto, [office.id])


async def open_consoles(browser: Browser, url: str) -> tuple[Page, Page]:
    """The interpreter on standby, the caseworker with Pashto chosen; both watched by the marks."""
    _, interpreter = await logged_in(browser, url, INTERPRETER, PASSWORD)
    await interpreter.check("#standby")
    await interpreter.wait_for_selector("body[data-presence=standby]")
    _, caseworker = await logged_in(browser, url, CASEWORKER, PASSWORD)
    await caseworker.fill("#language-search", "pasht")
    await expect(caseworker.locator("#language")).to_have_value("ps")
    for page in (caseworker, interpreter):
        await install_marks(page)
        await page.evaluate("() => window.__bench.watchConsole()")
    return caseworker, interpreter


async def marks_of(page: Page) -> dict[str, float]:
    marks: dict[str, float] = await page.evaluate("() => window.__bench.marks()")
    return marks


async def until_media(caseworker: Page, interpreter: Page) -> Timeline:
    """Both pages' marks once both are connected and show the other's video, or once the interpreter's
    console has dropped the offer (it came before the console listened: that call can never connect)."""
    until = "([names, orMark]) => window.__bench.until(names, orMark)"
    try:
        async with asyncio.timeout(CALL_TIMEOUT_S):
            it = await interpreter.evaluate(until, [MEDIA, OFFER_DROPPED])
            if OFFER_DROPPED in it:  # the margin (negative) is printed: wait for the late Call too
                it = await interpreter.evaluate(until, [["pc_created"], None])
                return Timeline(await marks_of(caseworker), it, "offer dropped")
            return Timeline(await caseworker.evaluate(until, [MEDIA, None]), it)
    except TimeoutError:
        failure = f"no media in {CALL_TIMEOUT_S:.0f} s"
        return Timeline(await marks_of(caseworker), await marks_of(interpreter), failure)


async def reset_marks(*pages: Page) -> None:
    for page in pages:
        await page.evaluate("() => window.__bench.reset()")


async def call_through_server(caseworker: Page, interpreter: Page) -> Timeline:
    await reset_marks(caseworker, interpreter)
    await caseworker.click("#request-button")
    await expect(interpreter.locator("#ring-panel")).to_be_visible()
    await interpreter.click("#accept")
    timeline = await until_media(caseworker, interpreter)
    await caseworker.click("#hangup")
    for page in (caseworker, interpreter):
        await expect(page.locator("#ended-panel")).to_be_visible()
        await page.click("#ended-close")
    await expect(interpreter.locator("body")).to_have_attribute("data-presence", "standby")
    return timeline


async def call_direct(caseworker: Page, interpreter: Page) -> Timeline:
    await reset_marks(caseworker, interpreter)
    prepare = "() => window.__bench.direct.prepare()"
    await asyncio.gather(caseworker.evaluate(prepare), interpreter.evaluate(prepare))
    await caseworker.evaluate("() => { window.__bench.direct.offer(); }")
    try:
        return await until_media(caseworker, interpreter)
    finally:
        for page in (caseworker, interpreter):
            await page.evaluate("() => window.__bench.direct.close()")


async def run(args: argparse.Namespace, tmp: Path) -> dict[Route, list[Timeline]]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}",
        redis_url=None,
        ring_timeout_s=3600,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
    )
    timelines: dict[Route, list[Timeline]] = {SERVER: [], FLOOR: []}
    async with running_server(settings) as server, chromium() as browser:
        await seed(server.services)
        caseworker, interpreter = await open_consoles(browser, server.url)
        await relay_direct(caseworker, interpreter)
        measure = {
            SERVER: lambda: call_through_server(caseworker, interpreter),
            FLOOR: lambda: call_direct(caseworker, interpreter),
        }
        for path in (SERVER, FLOOR):  # warm-up: first codec, device and page work; discarded
            await measure[path]()
        orders = ((SERVER, FLOOR), (FLOOR, SERVER))
        for index in range(args.calls):
            for path in orders[index % 2]:
                timelines[path].append(await measure[path]())
            if args.verbose:
                done = ", ".join(f"{path} {timelines[path][-1].summary()}" for path in (SERVER, FLOOR))
                print(f"  round {index + 1} (connected / first frame): {done}", flush=True)
    return timelines


def print_figures(timelines: dict[Route, list[Timeline]], load: tuple[float, float]) -> dict[str, float]:
    connected = {path: [t for t in calls if t.failure is None] for path, calls in timelines.items()}
    # with no connected call, inf: every figure and the result line say so
    failed = {path: [t.failure for t in calls if t.failure] for path, calls in timelines.items()}
    stats = {
        (path, name): Stats.of([getattr(t, name) for t in calls] or [math.inf])
        for path, calls in connected.items()
        for name in MEDIA
    }
    print()
    print(
        f"RRIS browser call benchmark: {len(timelines[SERVER])} calls through the server and "
        f"{len(timelines[FLOOR])} direct (the floor), alternating; headless Chromium, fake devices; "
        f"1-min load average {load[0]:.2f} at the start, {load[1]:.2f} at the end"
    )
    for path, failures in failed.items():
        if failures:
            reasons = ", ".join(f"{failures.count(r)} {r}" for r in sorted(set(failures)))
            print(
                f"{path}: {len(failures)} of {len(timelines[path])} calls NEVER CONNECTED ({reasons}); "
                "the figures below are of the others"
            )
    print(f"{'from t0 to':<50}{'n':>4}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    labels = {"connected": "connected (both sides)", "first_frame": "first remote frame (both sides)"}
    for name, label in labels.items():
        for path, how in ((SERVER, "through the server"), (FLOOR, "floor: direct")):
            s = stats[path, name]
            print(
                f"{label + ', ' + how:<50}{len(connected[path]):>4}{s.p50:>10.0f}{s.p95:>10.0f}{s.max:>10.0f}"
            )
        over = stats[SERVER, name].p95 - stats[FLOOR, name].p95
        under = stats[SERVER, name].p50 - stats[FLOOR, name].p50
        print(f"  server - floor: p95 {over:+.0f} ms, p50 {under:+.0f} ms")
    print_breakdown(connected[SERVER], connected[FLOOR])
    margins = [m for t in timelines[SERVER] if (m := t.span(IN_PC, OFFER_IN)) is not None]
    dropped = sum(t.failure == "offer dropped" for t in timelines[SERVER])
    print(
        f"the offer reached the interpreter's console after its Call existed by p50 "
        f"{percentile(margins, 50):.0f} ms, min {min(margins):.0f} ms, over all {len(margins)} calls; "
        f"{dropped} came before it and were dropped"
    )
    figures = {
        "connected": stats[SERVER, "connected"].p95,
        "first_frame": stats[SERVER, "first_frame"].p95,
        "over_floor": stats[SERVER, "connected"].p95 - stats[FLOOR, "connected"].p95,
    }
    targets = (
        (f"every call connects ({len(failed[SERVER])} did not)", not failed[SERVER]),
        (f"connected p95 < 1500 ms ({figures['connected']:.0f})", figures["connected"] < 1500),
        (f"within 300 ms of the floor ({figures['over_floor']:+.0f})", figures["over_floor"] <= 300),
    )
    print("targets: " + "; ".join(f"{target}: {'met' if ok else 'MISSED'}" for target, ok in targets))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description="RRIS browser call benchmark: accept to connected media")
    parser.add_argument("--calls", type=int, default=20, help="calls through the server (and as many direct)")
    parser.add_argument("--quick", action="store_true", help="3 calls, for a smoke run")
    parser.add_argument("--verbose", action="store_true", help="print every round")
    args = parser.parse_args()
    if args.quick:
        args.calls = 3
    if not 2 <= args.calls <= 500:
        parser.error("--calls 2..500")
    if not CHROMIUM.is_file():
        sys.exit(f"{CHROMIUM} is not installed (scripts/setup-test-packages installs Debian's chromium)")
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="rris-bench-") as tmp:
        timelines = asyncio.run(run(args, Path(tmp)))
    figures = print_figures(timelines, (load, os.getloadavg()[0]))
    connected, first_frame, over_floor = (
        f"{figures[k]:.0f}" for k in ("connected", "first_frame", "over_floor")
    )
    print(f"result: connected_p95_ms={connected} first_frame_p95_ms={first_frame} over_floor_ms={over_floor}")


if __name__ == "__main__":
    main()
