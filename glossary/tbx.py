"""Terminology in and out as TBX-Basic (ISO 30042:2019, DCA style), the exchange format terminology tools
read, and a check of a file against TBX-Basic's published rules.

Mapping: ``conceptEntry@id`` is the concept id; ``descrip type="subjectField"`` and one ``note`` describe the
concept; per language a ``langSec`` with the ``descrip type="definition"`` and one ``termSec``: ``term``,
``termNote type="partOfSpeech"``, ``admin type="source"`` for the provenance and a ``note`` reading
``review-status: draft|reviewed|approved`` (TBX-Basic has no review-status data category; a note is what
the dialect allows). TBX-Basic's partOfSpeech picklist has no ``properNoun``: a proper noun goes out as
``noun`` with a second note, ``part-of-speech: properNoun``, so the round trip keeps it. The file opens with
``xml-model`` processing instructions naming the published RELAX NG and Schematron, as the dialect's
examples do. Files are parsed with defusedxml: no entities, no DTDs.

The check of a file against TBX-Basic's published rules is :mod:`glossary.tbx_rules`.

``import_tbx`` reads what RRIS maps and refuses, naming the line, valid TBX-Basic that it cannot keep
whole: ``transacGrp``, ``descripGrp``, ``adminGrp``, ``termNoteGrp``, ``ref``, ``xref``, ``back``, termNotes
other than partOfSpeech, context, customerSubset, projectSubset, a source or definition elsewhere than
above, more than one ``termSec`` in a language, other notes on a term, and inline markup. A term without a
review-status note comes in as a draft.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from glossary.errors import ImportRefused, TermInvalid
from glossary.languages import LANGUAGE_TAGS
from glossary.review import ReviewStatus
from glossary.tbx_rules import NAMESPACE, XML_LANG, N, local, parse, problems, validate_tbx_basic
from glossary.terminology import PartOfSpeech, Term, TermEntry

__all__ = ["NAMESPACE", "export_tbx", "import_tbx", "validate_tbx_basic"]

_PUBLISHED = "https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect/master/DCA/"
_PROLOGUE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<?xml-model href="{_PUBLISHED}TBXcoreStructV03_TBX-Basic_integrated.rng" type="application/xml"'
    ' schematypens="http://relaxng.org/ns/structure/1.0"?>\n'
    f'<?xml-model href="{_PUBLISHED}TBX-Basic_DCA.sch" type="application/xml"'
    ' schematypens="http://purl.oclc.org/dsdl/schematron"?>\n'
)
_STATUS_PREFIX = "review-status: "
_POS_PREFIX = "part-of-speech: "


def export_tbx(terms: Iterable[Term], title: str = "RRIS terminology") -> bytes:
    root = ET.Element("tbx", {"type": "TBX-Basic", "style": "dca", XML_LANG: "en", "xmlns": NAMESPACE})
    file_desc = ET.SubElement(ET.SubElement(root, "tbxHeader"), "fileDesc")
    ET.SubElement(ET.SubElement(file_desc, "titleStmt"), "title").text = title
    ET.SubElement(ET.SubElement(file_desc, "sourceDesc"), "p").text = "Exported from RRIS"
    body = ET.SubElement(ET.SubElement(root, "text"), "body")
    for term in terms:
        concept = ET.SubElement(body, "conceptEntry", {"id": term.concept_id})
        ET.SubElement(concept, "descrip", {"type": "subjectField"}).text = term.subject_field
        if term.note is not None:
            ET.SubElement(concept, "note").text = term.note
        for entry in term.entries:
            lang_sec = ET.SubElement(concept, "langSec", {XML_LANG: entry.language})
            if entry.definition is not None:
                ET.SubElement(lang_sec, "descrip", {"type": "definition"}).text = entry.definition
            term_sec = ET.SubElement(lang_sec, "termSec")
            ET.SubElement(term_sec, "term").text = entry.text
            if entry.part_of_speech is not None:
                part = "noun" if entry.part_of_speech is PartOfSpeech.PROPER_NOUN else entry.part_of_speech
                ET.SubElement(term_sec, "termNote", {"type": "partOfSpeech"}).text = part
            ET.SubElement(term_sec, "admin", {"type": "source"}).text = entry.provenance
            ET.SubElement(term_sec, "note").text = _STATUS_PREFIX + entry.status
            if entry.part_of_speech is PartOfSpeech.PROPER_NOUN:
                ET.SubElement(term_sec, "note").text = _POS_PREFIX + PartOfSpeech.PROPER_NOUN
    ET.indent(root)
    return (_PROLOGUE + ET.tostring(root, encoding="unicode") + "\n").encode()


def import_tbx(data: bytes) -> list[Term]:
    """Every term in the file, or ``ImportRefused`` naming the line and the reason: never a part of them."""
    root, lines = parse(data)
    found = problems(root, lines)
    if found:
        line, reason = found[0]
        raise ImportRefused(line, reason)
    reader = _Reader(lines)
    terms: list[Term] = []
    seen: set[str] = set()
    for concept in root.iter(N + "conceptEntry"):
        term = reader.term(concept)
        if term.concept_id in seen:
            raise ImportRefused(lines[concept], f"concept id {term.concept_id} appears twice")
        seen.add(term.concept_id)
        terms.append(term)
    back = root.find(f"{N}text/{N}back")
    if back is not None:
        reader.unsupported(back, "text")
    return terms


class _Reader:
    """Reads the valid TBX-Basic RRIS maps to terms; refuses, naming the line, anything it cannot keep."""

    def __init__(self, lines: dict[ET.Element, int]) -> None:
        self.lines = lines

    def unsupported(self, element: ET.Element, parent: str) -> None:
        kind = f' type="{element.get("type")}"' if element.get("type") else ""
        raise ImportRefused(
            self.lines[element],
            f"<{local(element)}{kind}> in <{parent}> is valid TBX-Basic but RRIS does not import it",
        )

    def slots(self, parent: ET.Element, wanted: set[str]) -> dict[str, list[ET.Element]]:
        """The children of ``parent`` by "name" or "name:type", refusing any other and any inline markup."""
        found: dict[str, list[ET.Element]] = {}
        for child in parent:
            name = str(local(child))
            key = f"{name}:{child.get('type')}" if child.get("type") else name
            if key not in wanted:
                self.unsupported(child, str(local(parent)))
            if len(child) and name != "termSec" and name != "langSec":
                raise ImportRefused(
                    self.lines[child[0]],
                    f"<{local(child[0])}> markup inside <{name}>: RRIS keeps plain text",
                )
            found.setdefault(key, []).append(child)
        return found

    def single(self, found: dict[str, list[ET.Element]], key: str, parent: str) -> str | None:
        elements = found.get(key, [])
        if len(elements) > 1:
            raise ImportRefused(self.lines[elements[1]], f"a second <{key}> in <{parent}>: RRIS keeps one")
        return (elements[0].text or "") if elements else None

    def term(self, concept: ET.Element) -> Term:
        line = self.lines[concept]
        concept_id = concept.get("id")
        if not concept_id:
            raise ImportRefused(line, "<conceptEntry> needs an id: RRIS keys its terms by it")
        found = self.slots(concept, {"descrip:subjectField", "note", "langSec"})
        subject = self.single(found, "descrip:subjectField", "conceptEntry")
        if subject is None:
            raise ImportRefused(line, f"concept {concept_id} has no subjectField")
        note = self.single(found, "note", "conceptEntry")
        entries = tuple(self.entry(lang_sec) for lang_sec in found["langSec"])
        try:
            return Term(concept_id, subject, entries, note)
        except TermInvalid as error:
            raise ImportRefused(line, error.message) from None

    def entry(self, lang_sec: ET.Element) -> TermEntry:
        language = lang_sec.get(XML_LANG, "")
        if language not in LANGUAGE_TAGS:
            raise ImportRefused(self.lines[lang_sec], f"unknown language tag {language!r}")
        found = self.slots(lang_sec, {"descrip:definition", "termSec"})
        term_secs = found["termSec"]
        if len(term_secs) != 1:
            raise ImportRefused(
                self.lines[term_secs[1]],
                f"{language}: RRIS keeps one termSec per language, found {len(term_secs)}",
            )
        term_sec = term_secs[0]
        line = self.lines[term_sec]
        parts = self.slots(term_sec, {"term", "termNote:partOfSpeech", "admin:source", "note"})
        notes = parts.get("note", [])
        status_notes = [n for n in notes if (n.text or "").startswith(_STATUS_PREFIX)]
        pos_notes = [n for n in notes if (n.text or "").startswith(_POS_PREFIX)]
        for note in notes:
            if note not in status_notes[:1] and note not in pos_notes[:1]:
                raise ImportRefused(
                    self.lines[note],
                    f"{language}: a note on a term is kept only as '{_STATUS_PREFIX.strip()}'",
                )
        status = ReviewStatus.DRAFT
        if status_notes:
            status_text = (status_notes[0].text or "").removeprefix(_STATUS_PREFIX)
            try:
                status = ReviewStatus(status_text)
            except ValueError:
                raise ImportRefused(
                    self.lines[status_notes[0]], f"{language}: unknown review status {status_text!r}"
                ) from None
        part = self.single(parts, "termNote:partOfSpeech", "termSec")
        if pos_notes:
            refined = (pos_notes[0].text or "").removeprefix(_POS_PREFIX)
            if (part, refined) != ("noun", PartOfSpeech.PROPER_NOUN):
                raise ImportRefused(
                    self.lines[pos_notes[0]], f"{language}: '{_POS_PREFIX}{refined}' does not refine a noun"
                )
            part = refined
        try:
            return TermEntry(
                language=language,
                text=self.single(parts, "term", "termSec") or "",
                provenance=self.single(parts, "admin:source", "termSec") or "",
                status=status,
                part_of_speech=PartOfSpeech(part) if part is not None else None,
                definition=self.single(found, "descrip:definition", "langSec"),
            )
        except TermInvalid as error:
            raise ImportRefused(line, f"{language}: {error.message}") from None
