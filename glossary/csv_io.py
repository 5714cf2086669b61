"""Terminology in and out as CSV, for the spreadsheet a coordinator already keeps.

One row per term entry, UTF-8, RFC 4180 quoting (so commas, quotes and line breaks in a definition survive),
with this header:

``concept_id,subject_field,concept_note,language,term,part_of_speech,definition,provenance,status``

A concept's rows follow one another and repeat its subject field and note. An empty ``concept_note``,
``part_of_speech`` or ``definition`` means none. An import is refused whole, naming the line and reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from glossary.errors import ImportRefused, TermInvalid
from glossary.review import ReviewStatus
from glossary.terminology import PartOfSpeech, Term, TermEntry

HEADER = (
    "concept_id",
    "subject_field",
    "concept_note",
    "language",
    "term",
    "part_of_speech",
    "definition",
    "provenance",
    "status",
)


def export_csv(terms: Iterable[Term]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for term in terms:
        for entry in term.entries:
            writer.writerow(
                (
                    term.concept_id,
                    term.subject_field,
                    term.note or "",
                    entry.language,
                    entry.text,
                    entry.part_of_speech or "",
                    entry.definition or "",
                    entry.provenance,
                    entry.status,
                )
            )
    return out.getvalue()


def import_csv(text: str) -> list[Term]:
    """Every term in the file, or ``ImportRefused`` naming the line and the reason: never a part of them."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    concepts: dict[str, tuple[int, str, str | None, list[TermEntry]]] = {}
    try:
        for row in reader:
            if reader.line_num == 1 and tuple(row) != HEADER:
                raise ImportRefused(1, f"the header must be {','.join(HEADER)}")
            if reader.line_num == 1:
                continue
            line = reader.line_num - _row_span(row) + 1
            if len(row) != len(HEADER):
                raise ImportRefused(line, f"expected {len(HEADER)} columns, found {len(row)}")
            concept_id, subject, note, language, term, part, definition, provenance, status = row
            entry = _entry(line, language, term, part, definition, provenance, status)
            if concept_id not in concepts:
                concepts[concept_id] = (line, subject, note or None, [])
            elif list(concepts)[-1] != concept_id:
                raise ImportRefused(line, f"concept {concept_id} appears again after other concepts")
            _, known_subject, known_note, entries = concepts[concept_id]
            if (subject, note or None) != (known_subject, known_note):
                raise ImportRefused(
                    line, f"concept {concept_id}: subject field or note differs from its first row"
                )
            if any(e.language == language for e in entries):
                raise ImportRefused(line, f"concept {concept_id} has a second {language} term")
            entries.append(entry)
    except csv.Error as error:
        raise ImportRefused(reader.line_num, f"malformed CSV ({error})") from None
    if reader.line_num == 0:
        raise ImportRefused(1, "the file is empty")
    terms = []
    for concept_id, (first_line, concept_subject, concept_note, concept_entries) in concepts.items():
        try:
            terms.append(Term(concept_id, concept_subject, tuple(concept_entries), concept_note))
        except TermInvalid as error:
            raise ImportRefused(first_line, error.message) from None
    return terms


def _row_span(row: list[str]) -> int:
    """How many physical lines a row took: quoted line breaks in its cells add to the first."""
    return 1 + sum(cell.count("\n") for cell in row)


def _entry(
    line: int, language: str, term: str, part: str, definition: str, provenance: str, status: str
) -> TermEntry:
    try:
        review_status = ReviewStatus(status)
    except ValueError:
        raise ImportRefused(line, f"unknown review status {status!r}") from None
    try:
        part_of_speech = PartOfSpeech(part) if part else None
    except ValueError:
        raise ImportRefused(line, f"unknown part of speech {part!r}") from None
    try:
        return TermEntry(language, term, provenance, review_status, part_of_speech, definition or None)
    except TermInvalid as error:
        raise ImportRefused(line, error.message) from None
