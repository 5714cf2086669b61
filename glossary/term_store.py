"""The shared terminology in the database: the rules of ``terminology`` (every change a new version with
its author and time, a changed wording back to draft, nothing saved when nothing changed, review only by
reviewers), applied inside one transaction per change.

An edit names the version it was based on and is refused with ``TermChanged`` when another landed first
(compare-and-set on ``terms.version``); an import writes every term of a file or none of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import Database
from core.errors import Conflict
from core.ids import UserId
from core.models import TermEntryRow, TermRow, TermVersionRow
from glossary.errors import DuplicateTerm, ReviewerRequired, UnknownTerm
from glossary.normalise import compact_key, search_key
from glossary.review import Editor, ReviewStatus
from glossary.reviewers import is_reviewer
from glossary.terminology import (
    EntryText,
    Now,
    PartOfSpeech,
    Revision,
    Term,
    TermEntry,
    Version,
    check_new_terms,
    revise,
    with_status,
)


class TermChanged(Conflict):
    """The term changed since the version the edit was based on; read it again and reapply the edit."""

    code = "term_changed"

    def __init__(self, concept_id: str, base: int, current: int) -> None:
        super().__init__(f"{concept_id} is at version {current}, not {base}: read it again and reapply")
        self.current = current


@dataclass(frozen=True)
class StoredTerm:
    term: Term
    version: int  # the newest version's number: what an edit sends back as its base
    updated_at: datetime


class _Unchanged(Exception):
    """Internal: the edit changed nothing, so its transaction is rolled back and no version is made."""


def term_document(term: Term) -> dict[str, Any]:
    """The term as JSON: the stored snapshot of each version, and the shape the HTTP API shows."""
    return {
        "id": term.concept_id,
        "subject_field": term.subject_field,
        "note": term.note,
        "entries": [
            {
                "language": e.language,
                "text": e.text,
                "part_of_speech": e.part_of_speech,
                "definition": e.definition,
                "provenance": e.provenance,
                "status": e.status,
            }
            for e in term.entries
        ],
    }


def term_from_document(document: dict[str, Any]) -> Term:
    entries = tuple(
        TermEntry(
            e["language"],
            e["text"],
            e["provenance"],
            ReviewStatus(e["status"]),
            PartOfSpeech(e["part_of_speech"]) if e["part_of_speech"] is not None else None,
            e["definition"],
        )
        for e in document["entries"]
    )
    return Term(document["id"], document["subject_field"], entries, document["note"])


class TermStore:
    def __init__(self, db: Database, clock: Now) -> None:
        self._db = db
        self._clock = clock

    async def term(self, concept_id: str) -> StoredTerm:
        async with self._db.sessions() as session:
            found = await _load(session, [concept_id])
        if not found:
            raise UnknownTerm(f"no term {concept_id}")
        return found[0]

    async def terms(self) -> list[StoredTerm]:
        """Every term, by concept id."""
        async with self._db.sessions() as session:
            return await _load(session, None)

    async def search(self, query: str | None, language: str | None, limit: int) -> list[StoredTerm]:
        """Terms with an entry in ``language`` (any, when None) whose text matches ``query`` as
        ``glossary.search`` matches phrases: whole text first, then a word's start, then anywhere."""
        key, compact = search_key(query or ""), compact_key(query or "")
        ranked: list[tuple[int, str, StoredTerm]] = []
        for stored in await self.terms():
            texts = [e.text for e in stored.term.entries if language is None or e.language == language]
            if not texts:
                continue
            rank = min(_rank(key, compact, text) for text in texts) if compact else _WHOLE
            if rank < _NO_MATCH:
                ranked.append((rank, stored.term.concept_id, stored))
        ranked.sort(key=lambda item: item[:2])
        return [stored for _, _, stored in ranked[:limit]]

    async def history(self, concept_id: str) -> list[Version]:
        """Every version, oldest first, each with the whole term as it stood after it."""
        async with self._db.sessions() as session:
            rows = (
                await session.scalars(
                    select(TermVersionRow)
                    .where(TermVersionRow.term_id == concept_id)
                    .order_by(TermVersionRow.number)
                )
            ).all()
        if not rows:
            raise UnknownTerm(f"no term {concept_id}")
        return [
            Version(
                row.number,
                UserId(row.author_id),
                row.at,
                row.change,
                term_from_document(json.loads(row.snapshot)),
            )
            for row in rows
        ]

    async def create(self, author: UserId, term: Term) -> StoredTerm:
        """A new term at version 1; its entries must be drafts unless ``author`` is a reviewer."""
        await self.import_terms(author, [term], "created")
        return await self.term(term.concept_id)

    async def import_terms(self, author: UserId, terms: Sequence[Term], change: str) -> int:
        """Add every term, each at version 1, in one transaction: all of them or, on any refusal, none."""
        at = self._clock.now()
        try:
            async with self._writing() as session:
                editor = Editor(author, await is_reviewer(session, author))
                existing = set(await session.scalars(select(TermRow.id)))
                check_new_terms(editor, terms, existing)
                if terms:
                    await session.execute(
                        insert(TermRow),
                        [
                            {
                                "id": t.concept_id,
                                "subject_field": t.subject_field,
                                "note": t.note,
                                "version": 1,
                                "updated_at": at,
                            }
                            for t in terms
                        ],
                    )
                    await _write_entries(session, terms)
                    await _write_versions(session, [(Revision(t, change), 1) for t in terms], author, at)
        except IntegrityError:
            # Another import or creation of one of these concepts committed first.
            raise DuplicateTerm("one of these concepts was added meanwhile; nothing was imported") from None
        return len(terms)

    async def update(
        self,
        author: UserId,
        concept_id: str,
        base_version: int,
        subject_field: str,
        note: str | None,
        entries: Sequence[EntryText],
    ) -> StoredTerm:
        """Save the term whole as ``author`` wrote it, on top of ``base_version``: one new version, or
        none when nothing changed; a changed wording sends that entry back to draft."""
        try:
            async with self._writing() as session:
                number = await _claim(session, concept_id, base_version)
                current = (await _load(session, [concept_id]))[0].term
                revision = revise(current, subject_field, note, entries)
                if revision is None:
                    raise _Unchanged
                await self._save(session, revision, number, author)
        except _Unchanged:
            pass
        return await self.term(concept_id)

    async def set_status(
        self,
        author: UserId,
        concept_id: str,
        language: str,
        status: ReviewStatus,
        base_version: int | None = None,
    ) -> StoredTerm:
        """Move one entry through review; only a granted reviewer may (sending back to draft too)."""
        async with self._writing() as session:
            if not await is_reviewer(session, author):
                raise ReviewerRequired("only a reviewer moves translations through review")
            number = await _claim(session, concept_id, base_version)
            current = (await _load(session, [concept_id]))[0].term
            revision = with_status(Editor(author, may_review=True), current, language, status)
            await self._save(session, revision, number, author)
        return await self.term(concept_id)

    def _writing(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self._db.write_transaction()  # SQLite's write lock first; PostgreSQL's row locks do the rest

    async def _save(self, session: AsyncSession, revision: Revision, number: int, author: UserId) -> None:
        at = self._clock.now()
        term = revision.term
        await session.execute(
            update(TermRow)
            .where(TermRow.id == term.concept_id)
            .values(subject_field=term.subject_field, note=term.note, updated_at=at)
        )
        await session.execute(delete(TermEntryRow).where(TermEntryRow.term_id == term.concept_id))
        await _write_entries(session, [term])
        await _write_versions(session, [(revision, number)], author, at)


async def _claim(session: AsyncSession, concept_id: str, base: int | None) -> int:
    """Move the term on to its next version number, before reading it, so that on PostgreSQL its row is
    held until the transaction ends; with ``base``, only if that is still the newest."""
    condition = TermRow.id == concept_id
    if base is not None:
        condition &= TermRow.version == base
    moved = await session.execute(update(TermRow).where(condition).values(version=TermRow.version + 1))
    if getattr(moved, "rowcount", 0) == 1:
        return int(await session.scalar(select(TermRow.version).where(TermRow.id == concept_id)) or 0)
    current = await session.scalar(select(TermRow.version).where(TermRow.id == concept_id))
    if current is None:
        raise UnknownTerm(f"no term {concept_id}")
    raise TermChanged(concept_id, base or 0, current)


async def _load(session: AsyncSession, concept_ids: Sequence[str] | None) -> list[StoredTerm]:
    terms = select(TermRow).order_by(TermRow.id)
    entries = select(TermEntryRow).order_by(TermEntryRow.term_id, TermEntryRow.position)
    if concept_ids is not None:
        terms = terms.where(TermRow.id.in_(concept_ids))
        entries = entries.where(TermEntryRow.term_id.in_(concept_ids))
    by_term: dict[str, list[TermEntry]] = {}
    for row in await session.scalars(entries):
        by_term.setdefault(row.term_id, []).append(
            TermEntry(
                row.language,
                row.text,
                row.provenance,
                ReviewStatus(row.status),
                PartOfSpeech(row.part_of_speech) if row.part_of_speech is not None else None,
                row.definition,
            )
        )
    return [
        StoredTerm(
            Term(row.id, row.subject_field, tuple(by_term.get(row.id, ())), row.note),
            row.version,
            row.updated_at,
        )
        for row in await session.scalars(terms)
    ]


async def _write_entries(session: AsyncSession, terms: Iterable[Term]) -> None:
    rows = [
        {
            "term_id": term.concept_id,
            "language": e.language,
            "position": position,
            "text": e.text,
            "part_of_speech": e.part_of_speech,
            "definition": e.definition,
            "provenance": e.provenance,
            "status": e.status,
        }
        for term in terms
        for position, e in enumerate(term.entries)
    ]
    if rows:
        await session.execute(insert(TermEntryRow), rows)


async def _write_versions(
    session: AsyncSession, revisions: Sequence[tuple[Revision, int]], author: UserId, at: datetime
) -> None:
    await session.execute(
        insert(TermVersionRow),
        [
            {
                "term_id": revision.term.concept_id,
                "number": number,
                "author_id": author,
                "at": at,
                "change": revision.change,
                "snapshot": json.dumps(term_document(revision.term), ensure_ascii=False),
            }
            for revision, number in revisions
        ],
    )


# Rank, best first, as ``glossary.search`` ranks phrases.
_WHOLE, _WORD_START, _INSIDE, _SPACES_IGNORED, _NO_MATCH = range(5)


def _rank(key: str, compact: str, text: str) -> int:
    text_key = search_key(text)
    if key == text_key:
        return _WHOLE
    if text_key.startswith(key) or f" {key}" in text_key:
        return _WORD_START
    if key in text_key:
        return _INSIDE
    if compact in compact_key(text):
        return _SPACES_IGNORED
    return _NO_MATCH
