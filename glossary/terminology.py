"""Terms shared by interpreters and caseworkers: one concept, a term per language, and a history in which
every change is a new immutable version saying who changed what and when.

The rules are pure functions from a term to its next revision (``revise``, ``with_entry``, ``with_status``,
...); ``Terminology`` keeps histories in memory and ``term_store.TermStore`` in the database, both through
them."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from core.ids import UserId
from glossary.errors import DuplicateTerm, TermInvalid, UnknownTerm
from glossary.languages import LANGUAGE_TAGS
from glossary.review import Editor, ReviewStatus, check_may_set, check_review

_CONCEPT_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")  # an XML NCName, so it can be a TBX id
# Bounds on every field, so a stored term fits its columns and an import cannot hold a megabyte "term".
MAX_CONCEPT_ID = 100
MAX_SUBJECT_FIELD = 200
MAX_TEXT = 500  # a term, or its provenance
MAX_PROSE = 4000  # a definition or a concept's note


class PartOfSpeech(StrEnum):
    """TBX-Basic's picklist for partOfSpeech."""

    NOUN = "noun"
    VERB = "verb"
    ADJECTIVE = "adjective"
    ADVERB = "adverb"
    PROPER_NOUN = "properNoun"
    OTHER = "other"


@dataclass(frozen=True)
class TermEntry:
    """A concept's term in one language."""

    language: str
    text: str
    provenance: str
    status: ReviewStatus = ReviewStatus.DRAFT
    part_of_speech: PartOfSpeech | None = None
    definition: str | None = None

    def __post_init__(self) -> None:
        if self.language not in LANGUAGE_TAGS:
            raise TermInvalid(f"unknown language tag {self.language!r}")
        if not self.text.strip():
            raise TermInvalid("a term needs text")
        if not self.provenance.strip():
            raise TermInvalid("a term needs its provenance")
        if self.definition is not None and not self.definition.strip():
            raise TermInvalid("a definition, when given, needs text")
        _check_length("a term", self.text, MAX_TEXT)
        _check_length("a provenance", self.provenance, MAX_TEXT)
        _check_length("a definition", self.definition, MAX_PROSE)


@dataclass(frozen=True)
class Term:
    """A concept with its entries, at most one per language, in the order they were added."""

    concept_id: str
    subject_field: str
    entries: tuple[TermEntry, ...]
    note: str | None = None

    def __post_init__(self) -> None:
        if not _CONCEPT_ID.match(self.concept_id):
            raise TermInvalid(
                f"concept id {self.concept_id!r} must start with a letter, then letters, digits, _.-"
            )
        if not self.subject_field.strip():
            raise TermInvalid("a term needs a subject field")
        _check_length("a subject field", self.subject_field, MAX_SUBJECT_FIELD)
        _check_length("a note", self.note, MAX_PROSE)
        if not self.entries:
            raise TermInvalid(f"{self.concept_id} needs a term in at least one language")
        languages = [entry.language for entry in self.entries]
        if len(set(languages)) != len(languages):
            raise TermInvalid(f"{self.concept_id} has two entries for one language")

    def entry(self, language: str) -> TermEntry | None:
        return next((entry for entry in self.entries if entry.language == language), None)


def _check_length(what: str, text: str | None, limit: int) -> None:
    if text is not None and len(text) > limit:
        raise TermInvalid(f"{what} is at most {limit} characters")


@dataclass(frozen=True)
class Revision:
    """A term after one change, and the change in words, for the version that records it."""

    term: Term
    change: str


@dataclass(frozen=True)
class EntryText:
    """What an editor writes for one language; the review status is not theirs to set."""

    language: str
    text: str
    provenance: str
    part_of_speech: PartOfSpeech | None = None
    definition: str | None = None


def check_new_terms(editor: Editor, terms: Iterable[Term], existing: Container[str]) -> None:
    """Raise unless every term is new (and appears once) and ``editor`` may bring in its statuses."""
    seen: set[str] = set()
    for term in terms:
        if term.concept_id in existing or term.concept_id in seen:
            raise DuplicateTerm(f"concept {term.concept_id} already exists")
        seen.add(term.concept_id)
        for entry in term.entries:
            check_may_set(editor, entry.status)


def new_term(concept_id: str, subject_field: str, note: str | None, entries: Iterable[EntryText]) -> Term:
    """A term as an editor creates it: every entry a draft."""
    drafts = tuple(
        TermEntry(e.language, e.text, e.provenance, ReviewStatus.DRAFT, e.part_of_speech, e.definition)
        for e in entries
    )
    return Term(concept_id, subject_field, drafts, note)


def described(current: Term, subject_field: str, note: str | None) -> Revision | None:
    """The concept with a new subject field and note; ``None`` when they are what it has."""
    if (current.subject_field, current.note) == (subject_field, note):
        return None
    return Revision(replace(current, subject_field=subject_field, note=note), "concept described")


