"""The shared terminology over HTTP: read by everyone signed in, edited by coordinators and
administrators, moved through review only by granted reviewers, exchanged as TBX-Basic and CSV.

Parse and check here, let ``glossary.term_store`` and ``glossary.reviewers`` decide, serialise the answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator

from core.errors import InvalidInput, NotFound
from core.ids import UserId
from glossary.csv_io import export_csv, import_csv
from glossary.errors import ImportRefused
from glossary.languages import LANGUAGE_TAGS
from glossary.review import ReviewStatus
from glossary.reviewers import (
    ReviewerGrant,
    require_may_edit_terms,
    require_may_manage_reviewers,
    require_may_read_grant,
)
from glossary.tbx import export_tbx, import_tbx
from glossary.term_store import StoredTerm, term_document
from glossary.terminology import (
    MAX_CONCEPT_ID,
    MAX_PROSE,
    MAX_SUBJECT_FIELD,
    MAX_TEXT,
    EntryText,
    PartOfSpeech,
    Version,
    new_term,
)
from rris.http.auth import read_json, require_session
from rris.http.keys import services

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_QUERY = 200
IMPORT_TYPES = {"tbx": ("application/xml", "text/xml"), "csv": ("text/csv",)}
RESERVED_IDS = frozenset({"export", "import"})  # path segments of their own under /api/terms/

ConceptId = Annotated[
    str,
    StringConstraints(max_length=MAX_CONCEPT_ID, pattern=r"^[A-Za-z_][A-Za-z0-9_.-]*$"),
]
Language = Annotated[str, StringConstraints(min_length=1, max_length=16)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
Prose = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PROSE)]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SUBJECT_FIELD)]
VersionNumber = Annotated[StrictInt, Field(ge=1)]


class EntryBody(BaseModel):
    """One language's term as an editor writes it; its review status is not theirs to send."""

    model_config = ConfigDict(extra="forbid")
    language: Language
    text: Line
    provenance: Line
    part_of_speech: PartOfSpeech | None = None
    definition: Prose | None = None

    def written(self) -> EntryText:
        return EntryText(self.language, self.text, self.provenance, self.part_of_speech, self.definition)


Entries = Annotated[list[EntryBody], Field(min_length=1, max_length=len(LANGUAGE_TAGS))]


class NewTermBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: ConceptId
    subject_field: Subject
    note: Prose | None = None
    entries: Entries

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_IDS:
            raise ValueError(f"{value!r} is reserved")
        return value


class TermUpdateBody(BaseModel):
    """The whole term as it should read, and the version it was read at (compare-and-set)."""

    model_config = ConfigDict(extra="forbid")
    base_version: VersionNumber
    subject_field: Subject
    note: Prose | None = None
    entries: Entries


class ReviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: ReviewStatus
    base_version: VersionNumber | None = None  # when sent, the review applies only to what was read


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: Annotated[str, StringConstraints(max_length=MAX_QUERY)] | None = None
    language: Language | None = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100

    @field_validator("language")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and value not in LANGUAGE_TAGS:
            raise ValueError(f"unknown language tag {value!r}")
        return value


class FormatQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Annotated[str, StringConstraints(pattern="^(tbx|csv)$")]


def stored_json(stored: StoredTerm) -> dict[str, Any]:
    return {
        **term_document(stored.term),
        "version": stored.version,
        "updated_at": stored.updated_at.isoformat(),
    }


def version_json(version: Version) -> dict[str, Any]:
    return {
        "version": version.number,
        "author_id": version.author_id,
        "at": version.at.isoformat(),
        "change": version.change,
        "term": term_document(version.term),
    }


def grant_json(user_id: UserId, grant: ReviewerGrant | None) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "reviewer": grant is not None,
        "granted_by": grant.granted_by if grant else None,
        "granted_at": grant.granted_at.isoformat() if grant else None,
    }


def _concept_id(request: web.Request) -> str:
    concept_id = request.match_info["concept_id"]
    if len(concept_id) > MAX_CONCEPT_ID:
        raise NotFound(f"no term {concept_id[:MAX_CONCEPT_ID]}...")
    return concept_id


def _user_id(request: web.Request) -> UserId:
    user_id = request.match_info["user_id"]
    if not 1 <= len(user_id) <= 32:
        raise NotFound("no such user")
    return UserId(user_id)


async def list_terms(request: web.Request) -> web.Response:
    require_session(request)
    query = SearchQuery.model_validate(dict(request.query))
    found = await services(request).terms.search(query.q, query.language, query.limit)
    return web.json_response({"terms": [stored_json(stored) for stored in found]})


async def get_term(request: web.Request) -> web.Response:
    require_session(request)
    concept_id = _concept_id(request)
    terms = services(request).terms
    stored = await terms.term(concept_id)
    history = await terms.history(concept_id)
    return web.json_response({**stored_json(stored), "history": [version_json(v) for v in history]})


async def create_term(request: web.Request) -> web.Response:
    who = require_session(request).principal
    require_may_edit_terms(who)
    body = NewTermBody.model_validate(await read_json(request))
    term = new_term(body.id, body.subject_field, body.note, [e.written() for e in body.entries])
    stored = await services(request).terms.create(who.user_id, term)
    return web.json_response(stored_json(stored), status=201)


