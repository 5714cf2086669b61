"""``GET /phrasebook/data.json``: the whole phrasebook for the offline page, to anyone without logging in,
versioned by an ETag that answers 304 while the content is unchanged and moves when the file changes."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from glossary.languages import LANGUAGE_TAGS
from glossary.phrases import PHRASES_FILE, load_phrasebook
from rris.http import phrasebook
from tests.support.server import RunningServer

DATA = "/phrasebook/data.json"
TOP_LEVEL = {"version", "languages", "disclaimer", "answers", "situations", "phrases", "provenances"}


async def fetch(url: str, path: str = DATA, **headers: str) -> tuple[aiohttp.ClientResponse, bytes]:
    """A request from a client that has never logged in (no cookie jar), with ``auto_decompress`` off."""
    async with (
        aiohttp.ClientSession(url, auto_decompress=False) as http,
        http.get(path, headers=headers) as response,
    ):
        return response, await response.read()


def decoded(response: aiohttp.ClientResponse, body: bytes) -> dict[str, Any]:
    if response.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    data: dict[str, Any] = json.loads(body)
    return data


async def test_anyone_gets_every_phrase_in_every_language_without_logging_in(server: RunningServer) -> None:
    response, body = await fetch(server.url)
    assert response.status == 200
    assert response.content_type == "application/json"
    data = decoded(response, body)
    book = load_phrasebook()
    assert set(data) == TOP_LEVEL
    assert [(lang["tag"], lang["native_name"], lang["direction"]) for lang in data["languages"]] == [
        (lang.tag, lang.native_name, "rtl" if lang.right_to_left else "ltr") for lang in book.languages
    ]
    assert [s["id"] for s in data["situations"]] == list(book.situation_titles)
    assert len(data["phrases"]) == len(book.phrases) >= 52
    provenances = data["provenances"]
    for sent, phrase in zip(data["phrases"], book.phrases, strict=True):
        assert (sent["id"], sent["situation"], sent["answer"]) == (phrase.id, phrase.situation, phrase.answer)
        assert set(sent["text"]) == set(LANGUAGE_TAGS)
        for tag, (text, status, provenance) in sent["text"].items():
            expected = phrase.text[tag]
            assert (text, status, provenances[provenance]) == (
                expected.text,
                expected.status.value,
                expected.provenance,
            )
        assert [o["id"] for o in sent.get("options", [])] == [o.id for o in phrase.options]
    assert data["answers"]["yes"]["ps"][0] == book.answers["yes"]["ps"].text
    assert data["disclaimer"]["en"][0] == book.disclaimer["en"].text
    assert data["version"] == response.headers["ETag"].strip('"')


async def test_the_data_sets_no_cookie_and_asks_the_browser_to_revalidate(server: RunningServer) -> None:
    response, _ = await fetch(server.url)
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_an_unchanged_phrasebook_answers_304_to_its_etag(server: RunningServer) -> None:
    first, _ = await fetch(server.url)
    etag = first.headers["ETag"]
    again, body = await fetch(server.url, **{"If-None-Match": etag})
    assert (again.status, body, again.headers["ETag"]) == (304, b"", etag)
    weak, _ = await fetch(server.url, **{"If-None-Match": f'"other", W/{etag}'})
    assert weak.status == 304
    other, _ = await fetch(server.url, **{"If-None-Match": '"something-else"'})
    assert other.status == 200


async def test_the_payload_is_gzipped_and_small_when_the_client_accepts_it(server: RunningServer) -> None:
    plain, plain_body = await fetch(server.url, **{"Accept-Encoding": "identity"})
    zipped, zipped_body = await fetch(server.url, **{"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Vary"] == "Accept-Encoding"
    assert decoded(zipped, zipped_body) == json.loads(plain_body)
    assert len(zipped_body) < 60_000 < len(plain_body) < 200_000


async def test_query_parameters_are_refused(server: RunningServer) -> None:
    response, body = await fetch(server.url, f"{DATA}?lang=ps")
    assert response.status == 400
    assert json.loads(body)["error"]["code"] == "invalid_input"


async def test_an_edited_content_file_is_served_with_a_new_version(tmp_path: Path) -> None:
    content = tmp_path / "phrases.json"
    document = json.loads(PHRASES_FILE.read_text(encoding="utf-8"))
    content.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    app = web.Application()
    app.add_routes(phrasebook.routes(content))
    async with TestClient(TestServer(app)) as client:
        before = await client.get(DATA)
        old = await before.json()
        document["phrases"][0]["text"]["en"]["text"] = "Hello, welcome."
        content.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        stat = content.stat()
        os.utime(content, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a coarse clock
        after = await client.get(DATA, headers={"If-None-Match": before.headers["ETag"]})
        new = await after.json()
    assert after.status == 200
    assert new["version"] != old["version"]
    assert after.headers["ETag"] == f'"{new["version"]}"'
    assert new["phrases"][0]["text"]["en"][0] == "Hello, welcome."
