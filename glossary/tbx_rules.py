"""TBX-Basic's published rules, checked in our own code: what ``validate_tbx_basic`` enforces on any TBX
file, and what ``glossary.tbx`` runs before it imports one.

The rules come from LTAC-Global/TBX-Basic_dialect, the stored versions of ``DCA/TBX-Basic_DCA.sch``
(commit aac6951) and ``DCA/TBXcoreStructV03_TBX-Basic_integrated.rng`` (commit 6510f51): the dialect after
its 1.2 release, namespace ``urn:iso:std:iso:30042:ed-2``. (Older versions in that repository used the
pre-ISO namespace ``urn:iso:std:iso:30042:ed:3.0`` and ``ref type="crossReference"``; 1.2 itself already had
ed-2.) ``validate_tbx_basic`` checks, in our own code:

* from the RNG: every element's content model (which children, in which order, how many; ``tbxHeader``,
  ``fileDesc``/``sourceDesc``, ``text``/``body`` and at least one ``conceptEntry``, ``langSec`` and
  ``termSec``, ``term`` first in a ``termSec``), which attributes each element may and must carry, the
  ``type`` values each data-category element allows (adminNote and descripNote allow none), ``xml:lang``
  required on ``tbx`` and ``langSec`` and a language tag where it is optional, ``id`` an NCName and unique,
  ``target`` naming an ``id`` in the file (an ``http(s)://`` URI on ``xref``), ``date`` an xsd:date, no text
  directly inside structural elements, inline elements only where the RNG allows them;
* from the Schematron: ``coreEnforecement`` (termNote only in a termSec, no empty ``type``),
  ``dialectEnforcement`` (``type="TBX-Basic"``, ``style="dca"``, every element in the TBX namespace),
  ``module.min.*`` and ``module.basic.*`` (where customerSubset, projectSubset, source, subjectField,
  context, definition, relatedConcept, relatedTerm, externalCrossReference and xGraphic may appear, and the
  picklists of administrativeStatus, partOfSpeech, grammaticalGender, termLocation, termType and
  transactionType). Where the published XPath and its message disagree we follow the XPath, which is what a
  Schematron processor runs: an ``adminGrp`` written without its prefix matches nothing, so projectSubset may
  not sit in an ``adminGrp`` and customerSubset only in one inside a ``termSec``.

Not checked: the Schematron's ``XLIFF.inlineConstraints`` (sc/ec pairing and ``isolated``) and the values of
inline attributes (``disp``, ``equiv``, ``subType``): RRIS writes no inline markup and refuses it on import;
whether an ``xml:lang`` tag is registered in BCP 47 (the RNG asks only for its shape); xsd:anyURI beyond the
``https?://`` pattern. A terminology with no terms has no valid TBX-Basic form (``body`` needs a
``conceptEntry``): its export is reported by the check and refused by the import.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import date
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from glossary.errors import ImportRefused

NAMESPACE = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
N = f"{{{NAMESPACE}}}"  # the namespace as ElementTree writes it in front of a tag

# --- RNG: content models. Each is a sequence of groups (names, least, most), matched in order. -----------
_Group = tuple[frozenset[str], int, int | None]
_AUX = frozenset({"descrip", "descripGrp", "admin", "adminGrp", "transacGrp", "note", "ref", "xref"})
_LINK = frozenset({"admin", "adminGrp", "transacGrp", "note", "ref", "xref"})  # entity.noteLinkInfo
_INLINE = frozenset({"hi", "foreign", "sc", "ec", "ph"})  # entity.noteText
_GROUPS = frozenset({"descripGrp", "adminGrp", "transacGrp", "termNoteGrp", "itemGrp"})


def _one(name: str, least: int = 1) -> _Group:
    return frozenset({name}), least, 1


def _any(names: Iterable[str], least: int = 0) -> _Group:
    return frozenset(names), least, None


_CONTENT: dict[str, tuple[_Group, ...]] = {
    "tbx": (_one("tbxHeader"), _one("text")),
    "tbxHeader": (_one("fileDesc"), _one("encodingDesc", 0), _one("revisionDesc", 0)),
    "fileDesc": (_one("titleStmt", 0), _one("publicationStmt", 0), _any({"sourceDesc"}, 1)),
    "titleStmt": (_one("title"), _any({"note"})),
    "revisionDesc": (_any({"change"}, 1),),
    "text": (_one("body"), _one("back", 0)),
    "body": (_any({"conceptEntry"}, 1),),
    "back": (_any({"refObjectSec"}),),
    "refObjectSec": (_any({"refObject"}, 1),),
    "refObject": (_any({"itemSet", "itemGrp", "item"}, 1),),
    "itemSet": (_any({"item", "itemGrp"}, 1),),
    "itemGrp": (_one("item"), _any(_LINK)),
    "conceptEntry": (_any(_AUX), _any({"langSec"}, 1)),
    "langSec": (_any(_AUX), _any({"termSec"}, 1)),
    "termSec": (_one("term"), _any({"termNote", "termNoteGrp"}), _any(_AUX)),
    "termNoteGrp": (_one("termNote"), _any(_LINK)),
    "descripGrp": (_one("descrip"), _any(_LINK | {"descripNote"})),
    "adminGrp": (_one("admin"), _any({"adminNote", "note", "ref", "xref"})),
    "transacGrp": (_one("transac"), _any({"transacNote", "date", "note", "ref", "xref"})),
    "term": (_any({"hi"}),),
    **{name: (_any({"p"}, 1),) for name in ("publicationStmt", "sourceDesc", "encodingDesc", "change")},
    **{name: (_any(_INLINE),) for name in ("note", "descrip", "admin", "termNote", "p", "item", "foreign")},
}
# Elements whose content may hold text; every other one holds elements only (sc, ec, ph: nothing at all).
_TEXT = {"term", "title", "transac", "transacNote", "ref", "xref", "date", "adminNote", "descripNote", "hi"}
_TEXT |= {"note", "descrip", "admin", "termNote", "p", "item", "foreign"}

# --- RNG: attributes each element may carry, and those it must. ----------------------------------------
_ID = frozenset({"id"})
_ID_LANG = frozenset({"id", XML_LANG})
_CATEGORY = frozenset({XML_LANG, "id", "target", "datatype", "type", "module"})
_NONE: frozenset[str] = frozenset()
_ATTRIBUTES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "tbx": (frozenset({"type", "style", XML_LANG}), frozenset({"type", "style", XML_LANG})),
    "langSec": (frozenset({XML_LANG}), frozenset({XML_LANG})),
    "p": (_ID_LANG | {"type"}, _NONE),
    "xref": (frozenset({"id", "target", "type", "module"}), frozenset({"target", "type"})),
    "refObjectSec": (frozenset({"id", "type"}), frozenset({"type"})),
    "item": (frozenset({"id", "type"}), _NONE),
    "itemSet": (frozenset({"id", "type"}), _NONE),
    "hi": (frozenset({"target", XML_LANG, "type"}), _NONE),
    "sc": (frozenset({"id", "disp", "equiv", "subType", "type", "target", "isolated"}), _ID),
    "ec": (frozenset({"id", "startRef", "disp", "equiv", "subType", "type", "isolated", "target"}), _NONE),
    "ph": (frozenset({"id", "disp", "equiv", "subType", "type"}), _NONE),
    **{name: (_ID_LANG, _NONE) for name in ("titleStmt", "title", "sourceDesc", "revisionDesc", "change")},
    **{name: (_ID_LANG, _NONE) for name in ("note", "foreign")},
    **{
        name: (_CATEGORY, frozenset({"type"}))
        for name in (
            "admin",
            "descrip",
            "termNote",
            "transac",
            "transacNote",
            "ref",
            "adminNote",
            "descripNote",
        )
    },
    **{
        name: (_ID, _NONE)
        for name in (
            *(
                "tbxHeader",
                "fileDesc",
                "publicationStmt",
                "encodingDesc",
                "text",
                "body",
                "back",
                "refObject",
            ),
            *("itemGrp", "conceptEntry", "termSec", "term", "date", "descripGrp", "adminGrp", "transacGrp"),
            "termNoteGrp",
        )
    },
}
# The RNG's "type" values per data-category element (the *.types defines); adminNote and descripNote
# have none but the empty one, which the Schematron's coreEnforecement forbids.
_TYPES: dict[str, frozenset[str]] = {
    "admin": frozenset({"customerSubset", "projectSubset", "source"}),
    "descrip": frozenset({"context", "definition", "subjectField"}),
    "termNote": frozenset(
        {"administrativeStatus", "grammaticalGender", "geographicalUsage", "partOfSpeech"}
        | {"termLocation", "termType"}
    ),
    "ref": frozenset({"relatedConcept", "relatedTerm"}),
    "transac": frozenset({"transactionType"}),
    "transacNote": frozenset({"responsibility"}),
    "xref": frozenset({"externalCrossReference", "xGraphic"}),
    "adminNote": _NONE,
    "descripNote": _NONE,
    "hi": frozenset({"entailedTerm", "hotkey", "italics", "bold", "superscript", "subscript", "math"}),
}
_NCNAME = re.compile(r"^[^\W\d][\w.\-\u00b7]*$")  # xsd:NCName, near enough: a letter or _, then name chars
_LANGUAGE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")  # xsd:language
_HTTP = re.compile(r"^https?://.+$")  # the xref target pattern
_XSD_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?$")

# --- Schematron module.min.* / module.basic.*: where a data category may sit, as (element, type) ->
# (levels it may sit in directly, groups it may sit in, levels those groups may sit in).
_CONCEPT, _LANG, _TERM = "conceptEntry", "langSec", "termSec"
_PLACES: dict[tuple[str, str], tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
    ("admin", "customerSubset"): (frozenset({_CONCEPT, _TERM}), frozenset({"adminGrp"}), frozenset({_TERM})),
    ("admin", "projectSubset"): (frozenset({_CONCEPT, _TERM}), _NONE, _NONE),
    ("admin", "source"): (
        frozenset({_CONCEPT, _LANG, _TERM}),
        frozenset({"descripGrp"}),
        frozenset({_CONCEPT, _LANG, _TERM}),
    ),
    ("descrip", "subjectField"): (frozenset({_CONCEPT}), frozenset({"descripGrp"}), frozenset({_CONCEPT})),
    ("descrip", "context"): (frozenset({_TERM}), frozenset({"descripGrp"}), frozenset({_TERM})),
    ("descrip", "definition"): (
        frozenset({_CONCEPT, _LANG}),
        frozenset({"descripGrp"}),
        frozenset({_CONCEPT, _LANG}),
    ),
    ("ref", "relatedConcept"): (frozenset({_CONCEPT}), _GROUPS, frozenset({_CONCEPT})),
    ("ref", "relatedTerm"): (frozenset({_TERM}), _GROUPS, frozenset({_TERM})),
    ("xref", "externalCrossReference"): (frozenset({_CONCEPT, _TERM}), _GROUPS, frozenset({_CONCEPT, _TERM})),
    ("xref", "xGraphic"): (frozenset({_CONCEPT, _LANG}), _NONE, _NONE),
}
# Schematron module.min.termNote, module.basic.termNote, module.basic.transac: the picklists.
_PICKLISTS = {
    "administrativeStatus": frozenset(
        {
            "preferredTerm-admn-sts",
            "admittedTerm-admn-sts",
            "deprecatedTerm-admn-sts",
            "supersededTerm-admn-sts",
        }
    ),
    "partOfSpeech": frozenset({"adjective", "noun", "other", "verb", "adverb"}),
    "grammaticalGender": frozenset({"masculine", "feminine", "neuter", "other"}),
    "termLocation": frozenset(
        {"checkBox", "comboBox", "comboBoxElement", "dialogBox", "groupBox", "informativeMessage"}
        | {"interactiveMessage", "menuItem", "progressBar", "pushButton", "radioButton", "slider"}
        | {"spinBox", "tab", "tableText", "textBox", "toolTip", "user-definedType"}
    ),
    "termType": frozenset({"fullForm", "acronym", "abbreviation", "shortForm", "variant", "phrase"}),
    "transactionType": frozenset({"origination", "modification"}),
}


def validate_tbx_basic(data: bytes) -> list[str]:
    """The ways ``data`` breaks TBX-Basic's published rules, each as "line N: reason"."""
    try:
        root, lines = parse(data)
    except ImportRefused as refused:
        return [str(refused)]
    return [f"line {line}: {reason}" for line, reason in problems(root, lines)]


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


