"""TBX-Basic export and import: a round trip loses nothing, every export passes the dialect's published rules,
each rule is enforced on its own, and a malformed or unsupported file is refused whole, line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from glossary.errors import ImportRefused
from glossary.review import ReviewStatus
from glossary.tbx import export_tbx, import_tbx, validate_tbx_basic
from glossary.terminology import PartOfSpeech, Term, TermEntry
from tests.glossary.terms_fixture import TERMS

FULL_SHAPE = (Path(__file__).parent / "tbx_basic_full_shape.tbx").read_bytes()
PROPER_NOUN = Term(
    "geneva_convention",
    "asylum law",
    (TermEntry("en", "Geneva Convention", "RRIS", ReviewStatus.REVIEWED, PartOfSpeech.PROPER_NOUN),),
)


def test_export_import_export_reproduces_the_same_terms_and_bytes() -> None:
    exported = export_tbx(TERMS)
    assert import_tbx(exported) == TERMS
    assert export_tbx(import_tbx(exported)) == exported


def test_the_export_of_every_field_passes_tbx_basic_and_names_the_published_schemas() -> None:
    exported = export_tbx([*TERMS, PROPER_NOUN])
    assert validate_tbx_basic(exported) == []
    lines = exported.decode().splitlines()
    assert lines[1].startswith(
        '<?xml-model href="https://raw.githubusercontent.com/LTAC-Global/TBX-Basic_dialect'
    )
    assert lines[1].endswith(
        'TBX-Basic_integrated.rng" type="application/xml" schematypens="http://relaxng.org/ns/structure/1.0"?>'
    )
    assert lines[2].endswith(
        'TBX-Basic_DCA.sch" type="application/xml" schematypens="http://purl.oclc.org/dsdl/schematron"?>'
    )
    assert lines[3] == '<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">'
    assert b"<sourceDesc>" in exported
    assert b'<langSec xml:lang="ps">' in exported
    assert b'<termNote type="partOfSpeech">noun</termNote>' in exported


def test_a_proper_noun_goes_out_as_a_noun_with_a_note_and_comes_back() -> None:
    exported = export_tbx([PROPER_NOUN])
    assert b'<termNote type="partOfSpeech">noun</termNote>' in exported
    assert b"<note>part-of-speech: properNoun</note>" in exported
    assert b">properNoun</termNote>" not in exported
    assert validate_tbx_basic(exported) == []
    assert import_tbx(exported) == [PROPER_NOUN]


def test_an_empty_terminology_has_no_valid_tbx_basic_form_and_is_not_imported() -> None:
    exported = export_tbx([])
    assert validate_tbx_basic(exported) == ["line 16: <body> needs at least one <conceptEntry>"]
    with pytest.raises(ImportRefused, match="needs at least one <conceptEntry>"):
        import_tbx(exported)


# A small valid file of our own, every element on its own line, that each case below breaks in one way.
BASE = """<?xml version="1.0" encoding="UTF-8"?>
<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">
<tbxHeader>
<fileDesc>
<titleStmt>
<title>T</title>
</titleStmt>
<sourceDesc>
<p>S</p>
</sourceDesc>
</fileDesc>
</tbxHeader>
<text>
<body>
<conceptEntry id="c1">
<descrip type="subjectField">law</descrip>
<note>N</note>
<langSec xml:lang="en">
<descrip type="definition">D</descrip>
<termSec>
<term>asylum</term>
<termNote type="partOfSpeech">noun</termNote>
<admin type="source">RRIS</admin>
<note>review-status: draft</note>
</termSec>
</langSec>
</conceptEntry>
</body>
</text>
</tbx>
"""
TERM_SEC_END = "<note>review-status: draft</note>\n</termSec>"
LANG_SEC_START = '<langSec xml:lang="en">\n<descrip type="definition">D</descrip>'
FILE_DESC = BASE[BASE.index("<fileDesc>") : BASE.index("</tbxHeader>")]
BODY = BASE[BASE.index("<body>") : BASE.index("</text>")]


def test_the_base_file_of_the_rule_cases_is_valid_and_imports() -> None:
    assert validate_tbx_basic(BASE.encode()) == []
    [term] = import_tbx(BASE.encode())
    assert (term.concept_id, term.entries[0].part_of_speech) == ("c1", PartOfSpeech.NOUN)


def termnote(kind: str, value: str) -> tuple[str, str]:
    part_of_speech = '<termNote type="partOfSpeech">noun</termNote>'
    return part_of_speech, f'{part_of_speech}\n<termNote type="{kind}">{value}</termNote>'


# (rule, old, new, message): each ``new`` breaks exactly one published rule, reported on the line it starts.
RULE_CASES = [
    # Schematron dialectEnforcement
    ("dialect type", 'type="TBX-Basic"', 'type="TBX-Min"', '<tbx> needs type="TBX-Basic"'),
    ("dialect style", 'style="dca"', 'style="dct"', '<tbx> needs style="dca"'),
    (
        "dca: TBX namespace only",
        "<note>N</note>",
        '<x:note xmlns:x="urn:other">N</x:note>',
        "outside the TBX",
    ),
    # RNG attributes
    ("tbx xml:lang", ' xml:lang="en" xmlns', " xmlns", "<tbx> needs xml:lang"),
    ("langSec xml:lang", '<langSec xml:lang="en">', "<langSec>", "<langSec> needs xml:lang"),
    (
        "attribute not allowed",
        '<langSec xml:lang="en">',
        '<langSec xml:lang="en" id="l1">',
        "may not carry id",
    ),
    ("data category declared", '<descrip type="subjectField">', "<descrip>", "<descrip> needs type"),
    ("xref target", "<note>N</note>", '<xref type="xGraphic">pic</xref>', "<xref> needs target"),
    ("id is a name", 'id="c1"', 'id="1c"', "id '1c' is not an XML name"),
    ("id unique", "<termSec>", '<termSec id="c1">', "id c1 appears twice"),
    (
        "target is an id",
        '<termNote type="partOfSpeech">',
        '<termNote target="nowhere" type="partOfSpeech">',
        "refers to id 'nowhere'",
    ),
    (
        "xref target is a web URI",
        "<note>N</note>",
        '<xref type="xGraphic" target="file:///x.png">pic</xref>',
        "is not an http(s) URI",
    ),
    ("xml:lang is a tag", "<note>N</note>", '<note xml:lang="not a tag">N</note>', "is not a language tag"),
    # RNG type values
    (
        "descrip types",
        'type="definition"',
        'type="explanation"',
        '<descrip type="explanation"> is not TBX-Basic',
    ),
    ("termNote types", 'type="partOfSpeech"', 'type="usageNote"', '<termNote type="usageNote"> is not'),
    ("admin types", 'type="source"', 'type="responsibility"', '<admin type="responsibility"> is not'),
    (
        "ref types",
        "<note>N</note>",
        '<ref type="crossReference">x</ref>',
        '<ref type="crossReference"> is not',
    ),
    (
        "adminNote has no types",
        '<admin type="source">RRIS</admin>',
        '<admin type="source">RRIS</admin>\n<adminGrp>\n<admin type="customerSubset">C</admin>\n'
        '<adminNote type="x">y</adminNote>\n</adminGrp>',
        "(permitted: none)",
    ),
    # Schematron coreEnforecement: a declared data category is not blank
    ("type not empty", "<p>S</p>", '<p type="">S</p>', "<p> has an empty type"),
    # RNG content models: required elements, order, number, text
    ("root in the ISO namespace", "30042:ed-2", "30042:ed:3.0", "the root must be <tbx> in namespace"),
    ("tbxHeader", FILE_DESC, "", "<tbxHeader> needs <fileDesc>"),
    ("sourceDesc", "<sourceDesc>\n<p>S</p>\n</sourceDesc>", "", "<fileDesc> needs at least one <sourceDesc>"),
    ("sourceDesc p", "<p>S</p>", "", "<sourceDesc> needs at least one <p>"),
    (
        "titleStmt children",
        "<title>T</title>",
        "<title>T</title>\n<name>T</name>",
        "<name> is not allowed in <titleStmt>",
    ),
    ("body", BODY, "<back/>", "<text> needs <body> before <back>"),
    (
        "conceptEntry langSec",
        "<note>N</note>\n<langSec",
        "<note>N</note>\n</conceptEntry>\n<conceptEntry>\n<langSec",
        "<conceptEntry> needs at least one <langSec>",
    ),
    (
        "langSec termSec",
        LANG_SEC_START,
        LANG_SEC_START + '\n</langSec>\n<langSec xml:lang="fr">',
        "<langSec> needs at least one <termSec>",
    ),
    ("term first", "<term>asylum</term>\n", "", "<termSec> needs <term> before <termNote>"),
    (
        "one term",
        "<term>asylum</term>",
        "<term>asylum</term>\n<term>asile</term>",
        "<termSec> may hold only one <term>",
    ),
    (
        "termNotes before notes",
        TERM_SEC_END,
        TERM_SEC_END.replace("\n", '\n<termNote type="termType">variant</termNote>\n'),
        "<termNote> is out of order in <termSec>",
    ),
    (
        "langSec after concept notes",
        "</langSec>",
        "</langSec>\n<note>late</note>",
        "<note> is out of order in <conceptEntry>",
    ),
    (
        "no stray text",
        '<conceptEntry id="c1">',
        '<conceptEntry id="c1">stray',
        "text is not allowed directly in <conceptEntry>",
    ),
    (
        "transacGrp starts with transac",
        "<note>N</note>",
        "<transacGrp>\n<date>2025-01-01</date>\n</transacGrp>",
        "<transacGrp> needs <transac> before <date>",
    ),
    (
        "date",
        "<note>N</note>",
        '<transacGrp>\n<transac type="transactionType">origination</transac>\n'
        "<date>2025-02-30</date>\n</transacGrp>",
        "<date> '2025-02-30' is not a date",
    ),
    # Schematron coreEnforecement: termNote only at termSec level
    (
        "termNote level",
        LANG_SEC_START,
        LANG_SEC_START + '\n<termNote type="termType">variant</termNote>',
        "<termNote> is not allowed in <langSec>",
    ),
    # Schematron module.min.admin / module.basic.admin
    (
        "customerSubset level",
        LANG_SEC_START,
        LANG_SEC_START + '\n<admin type="customerSubset">X</admin>',
        "customerSubset may only appear at the conceptEntry or termSec level, not in <langSec>",
    ),
    (
        "projectSubset level",
        TERM_SEC_END,
        TERM_SEC_END.replace("\n", '\n<adminGrp>\n<admin type="projectSubset">P</admin>\n</adminGrp>\n'),
        "projectSubset may only appear at the conceptEntry or termSec level, not in <adminGrp>",
    ),
    (
        "source level",
        TERM_SEC_END,
        TERM_SEC_END.replace("\n", '\n<adminGrp>\n<admin type="source">S</admin>\n</adminGrp>\n'),
        "source may only appear at the conceptEntry or langSec or termSec level, not in <adminGrp>",
    ),
    # Schematron module.min.descrip / module.basic.descrip
    (
        "subjectField level",
        LANG_SEC_START,
        LANG_SEC_START + '\n<descrip type="subjectField">law</descrip>',
        "subjectField may only appear at the conceptEntry level, not in <langSec>",
    ),
    (
        "context level",
        LANG_SEC_START,
        LANG_SEC_START + '\n<descrip type="context">C</descrip>',
        "context may only appear at the termSec level, not in <langSec>",
    ),
    (
        "definition level",
        TERM_SEC_END,
        TERM_SEC_END.replace("\n", '\n<descrip type="definition">D</descrip>\n'),
        "definition may only appear at the conceptEntry or langSec level, not in <termSec>",
    ),
    # Schematron module.basic.ref / module.basic.xref
    (
        "relatedConcept level",
        TERM_SEC_END,
        TERM_SEC_END.replace("\n", '\n<ref type="relatedConcept" target="c1">c1</ref>\n'),
        "relatedConcept may only appear at the conceptEntry level, not in <termSec>",
    ),
    (
        "relatedTerm level",
        "<note>N</note>",
        '<ref type="relatedTerm" target="c1">c1</ref>',
        "relatedTerm may only appear at the termSec level, not in <conceptEntry>",
    ),
    (
        "externalCrossReference level",
        LANG_SEC_START,
        LANG_SEC_START + '\n<xref type="externalCrossReference" target="https://example.org">e</xref>',
        "externalCrossReference may only appear at the conceptEntry or termSec level, not in <langSec>",
    ),
    (
        "xGraphic level",
        TERM_SEC_END,
        TERM_SEC_END.replace("\n", '\n<xref type="xGraphic" target="https://example.org/a.png">a</xref>\n'),
        "xGraphic may only appear at the conceptEntry or langSec level, not in <termSec>",
    ),
    # Schematron picklists
    (
        "partOfSpeech picklist",
        ">noun<",
        ">properNoun<",
        "partOfSpeech 'properNoun' is not in TBX-Basic's picklist",
    ),
    (
        "administrativeStatus picklist",
        *termnote("administrativeStatus", "preferred"),
        "administrativeStatus 'preferred' is not",
    ),
    (
        "grammaticalGender picklist",
        *termnote("grammaticalGender", "common"),
        "grammaticalGender 'common' is not in",
    ),
    ("termLocation picklist", *termnote("termLocation", "button"), "termLocation 'button' is not in"),
    ("termType picklist", *termnote("termType", "synonym"), "termType 'synonym' is not in"),
    (
        "transactionType picklist",
        "<note>N</note>",
        '<transacGrp>\n<transac type="transactionType">deletion</transac>\n</transacGrp>',
        "transactionType 'deletion' is not in",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "message"), [case[1:] for case in RULE_CASES], ids=[c[0] for c in RULE_CASES]
)
def test_a_file_breaking_one_rule_is_reported_for_that_rule_on_its_line(
    old: str, new: str, message: str
) -> None:
    assert BASE.count(old) == 1
    broken = BASE.replace(old, new).encode()
    [problem] = validate_tbx_basic(broken)
    assert message in problem
    changed = next(
        i
        for i, (a, b) in enumerate(zip(BASE.splitlines(), broken.decode().splitlines(), strict=False))
        if a != b
    )
    first, last = changed + 1, changed + 1 + new.count("\n")
    line = int(problem.split(":")[0].removeprefix("line "))
    assert line <= last
    assert line >= first or " needs " in problem  # a missing child is reported on its parent's line
    with pytest.raises(ImportRefused, match=r"^line "):
        import_tbx(broken)


def test_a_file_in_the_shape_of_the_published_example_is_valid_and_refused_at_what_rris_cannot_keep() -> None:
    assert validate_tbx_basic(FULL_SHAPE) == []
    with pytest.raises(ImportRefused) as refused:
        import_tbx(FULL_SHAPE)
    assert str(refused.value) == (
        "line 18: <transacGrp> in <conceptEntry> is valid TBX-Basic but RRIS does not import it"
    )


# The published example's shape (prologue, header with publicationStmt, tab indentation) holding only what
# RRIS maps: it imports, its terms as drafts since it carries no review-status notes.
MAPPED_SHAPE = FULL_SHAPE.decode()
MAPPED_SHAPE = (
    MAPPED_SHAPE[: MAPPED_SHAPE.index("\t\t\t<conceptEntry")]
    + """\t\t\t<conceptEntry id="reception_centre">
