"""TBX-Basic export and import: a round trip loses nothing; a malformed file is refused, line and reason."""

from __future__ import annotations

import pytest

from glossary.errors import ImportRefused
from glossary.tbx import export_tbx, import_tbx, validate_tbx_basic
from tests.glossary.terms_fixture import TERMS


def test_export_import_export_reproduces_the_same_terms_and_bytes() -> None:
    exported = export_tbx(TERMS)
    assert import_tbx(exported) == TERMS
    assert export_tbx(import_tbx(exported)) == exported


def test_the_export_is_tbx_basic_with_its_required_header_and_root() -> None:
    exported = export_tbx(TERMS)
    assert validate_tbx_basic(exported) == []
    assert b'<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">' in exported
    assert b"<sourceDesc>" in exported
    assert b'<langSec xml:lang="ps">' in exported
    assert b'<termNote type="partOfSpeech">noun</termNote>' in exported


def replace_in_export(old: str, new: str) -> bytes:
    exported = export_tbx(TERMS).decode()
    assert old in exported
    return exported.replace(old, new, 1).encode()


def line_of(data: bytes, needle: str) -> int:
    """The line of the last occurrence: the replaced text, when it also occurs earlier (a duplicate id)."""
    return data.decode()[: data.decode().rindex(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("</body>", "</bodyy>", "not well-formed XML"),
        ('<langSec xml:lang="ps">', '<langSec xml:lang="xx">', "unknown language tag 'xx'"),
        ("review-status: reviewed", "review-status: final", "unknown review status"),
        ('id="interpreter"', 'id="asylum"', "conceptEntry id asylum appears twice"),
        ("<term>ተርጓሚ</term>", "", "<termSec> starts with exactly one <term>"),
        (
            '<termNote type="partOfSpeech">noun</termNote>',
            '<termNote type="partOfSpeech">name</termNote>',
            "picklist",
        ),
        ("<title>RRIS terminology</title>", "<name>RRIS</name>", "<name> is not allowed in <titleStmt>"),
    ],
)
def test_a_malformed_file_is_refused_whole_with_the_line_and_reason(old: str, new: str, reason: str) -> None:
    data = replace_in_export(old, new)
    with pytest.raises(ImportRefused) as refused:
        import_tbx(data)
    assert reason in refused.value.reason
    if new and "body" not in new:
        assert refused.value.line == line_of(data, new)
    assert str(refused.value).startswith(f"line {refused.value.line}: ")


def test_the_validator_reports_missing_required_elements() -> None:
    no_body = replace_in_export("<body>", "<back>").replace(b"</body>", b"</back>")
    assert "line 2: missing required text/body" in validate_tbx_basic(no_body)
    wrong_dialect = replace_in_export('type="TBX-Basic"', 'type="TBX-Min"')
    assert validate_tbx_basic(wrong_dialect) == ['line 2: <tbx> needs type="TBX-Basic"']


def test_entities_and_dtds_are_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE tbx [<!ENTITY a "aaaa">]><tbx>&a;</tbx>'
    with pytest.raises(ImportRefused, match="refused XML feature"):
        import_tbx(bomb)
