"""``GET /phrasebook/data.json``: the whole first-contact phrasebook for the offline page, public, cached;
its recordings (``GET /phrasebook/audio/...``, uploaded by coordinators under ``/api/phrasebook/audio/...``)
and ``POST /phrasebook/answers.pdf``, a session's answers printed and handed back, nothing kept.

The content is the same for everyone and holds nothing about anyone, so no session is asked for. The
response carries an ``ETag`` (a hash of the body, also sent as ``version``) so the page's service worker
revalidates cheaply and sees when the content changed. The payload is rebuilt when the content file
changes on disk, so an edit is served without a restart.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from core.errors import InvalidInput, NotFound
from glossary.answers_pdf import (
    MAX_ANSWERS,
    MAX_LABEL,
    MAX_TEXT,
    MAX_TIME,
    AnsweredQuestion,
    AnswersDocument,
    answers_pdf,
    find_font,
)
from glossary.phrase_audio import (
    MAX_AUDIO_BYTES,
    AudioRefused,
    ListedAudio,
    PhraseAudio,
    check_audio_type,
    check_provenance,
    inspect_audio,
)
from glossary.phrases import PHRASES_FILE, Phrasebook, Translation, load_phrasebook
from glossary.reviewers import require_may_edit_terms
from rris.http.auth import require_session
from rris.http.keys import SERVICES, services

DATA_PATH = "/phrasebook/data.json"
AUDIO_PATH = "/phrasebook/audio/{phrase_id}/{language}"
UPLOAD_PATH = "/api/phrasebook/audio/{phrase_id}/{language}"
PDF_PATH = "/phrasebook/answers.pdf"
MAX_PDF_BODY = 512 * 1024  # 200 answers of 500 two-byte letters each, with room for the JSON around them
PDF_RENDERS = 2  # at once: rendering is CPU work on a public route
YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class EncodedPhrasebook:
    version: str
    body: bytes
    gzipped: bytes

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


def phrasebook_json(book: Phrasebook, audio: Sequence[ListedAudio] = ()) -> dict[str, object]:
    """The page's view of the phrasebook; every text is ``[text, status, provenance index]``.

    Provenance notes repeat across hundreds of translations, so they are listed once in ``provenances``.
    When there are recordings, ``audio`` maps phrase id → language → ``[sha256, size in bytes]``.
    """
    provenances: dict[str, int] = {}

    def texts(translations: Mapping[str, Translation]) -> dict[str, list[object]]:
        return {
            tag: [t.text, t.status.value, provenances.setdefault(t.provenance, len(provenances))]
            for tag, t in translations.items()
        }

    document: dict[str, object] = {
        "languages": [
            {
                "tag": language.tag,
                "name": language.name,
                "native_name": language.native_name,
                "direction": "rtl" if language.right_to_left else "ltr",
            }
            for language in book.languages
        ],
        "disclaimer": texts(book.disclaimer),
        "answers": {key: texts(value) for key, value in book.answers.items()},
        "situations": [{"id": key, "title": texts(title)} for key, title in book.situation_titles.items()],
        "phrases": [
            {
                "id": phrase.id,
                "situation": phrase.situation,
                "answer": phrase.answer.value,
                "text": texts(phrase.text),
                **(
                    {"options": [{"id": o.id, "text": texts(o.text)} for o in phrase.options]}
                    if phrase.options
                    else {}
                ),
            }
            for phrase in book.phrases
        ],
    }
    document["provenances"] = list(provenances)
    if audio:
        recorded: dict[str, dict[str, list[object]]] = {}
        for item in audio:
            recorded.setdefault(item.phrase_id, {})[item.language] = [item.sha256, item.size]
        document["audio"] = recorded
    return document


def encode(book: Phrasebook, audio: Sequence[ListedAudio] = ()) -> EncodedPhrasebook:
    document = phrasebook_json(book, audio)
    unversioned = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    version = hashlib.sha256(unversioned).hexdigest()[:16]
    body = json.dumps({"version": version, **document}, ensure_ascii=False, separators=(",", ":")).encode()
    return EncodedPhrasebook(version, body, gzip.compress(body, compresslevel=9, mtime=0))


class PhrasebookData:
    """The encoded payload of one content file and the recordings listed, rebuilt when the file's size or
    modification time changes or a recording comes or goes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._signature: tuple[int, int] | None = None
        self._book: Phrasebook | None = None
        self._key: tuple[object, ...] | None = None
        self._encoded: EncodedPhrasebook | None = None

    async def book(self) -> Phrasebook:
        stat = self._path.stat()
        signature = (stat.st_mtime_ns, stat.st_size)
        if self._book is None or signature != self._signature:
            self._book = await asyncio.to_thread(load_phrasebook, self._path)
            self._signature = signature
        return self._book

    async def current(self, audio: Sequence[ListedAudio] = ()) -> EncodedPhrasebook:
        book = await self.book()
        key = (self._signature, tuple(audio))
        if self._encoded is None or key != self._key:
            self._encoded = await asyncio.to_thread(encode, book, audio)
            self._key = key
        return self._encoded


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


