"""Terminology in and out as TBX-Basic (ISO 30042:2019, DCA style), the exchange format terminology tools
read, and a structural check of a file against TBX-Basic's rules.

Mapping: ``conceptEntry@id`` is the concept id, ``descrip type="subjectField"`` and a ``note`` describe the
concept; per language a ``langSec`` with the ``descrip type="definition"`` and one ``termSec``: ``term``,
``termNote type="partOfSpeech"``, ``admin type="source"`` for the provenance, and a ``note`` reading
``review-status: draft|reviewed|approved`` (TBX-Basic has no review-status data category; a note is what
the dialect allows). Files are parsed with defusedxml: no entities, no DTDs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from glossary.errors import ImportRefused, TermInvalid
from glossary.languages import LANGUAGE_TAGS
from glossary.review import ReviewStatus
from glossary.terminology import PartOfSpeech, Term, TermEntry

NAMESPACE = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_STATUS_PREFIX = "review-status: "
_N = f"{{{NAMESPACE}}}"

# What TBX-Basic allows where: element -> allowed children, and data-category types per element.
_CHILDREN = {
    "tbx": {"tbxHeader", "text"},
    "tbxHeader": {"fileDesc"},
    "fileDesc": {"titleStmt", "publicationStmt", "sourceDesc"},
    "titleStmt": {"title", "note"},
    "publicationStmt": {"p"},
    "sourceDesc": {"p"},
    "text": {"body", "back"},
    "body": {"conceptEntry"},
    "conceptEntry": {"descrip", "admin", "transacGrp", "note", "xref", "ref", "langSec"},
    "langSec": {"descrip", "descripGrp", "admin", "transacGrp", "note", "xref", "ref", "termSec"},
    "termSec": {"term", "termNote", "descrip", "admin", "transacGrp", "note", "xref", "ref"},
}
_TYPES = {
    ("conceptEntry", "descrip"): {"subjectField", "definition"},
    ("conceptEntry", "admin"): {"source", "customerSubset", "projectSubset"},
    ("langSec", "descrip"): {"definition"},
    ("langSec", "admin"): {"source"},
    ("termSec", "descrip"): {"context"},
    ("termSec", "admin"): {"source", "customerSubset", "projectSubset"},
    (
        "termSec",
        "termNote",
    ): {
        "partOfSpeech",
        "administrativeStatus",
        "termType",
        "grammaticalGender",
        "geographicalUsage",
        "termLocation",
    },
}
_PICKLISTS = {
    "partOfSpeech": {part.value for part in PartOfSpeech},
    "administrativeStatus": {
        "preferredTerm-admn-sts",
        "admittedTerm-admn-sts",
        "deprecatedTerm-admn-sts",
        "supersededTerm-admn-sts",
    },
}


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
                ET.SubElement(term_sec, "termNote", {"type": "partOfSpeech"}).text = entry.part_of_speech
            ET.SubElement(term_sec, "admin", {"type": "source"}).text = entry.provenance
            ET.SubElement(term_sec, "note").text = _STATUS_PREFIX + entry.status
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="unicode").encode()
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + document + b"\n"


def import_tbx(data: bytes) -> list[Term]:
    """Every term in the file, or ``ImportRefused`` naming the line and the reason: never a part of them."""
    root, lines = _parse(data)
    problems = _structure_problems(root, lines)
    if problems:
        line, reason = problems[0]
        raise ImportRefused(line, reason)
    terms: list[Term] = []
    seen: set[str] = set()
    for concept in root.iter(_N + "conceptEntry"):
        line = lines[concept]
        concept_id = concept.get("id", "")
        if concept_id in seen:
            raise ImportRefused(line, f"concept id {concept_id} appears twice")
        seen.add(concept_id)
        subject = _text_of(concept, "descrip", "subjectField")
        if subject is None:
            raise ImportRefused(line, f"concept {concept_id} has no subjectField")
        entries = [_entry(lang_sec, lines) for lang_sec in concept.findall(_N + "langSec")]
        try:
            terms.append(Term(concept_id, subject, tuple(entries), _text_of(concept, "note")))
        except TermInvalid as error:
            raise ImportRefused(line, error.message) from None
    return terms


def validate_tbx_basic(data: bytes) -> list[str]:
    """The ways ``data`` breaks TBX-Basic's structure and required elements, each as "line N: reason"."""
    try:
        root, lines = _parse(data)
    except ImportRefused as refused:
        return [str(refused)]
    return [f"line {line}: {reason}" for line, reason in _structure_problems(root, lines)]


