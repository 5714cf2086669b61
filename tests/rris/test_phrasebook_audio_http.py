"""Phrase recordings and the answers PDF over HTTP: coordinators upload real audio and nothing else, anyone
plays it (cached by its hash, listed in data.json); anyone prints a session's answers as a PDF, which the
server neither keeps nor logs, and a malformed or oversized request is refused."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from pypdf import PdfReader

from core.models import PhraseAudioRow
from glossary.phrase_audio import MAX_AUDIO_BYTES
from glossary.phrases import load_phrasebook
from rris.http.phrasebook import MAX_PDF_BODY
from tests.glossary.test_phrase_audio import sine
from tests.rris.conftest import HttpFactory, count_rows, post_login
from tests.support.server import RunningServer
from tests.support.world import World

PHRASE, LANGUAGE = "health.need_doctor", "ps"
UPLOAD = f"/api/phrasebook/audio/{PHRASE}/{LANGUAGE}"
PLAY = f"/phrasebook/audio/{PHRASE}/{LANGUAGE}"
PROVENANCE = {"provenance": "Recorded by a native Pashto speaker, 2026"}
# Words that must never reach a log: what a migrant answered.
SECRET_QUESTION = "Шифра-питање ÇËŞ 7f3a"
SECRET_ANSWER = "Тајни-одговор ğış 9b1c"


class Coordinator:
    def __init__(self, http: aiohttp.ClientSession, csrf: str) -> None:
        self.http, self.csrf = http, csrf

    async def upload(
        self,
        data: bytes | io.BytesIO | AsyncIterator[bytes],
        content_type: str = "audio/ogg",
        path: str = UPLOAD,
        params: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        headers = {"X-CSRF-Token": self.csrf, "Content-Type": content_type}
        query = PROVENANCE if params is None else params
        async with self.http.post(path, data=data, headers=headers, params=query) as resp:
            return resp.status, await resp.json()

    async def delete(self, path: str = UPLOAD) -> int:
        async with self.http.delete(path, headers={"X-CSRF-Token": self.csrf}) as resp:
            return resp.status


async def chunked(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 256 * 1024):
        yield data[start : start + 256 * 1024]


async def signed_in(http: HttpFactory, username: str) -> Coordinator:
    session = http()
    status, body = await post_login(session, username)
    assert status == 200, body
    return Coordinator(session, body["csrf_token"])


async def public(
    server: RunningServer, path: str, **headers: str
) -> tuple[int, aiohttp.typedefs.LooseHeaders, bytes]:
    async with aiohttp.ClientSession(server.url) as http, http.get(path, headers=headers) as resp:
        return resp.status, resp.headers, await resp.read()


async def data_json(server: RunningServer) -> dict[str, Any]:
    status, _, body = await public(server, "/phrasebook/data.json")
    assert status == 200
    data: dict[str, Any] = json.loads(body)
    return data


def code(body: Any) -> str:
    return str(body["error"]["code"])


async def test_a_coordinators_recording_is_played_to_anyone_cached_by_its_hash(
    server: RunningServer, http: HttpFactory, world: World
) -> None:
    before = await data_json(server)
    assert "audio" not in before
    coord = await signed_in(http, "coord")
    audio = sine("audio/ogg", 1.0)
    status, body = await coord.upload(audio)
    assert status == 201, body
    assert body["status"] == "draft"
    assert body["provenance"] == PROVENANCE["provenance"]
    assert body["content_type"] == "audio/ogg"
    assert body["duration_s"] == pytest.approx(1.0, abs=0.1)
    assert body["uploaded_by"] == world.id("coord")
    sha = body["sha256"]

    status, headers, played = await public(server, f"{PLAY}?v={sha}")
    assert (status, played, headers["Content-Type"]) == (200, audio, "audio/ogg")
    assert headers["ETag"] == f'"{sha}"'
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Set-Cookie" not in headers
    status, headers, _ = await public(server, PLAY)
    assert (status, headers["Cache-Control"]) == (200, "no-cache")  # unversioned: revalidate each time
    status, headers, played = await public(server, PLAY, **{"If-None-Match": f'"{sha}"'})
    assert (status, played, headers["ETag"]) == (304, b"", f'"{sha}"')

    after = await data_json(server)
    assert after["audio"] == {PHRASE: {LANGUAGE: [sha, len(audio)]}}
    assert after["version"] != before["version"]

    # A new upload replaces the old one, as draft again; deleting it takes it off the list.
    status, body = await (await signed_in(http, "coord.a")).upload(sine("audio/mpeg", 0.5), "audio/mpeg")
    assert status == 201, body
    assert (await data_json(server))["audio"][PHRASE][LANGUAGE][0] == body["sha256"] != sha
    assert await count_rows(server, PhraseAudioRow) == 1
    assert await coord.delete() == 204
    assert await coord.delete() == 404
    status, _, _ = await public(server, PLAY)
    assert status == 404
    assert "audio" not in await data_json(server)


async def test_only_coordinators_and_administrators_upload_or_delete(
    server: RunningServer, http: HttpFactory, world: World
) -> None:
    for username in ("cw.a", "ps.female"):
        someone = await signed_in(http, username)
        status, body = await someone.upload(sine())
        assert (status, code(body)) == (403, "forbidden")
        assert await someone.delete() == 403
    async with aiohttp.ClientSession(server.url) as anonymous:
        headers = {"Content-Type": "audio/ogg"}
        async with anonymous.post(UPLOAD, data=sine(), headers=headers, params=PROVENANCE) as resp:
            assert resp.status == 401
    assert await count_rows(server, PhraseAudioRow) == 0


async def test_what_is_not_a_small_recording_of_the_type_it_claims_is_refused_and_nothing_stored(
    server: RunningServer, http: HttpFactory, world: World
) -> None:
    coord = await signed_in(http, "coord")
    refused = [
        await coord.upload(sine(), "audio/wav"),
        await coord.upload(sine(), "application/octet-stream"),
        await coord.upload(sine("audio/mpeg"), "audio/ogg"),
        await coord.upload(b"<html>not audio</html>" * 50, "audio/mpeg"),
        await coord.upload(bytes(range(256)) * 100, "audio/webm"),
        await coord.upload(b"", "audio/ogg"),
        await coord.upload(chunked(sine() + bytes(MAX_AUDIO_BYTES))),  # no length said
        await coord.upload(io.BytesIO(sine() + bytes(MAX_AUDIO_BYTES))),  # with a Content-Length
        await coord.upload(sine(), params={}),  # no provenance
        await coord.upload(sine(), params={"provenance": "x" * 501}),
    ]
    assert [status for status, _ in refused] == [400] * len(refused), refused
    assert {code(body) for _, body in refused[:8]} == {"audio_refused"}
    assert "at most 2 MB" in refused[6][1]["error"]["message"]
    assert "does not decode as audio/ogg" in refused[2][1]["error"]["message"]
    assert await count_rows(server, PhraseAudioRow) == 0
    assert "audio" not in await data_json(server)


async def test_unknown_phrases_and_languages_are_not_found(
    server: RunningServer, http: HttpFactory, world: World
) -> None:
    coord = await signed_in(http, "coord")
    for path in (
        f"/api/phrasebook/audio/health.no_such_phrase/{LANGUAGE}",
        f"/api/phrasebook/audio/{PHRASE}/xx",
        f"/api/phrasebook/audio/{PHRASE}/{'p' * 300}",
    ):
        status, body = await coord.upload(sine(), path=path)
        assert (status, code(body)) == (404, "not_found"), body
    status, _, _ = await public(server, "/phrasebook/audio/health.no_such_phrase/ps")
    assert status == 404
    status, _, body = await public(server, PLAY)  # a phrase without a recording
    assert (status, json.loads(body)["error"]["code"]) == (404, "no_phrase_audio")
    assert await count_rows(server, PhraseAudioRow) == 0


# The answers PDF ------------------------------------------------------------------------------------------


def pdf_request(answers: list[dict[str, str]], **overrides: object) -> dict[str, object]:
    return {
        "language": "sr-Latn",
        "title": "Odgovori iz prvog kontakta",
        "date_line": "Datum: 2026-11-29 14:10",
        "headings": ["Pitanje", "Odgovor", "Vrijeme"],
        "answers": answers,
        **overrides,
    }


ANSWER = {"question": SECRET_QUESTION, "answer": SECRET_ANSWER, "time": "2026-11-29 14:05:09"}


async def post_pdf(server: RunningServer, body: object, **headers: str) -> tuple[int, str, bytes]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **headers}
    async with (
        aiohttp.ClientSession(server.url) as http,
        http.post("/phrasebook/answers.pdf", data=data, headers=sent) as resp,
    ):
        return resp.status, resp.content_type, await resp.read()


async def test_anyone_gets_the_answers_as_a_pdf_with_the_disclaimer_without_logging_in(
    server: RunningServer,
) -> None:
    status, content_type, pdf = await post_pdf(server, pdf_request([ANSWER] * 3))
    assert (status, content_type) == (200, "application/pdf")
    text = "".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    disclaimer = load_phrasebook().disclaimer["sr-Latn"].text
    for expected in (
        "Odgovori iz prvog kontakta",
        "2026-11-29 14:10",
        disclaimer,
        SECRET_QUESTION,
        SECRET_ANSWER,
    ):
        assert "".join(expected.split()) in text


async def test_malformed_or_oversized_answers_are_refused_and_never_logged(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cases: list[object] = [
        pdf_request([ANSWER] * 201),
        pdf_request([]),
        pdf_request([{**ANSWER, "question": SECRET_QUESTION * 40}]),
        pdf_request([{**ANSWER, "answer": ""}]),
        pdf_request([{**ANSWER, "extra": SECRET_ANSWER}]),
        pdf_request([ANSWER], language="ar"),
        pdf_request([ANSWER], headings=["only two", SECRET_ANSWER]),
        pdf_request([ANSWER], title="t" * 121),
        [ANSWER],
        f'{{"answers": [{{"question": "{SECRET_QUESTION}"'.encode(),  # cut off
        b"\xff\xfe" + SECRET_ANSWER.encode("utf-16-le"),
        json.dumps(pdf_request([ANSWER], title=SECRET_ANSWER * 10)).encode() + b" " * MAX_PDF_BODY,
    ]
    for case in cases:
        status, content_type, body = await post_pdf(server, case)
        assert (status, content_type) == (400, "application/json"), (case, body)
        assert SECRET_QUESTION.encode() not in body
        assert SECRET_ANSWER.encode() not in body
    status, _, _ = await post_pdf(server, pdf_request([ANSWER]), **{"Content-Type": "text/plain"})
    assert status == 400
    status, _, _ = await post_pdf(server, pdf_request([ANSWER]), Origin="https://elsewhere.example")
    assert status == 403
    status, _, _ = await post_pdf(server, pdf_request([ANSWER]))  # and one that is printed
    assert status == 200
    logged = "\n".join(f"{record.getMessage()} {record.args}" for record in caplog.records)
    assert SECRET_QUESTION not in logged
    assert SECRET_ANSWER not in logged