def parse(data: bytes) -> tuple[ET.Element, dict[ET.Element, int]]:
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


def local(element: ET.Element) -> str | None:
    return element.tag[len(N) :] if element.tag.startswith(N) else None


def problems(root: ET.Element, lines: dict[ET.Element, int]) -> list[tuple[int, str]]:
    if local(root) != "tbx":
        return [(lines[root], f"the root must be <tbx> in namespace {NAMESPACE}")]
    problems: list[tuple[int, str]] = []
    # Schematron dialectEnforcement, rule context tbx:tbx.
    for attribute, expected in (("type", "TBX-Basic"), ("style", "dca")):
        if attribute in root.attrib and root.get(attribute) != expected:
            problems.append((lines[root], f'<tbx> needs {attribute}="{expected}"'))
    parents = {child: parent for parent in root.iter() for child in parent}
    ids = {element.get("id") for element in root.iter()} - {None}
    seen: set[str | None] = set()
    for element in root.iter():
        line = lines[element]
        name = local(element)
        if name is None:  # Schematron dialectEnforcement, rule context "*": no DCT-style or foreign elements
            problems.append((line, f"element {element.tag} is outside the TBX namespace {NAMESPACE}"))
            continue
        if name not in _ATTRIBUTES:
            continue  # reported as a child its parent does not allow
        element_id = element.get("id")
        if element_id is not None and element_id in seen:
            problems.append((line, f"id {element_id} appears twice"))
        seen.add(element_id)
        problems += [(line, reason) for reason in _attribute_problems(element, name, ids)]
        problems += _content_problems(element, name, lines)
        problems += [(line, reason) for reason in _category_problems(element, name, parents)]
    return problems


