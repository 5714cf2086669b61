"""Debian's headless Chromium driven by Playwright, with a fake camera and microphone, for browser tests.

Playwright never downloads a browser here: it starts ``/usr/bin/chromium`` (installed by
``scripts/setup-test-packages``). Without it the tests skip, except in CI (``RRIS_REQUIRE_SERVICES=1``), where
they fail.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from tests.support.external import unavailable

CHROMIUM = Path(os.environ.get("RRIS_TEST_CHROMIUM", "/usr/bin/chromium"))
FLAGS = [
    "--no-sandbox",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def require_chromium() -> Path:
    if not CHROMIUM.is_file():
        unavailable(
            str(CHROMIUM), FileNotFoundError("not installed; scripts/setup-test-packages installs it")
        )
    return CHROMIUM


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    executable = require_chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(executable), args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


async def logged_in(
    browser: Browser, base_url: str, username: str, password: str, **context_options: object
) -> tuple[BrowserContext, Page]:
    """A new context (its own cookies), logged in through the login page, on its console once ready."""
    context = await browser.new_context(base_url=base_url, **context_options)  # type: ignore[arg-type]
    page = await context.new_page()
    await page.goto("/")
    await page.fill("#username", username)
    await page.fill("#password", password)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("body[data-ready=true]")
    return context, page


async def screenshot(page: Page, name: str) -> None:
    """A screenshot kept as a test artifact (test-artifacts/, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
