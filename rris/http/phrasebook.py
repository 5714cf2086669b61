"""``GET /phrasebook/data.json``: the whole first-contact phrasebook for the offline page, public, cached.

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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from core.errors import InvalidInput
from glossary.phrases import PHRASES_FILE, Phrasebook, Translation, load_phrasebook

DATA_PATH = "/phrasebook/data.json"


@dataclass(frozen=True)
class EncodedPhrasebook:
    version: str
    body: bytes
    gzipped: bytes

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


def phrasebook_json(book: Phrasebook) -> dict[str, object]:
    """The page's view of the phrasebook; every text is ``[text, status, provenance index]``.

    Provenance notes repeat across hundreds of translations, so they are listed once in ``provenances``.
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
    return document


def encode(book: Phrasebook) -> EncodedPhrasebook:
    document = phrasebook_json(book)
    unversioned = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    version = hashlib.sha256(unversioned).hexdigest()[:16]
    body = json.dumps({"version": version, **document}, ensure_ascii=False, separators=(",", ":")).encode()
    return EncodedPhrasebook(version, body, gzip.compress(body, compresslevel=9, mtime=0))


class PhrasebookData:
    """The encoded payload of one content file, rebuilt when the file's size or modification time changes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._signature: tuple[int, int] | None = None
        self._encoded: EncodedPhrasebook | None = None

    async def current(self) -> EncodedPhrasebook:
        stat = self._path.stat()
        signature = (stat.st_mtime_ns, stat.st_size)
        if self._encoded is None or signature != self._signature:
            self._encoded = await asyncio.to_thread(lambda: encode(load_phrasebook(self._path)))
            self._signature = signature
        return self._encoded


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {candidate.strip().removeprefix("W/") for candidate in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


def _handler(data: PhrasebookData) -> web.RouteDef:
    async def phrasebook_data(request: web.Request) -> web.Response:
        if request.query:
            raise InvalidInput("the phrasebook data takes no query parameters")
        encoded = await data.current()
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


def routes(content: Path | None = None) -> list[web.RouteDef]:
    return [_handler(PhrasebookData(content or PHRASES_FILE))]