def _attribute_problems(element: ET.Element, name: str, ids: set[str | None]) -> list[str]:
    """The RNG's attribute lists and datatypes, and the Schematron's non-empty type."""
    allowed, required = _ATTRIBUTES[name]
    problems = [f"<{name}> needs {_shown(a)}" for a in sorted(required) if a not in element.attrib]
    problems += [f"<{name}> may not carry {_shown(a)}" for a in element.attrib if a not in allowed]
    value = element.attrib.get
    if value("id") is not None and not _NCNAME.match(value("id", "")):
        problems.append(f"id {value('id')!r} is not an XML name")
    if (
        name not in ("tbx", "langSec")
        and value(XML_LANG) is not None
        and not _LANGUAGE.match(value(XML_LANG, ""))
    ):
        problems.append(f"xml:lang {value(XML_LANG)!r} on <{name}> is not a language tag")
    target = value("target")
    if target is not None and name == "xref" and not _HTTP.match(target):
        problems.append(f"<xref> target {target!r} is not an http(s) URI")
    for reference in (target, value("startRef")):
        if reference is not None and name != "xref" and reference not in ids:
            problems.append(f"<{name}> refers to id {reference!r}, which is not in the file")
    kind = value("type")
    if kind == "":  # Schematron coreEnforecement, rule context tbx:*[@type]
        problems.append(f"<{name}> has an empty type: the data category must be declared")
    elif name in _TYPES and kind is not None and kind not in _TYPES[name]:
        permitted = ", ".join(sorted(_TYPES[name])) or "none"
        problems.append(f'<{name} type="{kind}"> is not TBX-Basic (permitted: {permitted})')
    return problems