def with_entry(current: Term, written: EntryText) -> Revision | None:
    """Add or edit a language's term; any change of wording sends it back to draft for review.

    ``None`` when the entry already reads exactly so: saving unchanged makes no version.
    """
    before = current.entry(written.language)
    entry = TermEntry(
        written.language,
        written.text,
        written.provenance,
        ReviewStatus.DRAFT,
        written.part_of_speech,
        written.definition,
    )
    if before is not None and replace(before, status=ReviewStatus.DRAFT) == entry:
        return None
    if before is None:
        return Revision(replace(current, entries=(*current.entries, entry)), f"{written.language} added")
    entries = tuple(entry if e.language == written.language else e for e in current.entries)
    return Revision(replace(current, entries=entries), f"{written.language} edited, back to draft")


def without_entry(current: Term, language: str) -> Revision:
    if current.entry(language) is None:
        raise UnknownTerm(f"{current.concept_id} has no {language} term")
    entries = tuple(e for e in current.entries if e.language != language)
    return Revision(replace(current, entries=entries), f"{language} removed")


def with_status(editor: Editor, current: Term, language: str, status: ReviewStatus) -> Revision:
    """Move one language's entry through review; ``review.REVIEW_TRANSITIONS`` says where it may go."""
    entry = current.entry(language)
    if entry is None:
        raise UnknownTerm(f"{current.concept_id} has no {language} term")
    check_review(editor, entry.status, status)
    entries = tuple(replace(e, status=status) if e is entry else e for e in current.entries)
    return Revision(replace(current, entries=entries), f"{language} {entry.status} to {status}")


def revise(
    current: Term, subject_field: str, note: str | None, entries: Sequence[EntryText]
) -> Revision | None:
    """The term as an editor saves it whole: one revision for all of it, ``None`` if nothing changed.

    Entries keep their place (new languages go last) and, unless their wording changed, their status;
    a language left out is removed.
    """
    if not entries:
        raise TermInvalid(f"{current.concept_id} needs a term in at least one language")
    languages = [written.language for written in entries]
    if len(set(languages)) != len(languages):
        raise TermInvalid(f"{current.concept_id} has two entries for one language")
    term, changes = current, []
    revision = described(term, subject_field, note)
    if revision is not None:
        term, changes = revision.term, [revision.change]
    for written in entries:
        revision = with_entry(term, written)
        if revision is not None:
            term, changes = revision.term, [*changes, revision.change]
    # Removed after the rest is in, so the term keeps a language at every step.
    for gone in [e.language for e in current.entries if e.language not in languages]:
        revision = without_entry(term, gone)
        term, changes = revision.term, [*changes, revision.change]
    return Revision(term, "; ".join(changes)) if changes else None


@dataclass(frozen=True)
class Version:
    """One change to a term, and the term as it stood after it."""

    number: int
    author_id: UserId
    at: datetime
    change: str
    term: Term


class Now(Protocol):
    def now(self) -> datetime: ...


class Terminology:
    """All terms and their histories; each method checks first and changes only when everything holds."""

    def __init__(self, clock: Now) -> None:
        self._clock = clock
        self._histories: dict[str, list[Version]] = {}

    def terms(self) -> list[Term]:
        return [history[-1].term for history in self._histories.values()]

    def term(self, concept_id: str) -> Term:
        return self._history(concept_id)[-1].term

    def history(self, concept_id: str) -> tuple[Version, ...]:
        return tuple(self._history(concept_id))

    def add_term(self, editor: Editor, term: Term) -> Version:
        self.import_terms(editor, [term])
        return self._histories[term.concept_id][-1]

    def import_terms(self, editor: Editor, terms: Iterable[Term], change: str = "created") -> None:
        """Add new terms all at once, or none of them; their entries keep the statuses they bring."""
        terms = list(terms)
        check_new_terms(editor, terms, self._histories)
        for term in terms:
            self._histories[term.concept_id] = []
            self._record(editor, Revision(term, change))

    def describe(self, editor: Editor, concept_id: str, subject_field: str, note: str | None) -> Version:
        return self._record(editor, described(self.term(concept_id), subject_field, note), concept_id)

    def set_entry(
        self,
        editor: Editor,
        concept_id: str,
        language: str,
        text: str,
        provenance: str,
        part_of_speech: PartOfSpeech | None = None,
        definition: str | None = None,
    ) -> Version:
        """Add or edit a language's term; any change of wording sends it back to draft for review."""
        written = EntryText(language, text, provenance, part_of_speech, definition)
        return self._record(editor, with_entry(self.term(concept_id), written), concept_id)

    def remove_entry(self, editor: Editor, concept_id: str, language: str) -> Version:
        return self._record(editor, without_entry(self.term(concept_id), language))

    def set_status(self, editor: Editor, concept_id: str, language: str, status: ReviewStatus) -> Version:
        """Move one language's entry through review; ``review.REVIEW_TRANSITIONS`` says where it may go."""
        return self._record(editor, with_status(editor, self.term(concept_id), language, status))

    def _history(self, concept_id: str) -> list[Version]:
        history = self._histories.get(concept_id)
        if history is None:
            raise UnknownTerm(f"no term {concept_id}")
        return history

    def _record(self, editor: Editor, revision: Revision | None, concept_id: str = "") -> Version:
        if revision is None:
            return self._history(concept_id)[-1]  # nothing changed: no new version
        history = self._histories[revision.term.concept_id]
        version = Version(len(history) + 1, editor.user_id, self._clock.now(), revision.change, revision.term)
        history.append(version)
        return version