\t\t\t\t<descrip type="subjectField">reception</descrip>
\t\t\t\t<note>Where people stay while their claim is registered.</note>
\t\t\t\t<langSec xml:lang="en">
\t\t\t\t\t<descrip type="definition">A facility housing applicants on arrival.</descrip>
\t\t\t\t\t<termSec>
\t\t\t\t\t\t<term>reception centre</term>
\t\t\t\t\t\t<termNote type="partOfSpeech">noun</termNote>
\t\t\t\t\t\t<admin type="source">Sample glossary</admin>
\t\t\t\t\t</termSec>
\t\t\t\t</langSec>
\t\t\t\t<langSec xml:lang="fr">
\t\t\t\t\t<termSec>
\t\t\t\t\t\t<term>centre d'accueil</term>
\t\t\t\t\t\t<admin type="source">Sample glossary</admin>
\t\t\t\t\t</termSec>
\t\t\t\t</langSec>
\t\t\t</conceptEntry>
\t\t</body>
\t</text>
</tbx>
"""
)


def test_the_same_shape_with_only_the_categories_rris_maps_imports_as_drafts() -> None:
    data = MAPPED_SHAPE.encode()
    assert validate_tbx_basic(data) == []

    [term] = import_tbx(data)

    assert term == Term(
        "reception_centre",
        "reception",
        (
            TermEntry(
                "en",
                "reception centre",
                "Sample glossary",
                ReviewStatus.DRAFT,
                PartOfSpeech.NOUN,
                "A facility housing applicants on arrival.",
            ),
            TermEntry("fr", "centre d'accueil", "Sample glossary", ReviewStatus.DRAFT),
        ),
        note="Where people stay while their claim is registered.",
    )


def replace_in_export(old: str, new: str) -> bytes:
    exported = export_tbx(TERMS).decode()
    assert old in exported
    return exported.replace(old, new, 1).encode()


def line_of(data: bytes, needle: str) -> int:
    """The line of the last occurrence: the replaced text, when it also occurs earlier (a duplicate id)."""
    return data.decode()[: data.decode().rindex(needle)].count("\n") + 1


OTHER = '<termNote type="partOfSpeech">other</termNote>'


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("</body>", "</bodyy>", "not well-formed XML"),
        ('<langSec xml:lang="ps">', '<langSec xml:lang="xx">', "unknown language tag 'xx'"),
        ("review-status: reviewed", "review-status: final", "unknown review status"),
        ('id="interpreter"', 'id="asylum"', "id asylum appears twice"),
        ("<term>ተርጓሚ</term>", "", "<termSec> needs <term>"),
        ('<conceptEntry id="interpreter">', "<conceptEntry>", "<conceptEntry> needs an id"),
        ("<title>RRIS terminology</title>", "<name>RRIS</name>", "<name> is not allowed in <titleStmt>"),
        # valid TBX-Basic that RRIS refuses rather than keep in part
        (
            OTHER,
            OTHER + '\n<termNote type="termType">fullForm</termNote>',
            '<termNote type="termType"> in <termSec> is valid TBX-Basic but RRIS does not import it',
        ),
        (
            "<term>interpreter</term>",
            '<term>inter<hi type="italics">preter</hi></term>',
            "<hi> markup inside <term>",
        ),
        ("<note>review-status: approved</note>", "<note>see also</note>", "a note on a term is kept only as"),
        (
            '<descrip type="subjectField">procedure</descrip>',
            '<descrip type="subjectField">procedure</descrip>\n<descrip type="subjectField">law</descrip>',
            "a second <descrip:subjectField> in <conceptEntry>",
        ),
        (
            "</termSec>",
            "</termSec>\n<termSec><term>x</term></termSec>",
            "en: RRIS keeps one termSec per language",
        ),
    ],
)
def test_a_malformed_or_unsupported_file_is_refused_whole_with_the_line_and_reason(
    old: str, new: str, reason: str
) -> None:
    data = replace_in_export(old, new)
    with pytest.raises(ImportRefused) as refused:
        import_tbx(data)
    assert reason in refused.value.reason
    if new and "body" not in new:
        assert refused.value.line == line_of(
            data, new.split("\n")[-1] if "termSec" not in new else "<termSec><term>x"
        )
    assert str(refused.value).startswith(f"line {refused.value.line}: ")


def test_a_part_of_speech_note_refines_only_a_noun() -> None:
    exported = export_tbx([PROPER_NOUN]).replace(b">noun</termNote>", b">verb</termNote>")
    with pytest.raises(ImportRefused, match="'part-of-speech: properNoun' does not refine a noun"):
        import_tbx(exported)


def test_entities_and_dtds_are_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE tbx [<!ENTITY a "aaaa">]><tbx>&a;</tbx>'
    with pytest.raises(ImportRefused, match="refused XML feature"):
        import_tbx(bomb)
