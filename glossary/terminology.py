"""Terms shared by interpreters and caseworkers: one concept, a term per language, and a history in which
every change is a new immutable version saying who changed what and when. In memory; storage comes later."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from core.ids import UserId
from glossary.errors import DuplicateTerm, TermInvalid, UnknownTerm
from glossary.languages import LANGUAGE_TAGS
from glossary.review import Editor, ReviewStatus, check_may_set, check_review

_CONCEPT_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")  # an XML NCName, so it can be a TBX id


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
        if not self.entries:
            raise TermInvalid(f"{self.concept_id} needs a term in at least one language")
        languages = [entry.language for entry in self.entries]
        if len(set(languages)) != len(languages):
            raise TermInvalid(f"{self.concept_id} has two entries for one language")

    def entry(self, language: str) -> TermEntry | None:
        return next((entry for entry in self.entries if entry.language == language), None)


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
        seen: set[str] = set()
        for term in terms:
            if term.concept_id in self._histories or term.concept_id in seen:
                raise DuplicateTerm(f"concept {term.concept_id} already exists")
            seen.add(term.concept_id)
            for entry in term.entries:
                check_may_set(editor, entry.status)
        for term in terms:
            self._histories[term.concept_id] = []
            self._record(editor, term, change)

    def describe(self, editor: Editor, concept_id: str, subject_field: str, note: str | None) -> Version:
        current = self.term(concept_id)
        return self._record(
            editor, replace(current, subject_field=subject_field, note=note), "concept described"
        )

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
        current = self.term(concept_id)
        before = current.entry(language)
        entry = TermEntry(language, text, provenance, ReviewStatus.DRAFT, part_of_speech, definition)
        if before is not None and replace(before, status=ReviewStatus.DRAFT) == entry:
            return self._history(concept_id)[-1]  # nothing changed: no new version
        if before is None:
            entries, change = (*current.entries, entry), f"{language} added"
        else:
            entries = tuple(entry if e.language == language else e for e in current.entries)
            change = f"{language} edited, back to draft"
        return self._record(editor, replace(current, entries=entries), change)

    def remove_entry(self, editor: Editor, concept_id: str, language: str) -> Version:
        current = self.term(concept_id)
        if current.entry(language) is None:
            raise UnknownTerm(f"{concept_id} has no {language} term")
        entries = tuple(e for e in current.entries if e.language != language)
        return self._record(editor, replace(current, entries=entries), f"{language} removed")

    def set_status(self, editor: Editor, concept_id: str, language: str, status: ReviewStatus) -> Version:
        """Move one language's entry through review; ``review.REVIEW_TRANSITIONS`` says where it may go."""
        current = self.term(concept_id)
        entry = current.entry(language)
        if entry is None:
            raise UnknownTerm(f"{concept_id} has no {language} term")
        check_review(editor, entry.status, status)
        entries = tuple(replace(e, status=status) if e is entry else e for e in current.entries)
        return self._record(
            editor, replace(current, entries=entries), f"{language} {entry.status} to {status}"
        )

    def _history(self, concept_id: str) -> list[Version]:
        history = self._histories.get(concept_id)
        if history is None:
            raise UnknownTerm(f"no term {concept_id}")
        return history

    def _record(self, editor: Editor, term: Term, change: str) -> Version:
        history = self._histories[term.concept_id]
        version = Version(len(history) + 1, editor.user_id, self._clock.now(), change, term)
        history.append(version)
        return version
