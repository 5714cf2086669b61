"""CSV export and import: a round trip loses nothing; a malformed file is refused with line and reason."""

from __future__ import annotations

import pytest

from glossary.csv_io import HEADER, export_csv, import_csv
from glossary.errors import ImportRefused
from tests.glossary.terms_fixture import TERMS


def test_export_import_export_reproduces_the_same_terms_and_text() -> None:
    exported = export_csv(TERMS)
    assert import_csv(exported) == TERMS
    assert export_csv(import_csv(exported)) == exported


def test_one_row_per_term_entry_under_the_documented_header() -> None:
    lines = export_csv(TERMS).split("\r\n")
    assert lines[0] == ",".join(HEADER)
    assert lines[1].startswith(
        "asylum,asylum law,Not the same as temporary protection; see <subsidiary protection>"
    )


GOOD_ROW = "asylum,law,,en,asylum,noun,,RRIS,draft"
HEAD = ",".join(HEADER)


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("concept,term\r\n" + GOOD_ROW, 1, "the header must be"),
        (f"{HEAD}\r\n{GOOD_ROW}\r\nasylum,law,,ps,پناه,noun,,RRIS\r\n", 3, "expected 9 columns, found 8"),
        (f"{HEAD}\r\n{GOOD_ROW}\r\nasylum,law,,xx,x,,,RRIS,draft\r\n", 3, "unknown language tag 'xx'"),
        (f"{HEAD}\r\n{GOOD_ROW}\r\nasylum,law,,ps,پناه,,,RRIS,final\r\n", 3, "unknown review status 'final'"),
        (f"{HEAD}\r\n{GOOD_ROW}\r\nasylum,law,,en,asylum,,,RRIS,draft\r\n", 3, "a second en term"),
        (
            f'{HEAD}\r\nasylum,law,,en,asylum,,"two\r\nlines",RRIS,draft\r\nrefugee,law,,en,refugee,,,RRIS,draft\r\n'
            f"{GOOD_ROW.replace('en,', 'ps,')}\r\n",
            5,
            "appears again after other concepts",
        ),
        (
            f"{HEAD}\r\n{GOOD_ROW}\r\nasylum,medicine,,ps,پناه,,,RRIS,draft\r\n",
            3,
            "subject field or note differs",
        ),
        (f"{HEAD}\r\n{GOOD_ROW}\r\nasylum,law,,ps,,,,RRIS,draft\r\n", 3, "a term needs text"),
        (f"{HEAD}\r\n{GOOD_ROW}\r\nasylum,law,,ps,پناه,noun,,,draft\r\n", 3, "needs its provenance"),
        (f"{HEAD}\r\n1bad,law,,en,x,,,RRIS,draft\r\n", 2, "concept id"),
        (f'{HEAD}\r\nasylum,law,,en,"unclosed,,,RRIS,draft\r\n', 2, "malformed CSV"),
        ("", 1, "empty"),
    ],
)
def test_a_malformed_file_is_refused_whole_with_the_line_and_reason(
    text: str, line: int, reason: str
) -> None:
    with pytest.raises(ImportRefused) as refused:
        import_csv(text)
    assert (refused.value.line, reason in refused.value.reason) == (line, True), refused.value.reason