async def _recordings(request: web.Request) -> Sequence[ListedAudio]:
    # An application of these routes alone (no services: a test's) has no recordings to list.
    found = request.app.get(SERVICES)
    return await found.phrase_audio.listing() if found is not None else ()


def _handler(data: PhrasebookData) -> web.RouteDef:
    async def phrasebook_data(request: web.Request) -> web.Response:
        if request.query:
            raise InvalidInput("the phrasebook data takes no query parameters")
        encoded = await data.current(await _recordings(request))
        headers = {
            "ETag": encoded.etag,
            # The service worker keeps the offline copy; the browser's own cache always asks first.
            "Cache-Control": "no-cache",
            "Vary": "Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
        }
        if _matches(request.headers.get("If-None-Match", ""), encoded.etag):
            return web.Response(status=304, headers=headers)
        body = encoded.body
        if "gzip" in request.headers.get("Accept-Encoding", "").lower():
            body = encoded.gzipped
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=body, content_type="application/json", charset="utf-8", headers=headers)

    return web.get(DATA_PATH, phrasebook_data)


# Recordings ----------------------------------------------------------------------------------------------


async def _recorded_phrase(request: web.Request, data: PhrasebookData) -> tuple[str, str]:
    """The phrase id and language of the path, both in the phrasebook (else 404)."""
    phrase_id, language = request.match_info["phrase_id"], request.match_info["language"]
    book = await data.book()
    try:
        book.phrase(phrase_id)
    except KeyError:
        raise NotFound(f"the phrasebook has no phrase {phrase_id[:100]!r}") from None
    if language not in {lang.tag for lang in book.languages}:
        raise NotFound(f"the phrasebook has no language {language[:16]!r}")
    return phrase_id, language


def audio_json(audio: PhraseAudio) -> dict[str, object]:
    return {
        "phrase_id": audio.phrase_id,
        "language": audio.language,
        "content_type": audio.content_type,
        "sha256": audio.sha256,
        "size": audio.size,
        "duration_s": audio.duration_s,
        "provenance": audio.provenance,
        "status": audio.status.value,
        "uploaded_by": audio.uploaded_by,
        "uploaded_at": audio.uploaded_at.isoformat(),
        "url": f"/phrasebook/audio/{audio.phrase_id}/{audio.language}?v={audio.sha256}",
    }


class UploadQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provenance: Annotated[str, StringConstraints(min_length=1, max_length=500)]


async def _read_capped(request: web.Request, limit: int, refusal: InvalidInput) -> bytes:
    # Past the application's small JSON limit (client_max_size applies to request.read()), with our own.
    if (request.content_length or 0) > limit:
        raise refusal
    data = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        data += chunk
        if len(data) > limit:
            raise refusal
    return bytes(data)


