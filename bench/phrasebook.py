"""Phrasebook benchmark: the bytes of the first visit, and how fast the page comes back with no network.

Run: ``.venv/bin/python bench/phrasebook.py [--reloads N] [--quick]`` (default 15 offline reloads, a few
seconds; ``--quick``: 5). Nothing is downloaded: Playwright drives Debian's ``/usr/bin/chromium``, headless,
with the flags of the browser tests (``tests/support/browser.py``), against a real RRIS server in this
process on a temporary SQLite database.

**First load.** A fresh browser context opens ``/phrasebook/`` once, online. Counted: every response the
page received (Chrome DevTools Protocol ``Network.loadingFinished``, its ``encodedDataLength``: headers and
body as they crossed the wire, compressed where they were) plus what the service worker fetched to
precache the shell and the data on install (Playwright's ``requestfinished`` for the worker's requests,
headers plus encoded body), until the worker controls the page. Target: under 1 MB (1024 kB).

**Offline reload.** The context goes offline (``set_offline``) and reloads the page ``--reloads`` times.
The page marks ``phrasebook-rendered`` when its phrase list is on screen; its ``startTime`` counts from the
navigation's start, so it covers the worker answering the navigation, the modules, the catalogues, parsing
data.json and building the list. Target: median under 500 ms. **The baseline** is the same reload of a
minimal page (a title and one paragraph, answered by Playwright's router in a context of its own, offline
too), timed to its ``DOMContentLoaded`` on the same clock: what any reload costs in this browser on this
machine, which the phrasebook adds to.

The last line is ``result: first_load_kb=<n> offline_reload_ms=<n>`` (kB of 1024 bytes; the median).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

# The repository before this folder: bench/media.py would otherwise shadow the media package that the
# server imports (browser_support appends the repository, after this folder).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from browser_support import CHROMIUM, chromium, running_server
from playwright.async_api import Browser, BrowserContext, Page, Request

from core.config import Settings

FIRST_LOAD_TARGET_KB = 1024
OFFLINE_RELOAD_TARGET_MS = 500
BASELINE_URL = "/bench-baseline"
BASELINE_PAGE = "<!doctype html><html lang=en><title>baseline</title><p>A minimal page.</p></html>"
CONTROLLED = """async () => {
  await navigator.serviceWorker.ready;
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) =>
      navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true }));
  }
}"""
RENDERED_MS = "() => performance.getEntriesByName('phrasebook-rendered')[0].startTime"
LOADED_MS = "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"


class Transfer:
    """Bytes received by the page (CDP) and by the service worker (Playwright's request events)."""

    def __init__(self) -> None:
        self.page_bytes = 0
        self.page_responses = 0
        self.worker_bytes = 0
        self.worker_responses = 0
        self._pending: list[asyncio.Task[None]] = []

    def on_page_loaded(self, event: dict[str, float]) -> None:
        self.page_bytes += int(event["encodedDataLength"])
        self.page_responses += 1

    def on_request_finished(self, request: Request) -> None:
        if request.service_worker is not None:
            self._pending.append(asyncio.ensure_future(self._count_worker(request)))

    async def _count_worker(self, request: Request) -> None:
        sizes = await request.sizes()
        self.worker_bytes += sizes["responseHeadersSize"] + sizes["responseBodySize"]
        self.worker_responses += 1

    async def settle(self) -> None:
        await asyncio.gather(*self._pending)

    @property
    def kb(self) -> float:
        return (self.page_bytes + self.worker_bytes) / 1024


async def first_load(context: BrowserContext, page: Page) -> Transfer:
    transfer = Transfer()
    cdp = await context.new_cdp_session(page)
    cdp.on("Network.loadingFinished", transfer.on_page_loaded)
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    context.on("requestfinished", transfer.on_request_finished)
    await page.goto("/phrasebook/")
    await page.wait_for_selector("body[data-ready=true]")
    await page.evaluate(CONTROLLED)
    await page.wait_for_load_state("networkidle")
    await transfer.settle()
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    await cdp.detach()
    return transfer


async def reloads(page: Page, times: int, mark: str, ready: str) -> list[float]:
    timings = []
    for _ in range(times):
        await page.reload()
        await page.wait_for_selector(ready, state="attached")
        timings.append(float(await page.evaluate(mark)))
    return timings


async def baseline(browser: Browser, url: str, times: int) -> list[float]:
    context = await browser.new_context(base_url=url)
    await context.route(
        f"**{BASELINE_URL}", lambda route: route.fulfill(body=BASELINE_PAGE, content_type="text/html")
    )
    page = await context.new_page()
    await page.goto(BASELINE_URL)
    await context.set_offline(True)
    timings = await reloads(page, times + 1, LOADED_MS, "p")
    await context.close()
    return timings[1:]


async def run(args: argparse.Namespace, tmp: Path) -> tuple[Transfer, list[float], list[float]]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}",
        redis_url=None,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
    )
    async with running_server(settings) as server, chromium() as browser:
        context = await browser.new_context(base_url=server.url, locale="en-GB")
        page = await context.new_page()
        transfer = await first_load(context, page)
        await context.set_offline(True)
        await reloads(page, 1, RENDERED_MS, "body[data-ready=true]")  # warm-up, discarded
        offline = await reloads(page, args.reloads, RENDERED_MS, "body[data-ready=true]")
        floor = await baseline(browser, server.url, args.reloads)
        await context.close()
    return transfer, offline, floor