def _entry(lang_sec: ET.Element, lines: dict[ET.Element, int]) -> TermEntry:
    line = lines[lang_sec]
    language = lang_sec.get(XML_LANG, "")
    if language not in LANGUAGE_TAGS:
        raise ImportRefused(line, f"unknown language tag {language!r}")
    term_secs = lang_sec.findall(_N + "termSec")
    if len(term_secs) != 1:
        raise ImportRefused(line, f"{language}: expected one termSec, found {len(term_secs)}")
    term_sec = term_secs[0]
    line = lines[term_sec]
    status_notes = [n for n in term_sec.findall(_N + "note") if (n.text or "").startswith(_STATUS_PREFIX)]
    if not status_notes:
        raise ImportRefused(line, f"{language}: no '{_STATUS_PREFIX.strip()}' note")
    status_text = (status_notes[0].text or "").removeprefix(_STATUS_PREFIX)
    try:
        status = ReviewStatus(status_text)
    except ValueError:
        raise ImportRefused(
            lines[status_notes[0]], f"{language}: unknown review status {status_text!r}"
        ) from None
    part = _text_of(term_sec, "termNote", "partOfSpeech")
    try:
        return TermEntry(
            language=language,
            text=_text_of(term_sec, "term") or "",
            provenance=_text_of(term_sec, "admin", "source") or "",
            status=status,
            part_of_speech=PartOfSpeech(part) if part is not None else None,
            definition=_text_of(lang_sec, "descrip", "definition"),
        )
    except TermInvalid as error:
        raise ImportRefused(line, f"{language}: {error.message}") from None


def _text_of(parent: ET.Element, tag: str, kind: str | None = None) -> str | None:
    for child in parent.findall(_N + tag):
        if kind is None or child.get("type") == kind:
            return child.text or ""
    return None


class _LineRecorder(ET.TreeBuilder):
    """Remembers the line each element starts on, so a refusal can name it."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[ET.Element, int] = {}
        self.parser: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = super().start(tag, attrs)
        self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


def _parse(data: bytes) -> tuple[ET.Element, dict[ET.Element, int]]:
    recorder = _LineRecorder()
    parser = DefusedXMLParser(target=recorder, forbid_dtd=True)
    recorder.parser = parser
    try:
        parser.feed(data)
        root: ET.Element = parser.close()
    except ET.ParseError as error:
        raise ImportRefused(error.position[0], f"not well-formed XML ({error.msg})") from None
    except DefusedXmlException as error:
        raise ImportRefused(1, f"refused XML feature: {type(error).__name__}") from None
    return root, recorder.lines


def _local(element: ET.Element) -> str | None:
    return element.tag[len(_N) :] if element.tag.startswith(_N) else None


def _structure_problems(root: ET.Element, lines: dict[ET.Element, int]) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    if _local(root) != "tbx":
        return [(lines[root], f"the root must be <tbx> in namespace {NAMESPACE}")]
    for attribute, expected in (("type", "TBX-Basic"), ("style", "dca")):
        if root.get(attribute) != expected:
            problems.append((lines[root], f'<tbx> needs {attribute}="{expected}"'))
    if not root.get(XML_LANG):
        problems.append((lines[root], "<tbx> needs xml:lang"))
    for path in ("tbxHeader/fileDesc/sourceDesc", "text/body"):
        if root.find("/".join(_N + part for part in path.split("/"))) is None:
            problems.append((lines[root], f"missing required {path}"))
    ids: set[str] = set()
    for element in root.iter():
        name, line = _local(element), lines[element]
        if name is None:
            problems.append((line, f"element {element.tag} is outside the TBX namespace"))
            continue
        problems += _element_problems(element, name, lines, ids)
    return problems


def _element_problems(
    element: ET.Element, name: str, lines: dict[ET.Element, int], ids: set[str]
) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    line = lines[element]
    children = [(child, _local(child)) for child in element]
    allowed = _CHILDREN.get(name, set())
    for child, child_name in children:
        if child_name is not None and child_name not in allowed:
            problems.append((lines[child], f"<{child_name}> is not allowed in <{name}>"))
        kinds = _TYPES.get((name, child_name or ""))
        if kinds is not None and child.get("type") not in kinds:
            problems.append(
                (lines[child], f"<{child_name} type={child.get('type')!r}> is not TBX-Basic in <{name}>")
            )
        picklist = _PICKLISTS.get(child.get("type", ""))
        if picklist is not None and (child.text or "") not in picklist:
            problems.append(
                (lines[child], f"{child.get('type')} {child.text!r} is not in TBX-Basic's picklist")
            )
    names = [child_name for _, child_name in children]
    if name == "conceptEntry":
        concept_id = element.get("id", "")
        if not concept_id:
            problems.append((line, "<conceptEntry> needs an id"))
        elif concept_id in ids:
            problems.append((line, f"conceptEntry id {concept_id} appears twice"))
        ids.add(concept_id)
        if "langSec" not in names:
            problems.append((line, "<conceptEntry> needs at least one <langSec>"))
    elif name == "langSec":
        if not element.get(XML_LANG):
            problems.append((line, "<langSec> needs xml:lang"))
        if "termSec" not in names:
            problems.append((line, "<langSec> needs at least one <termSec>"))
    elif name == "termSec" and (not names or names[0] != "term" or names.count("term") != 1):
        problems.append((line, "<termSec> starts with exactly one <term>"))
    elif name == "term" and not (element.text or "").strip():
        problems.append((line, "<term> is empty"))
    return problems
