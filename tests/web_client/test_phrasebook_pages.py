"""The phrasebook's page, service worker and manifest: public, under ``/phrasebook/`` so the worker's scope
covers the page, with the strict Content-Security-Policy, and every file the worker precaches served."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from web_client import serving

STATIC = Path(__file__).resolve().parents[2] / "web_client" / "static"
WORKER = STATIC / "phrasebook" / "sw.js"


@pytest.fixture
async def client() -> AsyncIterator[TestClient]:
    app = web.Application()
    app.add_routes(serving.routes())
    async with TestClient(TestServer(app)) as running:
        yield running


def precached() -> list[str]:
    """The worker's SHELL list: what it caches on install."""
    source = WORKER.read_text(encoding="utf-8")
    shell = re.search(r"const SHELL = \[(.*?)\];", source, re.S)
    assert shell
    return [*re.findall(r'"(/[^"]*)"', shell.group(1)), *re.findall(r"\b(PAGE_URL)\b", shell.group(1))]


async def test_phrasebook_without_a_slash_redirects_to_the_page(client: TestClient) -> None:
    response = await client.get("/phrasebook", allow_redirects=False)
    assert response.status == 301
    assert response.headers["Location"] == "/phrasebook/"


async def test_the_page_is_public_and_sent_with_the_strict_policy(client: TestClient) -> None:
    response = await client.get("/phrasebook/")
    assert response.status == 200
    assert response.content_type == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "default-src 'self'" in policy
    page = await response.text()
    assert 'rel="manifest" href="/phrasebook/manifest.webmanifest"' in page
    assert "<script>" not in page  # nothing inline: the policy would block it
    assert "style=" not in page


async def test_the_service_worker_is_javascript_scoped_to_the_phrasebook(client: TestClient) -> None:
    response = await client.get("/phrasebook/sw.js")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = await response.text()
    assert 'const DATA_URL = "/phrasebook/data.json"' in source


async def test_the_manifest_makes_it_installable(client: TestClient) -> None:
    response = await client.get("/phrasebook/manifest.webmanifest")
    assert response.headers["Content-Type"] == "application/manifest+json"
    manifest = json.loads(await response.text())
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/phrasebook/",
        "/phrasebook/",
        "standalone",
    )
    for icon in manifest["icons"]:
        assert (await client.get(icon["src"])).status == 200


async def test_every_file_the_worker_precaches_is_served(client: TestClient) -> None:
    shell = [path for path in precached() if path != "PAGE_URL"]
    assert "/static/phrasebook/phrasebook.js" in shell
    assert "/static/i18n/tr.json" in shell
    modules = {path.name for path in (STATIC / "phrasebook").glob("*.js")} - {"sw.js"}
    assert {f"/static/phrasebook/{name}" for name in modules} <= set(shell), "a module is not precached"
    for path in shell:
        assert (await client.get(path)).status == 200, path