def _shown(attribute: str) -> str:
    return "xml:lang" if attribute == XML_LANG else attribute


def _content_problems(element: ET.Element, name: str, lines: dict[ET.Element, int]) -> list[tuple[int, str]]:
    """The RNG's content model for ``name``: children in order and number, and where text may stand."""
    line = lines[element]
    problems: list[tuple[int, str]] = []
    texts = [(element, element.text)] + [(child, child.tail) for child in element]
    stray = [anchor for anchor, text in texts if text and text.strip()]
    if name not in _TEXT and stray:  # reported where the text starts: in the element, or after a child
        problems.append((lines[stray[0]], f"text is not allowed directly in <{name}>"))
    if name == "date" and not _is_date(element.text or ""):
        problems.append((line, f"<date> {element.text!r} is not a date (YYYY-MM-DD)"))
    groups = _CONTENT.get(name, ())
    known = frozenset().union(*(names for names, _, _ in groups))
    index, count = 0, 0
    for child in element:
        child_name = local(child)
        if child_name is None:
            continue  # reported for itself
        if child_name not in known:
            problems.append((lines[child], f"<{child_name}> is not allowed in <{name}>"))
            continue
        later = [i for i in range(index, len(groups)) if child_name in groups[i][0]]
        if not later:  # allowed earlier in the sequence, not after what came before it
            problems.append((lines[child], f"<{child_name}> is out of order in <{name}>"))
            continue
        for skipped in groups[index : later[0]]:
            if count < skipped[1]:
                problems.append((lines[child], f"<{name}> needs {_needs(skipped)} before <{child_name}>"))
            count = 0
        index = later[0]
        count += 1
        most = groups[index][2]
        if most is not None and count > most:
            problems.append((lines[child], f"<{name}> may hold only one <{child_name}>"))
    for group in groups[index:]:
        if count < group[1]:
            problems.append((line, f"<{name}> needs {_needs(group)}"))
        count = 0
    return problems


