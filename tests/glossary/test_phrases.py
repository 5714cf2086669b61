"""The shipped phrasebook: complete in every language, every answer option translated, all marked draft."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from glossary.errors import PhrasebookInvalid
from glossary.languages import LANGUAGE_TAGS, RIGHT_TO_LEFT_TAGS
from glossary.phrases import (
    PHRASES_FILE,
    SITUATIONS,
    AnswerForm,
    Phrasebook,
    Translations,
    load_phrasebook,
    parse_phrasebook,
)
from glossary.review import ReviewStatus

BOOK = load_phrasebook()
RAW: dict[str, Any] = json.loads(PHRASES_FILE.read_text(encoding="utf-8"))


def every_translations(book: Phrasebook = BOOK) -> Iterator[Translations]:
    yield book.disclaimer
    yield from book.answers.values()
    yield from book.situation_titles.values()
    for phrase in book.phrases:
        yield phrase.text
        for option in phrase.options:
            yield option.text


def test_at_least_the_seed_apps_52_phrases_in_every_situation() -> None:
    assert len(BOOK.phrases) >= 52
    assert {phrase.situation for phrase in BOOK.phrases} == set(SITUATIONS)
    assert all(len(BOOK.in_situation(situation)) >= 5 for situation in SITUATIONS)


def test_every_text_is_in_all_sixteen_languages() -> None:
    assert len(LANGUAGE_TAGS) == 16
    for translations in every_translations():
        assert list(translations) == list(LANGUAGE_TAGS)
        assert all(t.text.strip() and t.provenance.strip() for t in translations.values())


def test_ids_are_unique_slugs() -> None:
    ids = [phrase.id for phrase in BOOK.phrases]
    assert len(ids) == len(set(ids))
    assert all(phrase.id.startswith(phrase.situation + ".") for phrase in BOOK.phrases)


def test_seed_translations_ship_as_draft_and_only_the_english_source_is_approved() -> None:
    for translations in every_translations():
        assert translations["en"].status is ReviewStatus.APPROVED
        assert {t.status for tag, t in translations.items() if tag != "en"} == {ReviewStatus.DRAFT}


def test_pick_one_phrases_offer_translated_options_and_others_none() -> None:
    forms = {phrase.answer for phrase in BOOK.phrases}
    assert forms == set(AnswerForm)
    for phrase in BOOK.phrases:
        if phrase.answer is AnswerForm.PICK_ONE:
            assert len(phrase.options) >= 2
            assert all(list(option.text) == list(LANGUAGE_TAGS) for option in phrase.options)
        else:
            assert phrase.options == ()


def test_the_disclaimer_says_first_contact_only_and_not_for_interviews() -> None:
    english = BOOK.disclaimer["en"].text
    assert "first contact only" in english
    assert "not for asylum interviews or vulnerability assessments" in english


def test_right_to_left_languages_are_marked() -> None:
    assert BOOK.right_to_left_tags == RIGHT_TO_LEFT_TAGS == {"ar", "fa", "prs", "ps", "ur", "ckb"}


def broken(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    document = copy.deepcopy(RAW)
    change(document)
    return document


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d["phrases"][0]["text"].pop("ps"), "phrases[0].text: missing ['ps']"),
        (lambda d: d["phrases"][0]["text"]["fr"].update(status="final"), "is not a status"),
        (lambda d: d["phrases"].append(copy.deepcopy(d["phrases"][0])), "appears twice"),
        (lambda d: d["phrases"][0].update(answer="maybe"), "is not an answer form"),
        (lambda d: d["phrases"][0]["text"]["so"].update(provenance=""), "expected non-empty text"),
        (
            lambda d: next(p for p in d["phrases"] if p["answer"] == "pick_one")["options"][0]["text"].pop(
                "ti"
            ),
            "missing ['ti']",
        ),
        (
            lambda d: d.update(phrases=[p for p in d["phrases"] if p["situation"] != "safety"]),
            "no phrase for safety",
        ),
    ],
)
def test_a_data_file_that_breaks_a_rule_is_refused_with_the_place(
    change: Callable[[dict[str, Any]], object], reason: str
) -> None:
    with pytest.raises(PhrasebookInvalid, match=reason.replace("[", r"\[").replace("]", r"\]")):
        parse_phrasebook(broken(change))