async def update_term(request: web.Request) -> web.Response:
    who = require_session(request).principal
    require_may_edit_terms(who)
    concept_id = _concept_id(request)
    body = TermUpdateBody.model_validate(await read_json(request))
    stored = await services(request).terms.update(
        who.user_id,
        concept_id,
        body.base_version,
        body.subject_field,
        body.note,
        [e.written() for e in body.entries],
    )
    return web.json_response(stored_json(stored))


async def review_entry(request: web.Request) -> web.Response:
    who = require_session(request).principal
    concept_id = _concept_id(request)
    language = request.match_info["language"]
    if language not in LANGUAGE_TAGS:
        raise InvalidInput(f"unknown language tag {language[:16]!r}")
    body = ReviewBody.model_validate(await read_json(request))
    stored = await services(request).terms.set_status(
        who.user_id, concept_id, language, body.to, body.base_version
    )
    return web.json_response(stored_json(stored))


async def export_terms(request: web.Request) -> web.Response:
    require_session(request)
    kind = FormatQuery.model_validate(dict(request.query)).format
    terms = [stored.term for stored in await services(request).terms.terms()]
    disposition = {"Content-Disposition": f'attachment; filename="rris-terminology.{kind}"'}
    if kind == "tbx":
        return web.Response(
            body=export_tbx(terms), content_type="application/xml", charset="utf-8", headers=disposition
        )
    return web.Response(text=export_csv(terms), content_type="text/csv", charset="utf-8", headers=disposition)


async def import_terms(request: web.Request) -> web.Response:
    """The file is the body; it is read whole (up to 5 MiB), parsed whole and written whole, or refused
    naming the line and the reason with nothing written."""
    who = require_session(request).principal
    require_may_edit_terms(who)
    kind = FormatQuery.model_validate(dict(request.query)).format
    if request.content_type not in IMPORT_TYPES[kind]:
        raise InvalidInput(f"a {kind} import is sent as {' or '.join(IMPORT_TYPES[kind])}")
    data = await _read_file(request)
    terms = import_tbx(data) if kind == "tbx" else import_csv(_utf8(data))
    count = await services(request).terms.import_terms(who.user_id, terms, f"imported from {kind.upper()}")
    return web.json_response({"imported": count})


async def _read_file(request: web.Request) -> bytes:
    # Past the application's small JSON limit (client_max_size applies to request.read()), with our own.
    if (request.content_length or 0) > MAX_IMPORT_BYTES:
        raise InvalidInput(f"an import is at most {MAX_IMPORT_BYTES // (1024 * 1024)} MiB")
    data = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        data += chunk
        if len(data) > MAX_IMPORT_BYTES:
            raise InvalidInput(f"an import is at most {MAX_IMPORT_BYTES // (1024 * 1024)} MiB")
    return bytes(data)


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ImportRefused(data[: error.start].count(b"\n") + 1, "the file is not UTF-8") from None


async def list_reviewers(request: web.Request) -> web.Response:
    who = require_session(request).principal
    require_may_edit_terms(who)
    scope = None if who.sees_all_organisations else who.organisation_id
    grants = await services(request).reviewers.grants(scope)
    return web.json_response(
        {"reviewers": [grant_json(g.user_id, g) | {"display_name": name} for g, name in grants]}
    )


async def get_reviewer(request: web.Request) -> web.Response:
    who = require_session(request).principal
    user_id = _user_id(request)
    require_may_read_grant(who, user_id)
    svc = services(request)
    if await svc.accounts.principal(user_id) is None:
        raise NotFound("no such user")
    return web.json_response(grant_json(user_id, await svc.reviewers.grant_of(user_id)))


async def put_reviewer(request: web.Request) -> web.Response:
    who = require_session(request).principal
    svc = services(request)
    user = require_may_manage_reviewers(who, await svc.accounts.principal(_user_id(request)))
    grant = await svc.reviewers.grant(who.user_id, user.user_id)
    return web.json_response(grant_json(user.user_id, grant))


async def delete_reviewer(request: web.Request) -> web.Response:
    who = require_session(request).principal
    svc = services(request)
    user = require_may_manage_reviewers(who, await svc.accounts.principal(_user_id(request)))
    await svc.reviewers.revoke(user.user_id)
    return web.json_response(grant_json(user.user_id, None))


def routes() -> list[web.RouteDef]:
    # The fixed paths first: aiohttp matches in order, and they would otherwise read as concept ids.
    return [
        web.get("/api/terms/export", export_terms),
        web.post("/api/terms/import", import_terms),
        web.get("/api/terms", list_terms),
        web.post("/api/terms", create_term),
        web.get("/api/terms/{concept_id}", get_term),
        web.put("/api/terms/{concept_id}", update_term),
        web.post("/api/terms/{concept_id}/entries/{language}/review", review_entry),
        web.get("/api/terminology/reviewers", list_reviewers),
        web.get("/api/terminology/reviewers/{user_id}", get_reviewer),
        web.put("/api/terminology/reviewers/{user_id}", put_reviewer),
        web.delete("/api/terminology/reviewers/{user_id}", delete_reviewer),
    ]