def _needs(group: _Group) -> str:
    names = " or ".join(f"<{n}>" for n in sorted(group[0]))
    return names if group[2] == 1 else f"at least one {names}"


def _is_date(text: str) -> bool:
    match = _XSD_DATE.match(text.strip())
    if match is None:
        return False
    try:
        date.fromisoformat(match.group(1))
    except ValueError:
        return False
    return True


def _category_problems(element: ET.Element, name: str, parents: dict[ET.Element, ET.Element]) -> list[str]:
    """The Schematron's placement rules and picklists for one data-category element."""
    kind = element.get("type", "")
    problems: list[str] = []
    place = _PLACES.get((name, kind))
    if place is not None:
        levels, groups, group_levels = place
        parent = parents.get(element)
        parent_name = local(parent) if parent is not None else None
        grandparent = parents.get(parent) if parent is not None else None
        in_group = parent_name in groups and grandparent is not None and local(grandparent) in group_levels
        if parent_name not in levels and not in_group:
            where = " or ".join(sorted(levels))
            problems.append(f"{kind} may only appear at the {where} level, not in <{parent_name}>")
    picklist = _PICKLISTS.get(kind) if name in ("termNote", "transac") else None
    if picklist is not None and (element.text or "") not in picklist:
        problems.append(
            f"{kind} {element.text!r} is not in TBX-Basic's picklist ({', '.join(sorted(picklist))})"
        )
    return problems