def main() -> None:
    parser = argparse.ArgumentParser(description="RRIS phrasebook benchmark: first load and offline reload")
    parser.add_argument("--reloads", type=int, default=15, help="offline reloads to time (and baseline ones)")
    parser.add_argument("--quick", action="store_true", help="5 reloads, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.reloads = 5
    if not 3 <= args.reloads <= 500:
        parser.error("--reloads 3..500")
    if not CHROMIUM.is_file():
        sys.exit(f"{CHROMIUM} is not installed (scripts/setup-test-packages installs Debian's chromium)")
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="rris-bench-") as tmp:
        transfer, offline, floor = asyncio.run(run(args, Path(tmp)))
    median, floor_median = statistics.median(offline), statistics.median(floor)
    print()
    print(
        f"RRIS phrasebook benchmark: headless Chromium; 1-min load average {load:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end"
    )
    print(
        f"first load: {transfer.kb:.0f} kB = page {transfer.page_bytes / 1024:.0f} kB in "
        f"{transfer.page_responses} responses + service worker precache "
        f"{transfer.worker_bytes / 1024:.0f} kB in {transfer.worker_responses} responses"
    )
    print(f"{'offline reload to rendered':<44}{'n':>4}{'p50 ms':>10}{'min ms':>10}{'max ms':>10}")
    for label, samples in (("phrasebook (phrase list rendered)", offline), ("baseline: minimal page", floor)):
        print(
            f"{label:<44}{len(samples):>4}{statistics.median(samples):>10.0f}"
            f"{min(samples):>10.0f}{max(samples):>10.0f}"
        )
    print(f"  phrasebook - baseline: p50 {median - floor_median:+.0f} ms")
    targets = (
        (f"first load < {FIRST_LOAD_TARGET_KB} kB ({transfer.kb:.0f})", transfer.kb < FIRST_LOAD_TARGET_KB),
        (
            f"offline reload p50 < {OFFLINE_RELOAD_TARGET_MS} ms ({median:.0f})",
            median < OFFLINE_RELOAD_TARGET_MS,
        ),
    )
    print("targets: " + "; ".join(f"{target}: {'met' if ok else 'MISSED'}" for target, ok in targets))
    print(f"result: first_load_kb={transfer.kb:.0f} offline_reload_ms={median:.0f}")


if __name__ == "__main__":
    main()
