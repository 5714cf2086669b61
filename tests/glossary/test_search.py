"""Searching the phrasebook in any language, however the officer or the migrant types."""

from __future__ import annotations

import pytest

from glossary.phrases import load_phrasebook
from glossary.search import PhraseIndex

INDEX = PhraseIndex(load_phrasebook().phrases)


def first(query: str) -> str:
    return INDEX.search(query)[0].phrase.id


@pytest.mark.parametrize(
    ("query", "phrase_id"),
    [
        ("doctor", "health.need_doctor"),
        ("ډاکټر", "health.need_doctor"),  # Pashto
        ("داکتر", "health.need_doctor"),  # Dari
        ("پزشك", "health.need_doctor"),  # Farsi word typed with an Arabic kaf
        ("طبیب", "health.need_doctor"),  # Arabic word typed with a Farsi yeh
        ("ڈاکٹر", "health.need_doctor"),  # Urdu
        ("LJEKAR", "health.need_doctor"),  # BCMS, capitals
        ("hamile", "health.pregnant"),  # Turkish
        ("shtatzene", "health.pregnant"),  # Albanian without ë
        ("бремена", "health.pregnant"),  # Macedonian
        ("pasaport", "identity.document_kind"),  # an answer option
        ("সন্তান", "family.relationship"),  # Bengali option text
        ("ትግርኛ", None),  # not a phrase: no hit
    ],
)
def test_a_phrase_is_found_from_any_language(query: str, phrase_id: str | None) -> None:
    hits = INDEX.search(query)
    if phrase_id is None:
        assert hits == []
    else:
        assert hits[0].phrase.id == phrase_id


def test_a_whole_match_ranks_before_a_word_start_before_a_substring() -> None:
    hits = INDEX.search("thank you.")
    assert hits[0].phrase.id == "greeting.thank_you"
    assert hits[0].rank == 0
    ranks = [hit.rank for hit in INDEX.search("need")]
    assert ranks == sorted(ranks)


def test_a_half_space_typed_as_a_space_still_finds_the_phrase() -> None:
    assert first("می خواهید درخواست پناهندگی") == "procedure.want_asylum"


def test_a_preferred_language_wins_a_tie_and_a_phrase_is_listed_once() -> None:
    hits = INDEX.search("سلام", prefer=["ps"])
    assert hits[0].phrase.id == "greeting.hello"
    assert hits[0].language == "ps"
    ids = [hit.phrase.id for hit in INDEX.search("a")]
    assert len(ids) == len(set(ids))


def test_an_empty_or_punctuation_only_query_finds_nothing() -> None:
    assert INDEX.search("  ?! ") == []
