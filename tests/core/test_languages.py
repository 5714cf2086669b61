"""BCP 47 tags: validated against the registry, canonicalised, and matched by language, script and region."""

from __future__ import annotations

import pytest

from core.errors import InvalidInput
from core.languages import LanguageTag


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("ps", "ps"),
        ("ps-AF", "ps-AF"),
        ("prs", "fa-AF"),
        ("sr-Latn", "sr-Latn"),
        ("ckb", "ckb"),
        ("AR", "ar"),
    ],
)
def test_valid_tags_are_canonicalised(raw: str, canonical: str) -> None:
    assert LanguageTag.parse(raw).tag == canonical


@pytest.mark.parametrize("raw", ["", "x", "xx-yy", "zz", "ps_AF", "en US", "a" * 40, "123", "ps-", "und"])
def test_malformed_or_unknown_tags_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        LanguageTag.parse(raw)


@pytest.mark.parametrize(
    ("interpreter", "requested", "covers"),
    [
        ("ps", "ps-AF", True),
        ("ps-AF", "ps", True),
        ("ps-PK", "ps-AF", False),
        ("fa-IR", "prs", False),
        ("fa", "prs", True),
        ("sr-Latn", "sr-Cyrl", False),
        ("sr", "sr-Latn", True),
        ("ar", "fa", False),
    ],
)
def test_coverage_rule(interpreter: str, requested: str, covers: bool) -> None:
    assert LanguageTag.parse(interpreter).covers(LanguageTag.parse(requested)) is covers
