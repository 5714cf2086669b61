"""Terms that exercise every field, script and awkward character, for the TBX and CSV round trips."""

from __future__ import annotations

from glossary.review import ReviewStatus
from glossary.terminology import PartOfSpeech, Term, TermEntry

TERMS = [
    Term(
        "asylum",
        "asylum law",
        (
            TermEntry(
                "en",
                "asylum",
                "UNHCR glossary",
                ReviewStatus.APPROVED,
                PartOfSpeech.NOUN,
                'Protection a state grants, "in law",\non its territory, to a person fleeing persecution.',
            ),
            TermEntry(
                "ps", "پناه", "RRIS seed draft, machine-assisted", ReviewStatus.DRAFT, PartOfSpeech.NOUN
            ),
            TermEntry("fa", "پناهندگی", "RRIS", ReviewStatus.REVIEWED, None, "حمایتی که یک کشور می‌دهد."),
            TermEntry("sr-Latn", "azil", "RRIS", ReviewStatus.DRAFT),
        ),
        note="Not the same as temporary protection; see <subsidiary protection> & others.",
    ),
    Term(
        "interpreter",
        "procedure",
        (
            TermEntry("en", "interpreter", "RRIS", ReviewStatus.APPROVED, PartOfSpeech.NOUN),
            TermEntry("ti", "ተርጓሚ", "RRIS", ReviewStatus.DRAFT, PartOfSpeech.NOUN),
            TermEntry("ckb", "وەرگێڕ", "RRIS", ReviewStatus.DRAFT),
            TermEntry("bn", "দোভাষী", "RRIS", ReviewStatus.DRAFT, PartOfSpeech.OTHER, "  spaces kept  "),
        ),
    ),
]