def _audio_routes(data: PhrasebookData) -> list[web.RouteDef]:
    async def upload_audio(request: web.Request) -> web.Response:
        """The recording is the body (its type the Content-Type); who spoke it is ``?provenance=``."""
        who = require_session(request).principal
        require_may_edit_terms(who)
        phrase_id, language = await _recorded_phrase(request, data)
        provenance = check_provenance(UploadQuery.model_validate(dict(request.query)).provenance)
        content_type = check_audio_type(request.content_type)
        too_big = AudioRefused(f"a recording is at most {MAX_AUDIO_BYTES // (1024 * 1024)} MB")
        body = await _read_capped(request, MAX_AUDIO_BYTES, too_big)
        clip = await asyncio.to_thread(inspect_audio, content_type.content_type, body)
        stored = await services(request).phrase_audio.put(phrase_id, language, clip, provenance, who.user_id)
        return web.json_response(audio_json(stored), status=201)

    async def delete_audio(request: web.Request) -> web.Response:
        require_may_edit_terms(require_session(request).principal)
        phrase_id, language = await _recorded_phrase(request, data)
        await services(request).phrase_audio.remove(phrase_id, language)
        return web.Response(status=204)

    async def play_audio(request: web.Request) -> web.Response:
        """Public like the phrasebook. ``?v=<sha256>`` (as data.json links it) names this very recording,
        so it may be kept for a year; without it the browser revalidates against the ETag."""
        phrase_id, language = await _recorded_phrase(request, data)
        if set(request.query) - {"v"}:
            raise InvalidInput("a recording takes no query parameters but v")
        audio, body = await services(request).phrase_audio.recording(phrase_id, language)
        etag = f'"{audio.sha256}"'
        versioned = request.query.get("v") == audio.sha256
        headers = {
            "ETag": etag,
            "Cache-Control": f"public, max-age={YEAR}, immutable" if versioned else "no-cache",
            "X-Content-Type-Options": "nosniff",
        }
        if _matches(request.headers.get("If-None-Match", ""), etag):
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, content_type=audio.content_type, headers=headers)

    return [
        web.post(UPLOAD_PATH, upload_audio),
        web.delete(UPLOAD_PATH, delete_audio),
        web.get(AUDIO_PATH, play_audio),
    ]


# The session's answers as a PDF ----------------------------------------------------------------------------

Text = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
Label = Annotated[str, StringConstraints(min_length=1, max_length=MAX_LABEL)]


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    question: Text
    answer: Text
    time: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TIME)]


class AnswersPdfBody(BaseModel):
    """The page's labels in the officer's language, and the answers already in it; the disclaimer is the
    phrasebook's own, added here, so no export goes without it."""

    model_config = ConfigDict(extra="forbid")
    language: Literal["en", "sq", "sr-Latn", "mk", "tr"]
    title: Label
    date_line: Label
    headings: tuple[Label, Label, Label]
    answers: Annotated[list[AnswerBody], Field(min_length=1, max_length=MAX_ANSWERS)]


def _pdf_route(data: PhrasebookData) -> web.RouteDef:
    renders = asyncio.Semaphore(PDF_RENDERS)

    async def answers_pdf_route(request: web.Request) -> web.Response:
        """Stateless: the answers are printed and sent back; neither kept nor logged."""
        if request.content_type != "application/json":
            raise InvalidInput("expected an application/json body")
        too_big = InvalidInput(f"the answers are at most {MAX_PDF_BODY // 1024} KiB of JSON")
        raw = await _read_capped(request, MAX_PDF_BODY, too_big)
        try:
            decoded = json.loads(raw)
        except ValueError:
            raise InvalidInput("body is not valid JSON") from None
        body = AnswersPdfBody.model_validate(decoded)
        book = await data.book()
        document = AnswersDocument(
            language=body.language,
            title=body.title,
            date_line=body.date_line,
            disclaimer=book.disclaimer[body.language].text,
            headings=body.headings,
            answers=tuple(AnsweredQuestion(a.question, a.answer, a.time) for a in body.answers),
        )
        font = find_font()
        async with renders:
            pdf = await asyncio.to_thread(answers_pdf, document, font)
        return web.Response(
            body=pdf,
            content_type="application/pdf",
            headers={
                "Content-Disposition": 'attachment; filename="first-contact-answers.pdf"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return web.post(PDF_PATH, answers_pdf_route)


def routes(content: Path | None = None) -> list[web.RouteDef]:
    data = PhrasebookData(content or PHRASES_FILE)
    return [_handler(data), *_audio_routes(data), _pdf_route(data)]
