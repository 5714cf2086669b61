"""The first-contact phrasebook: typed phrases loaded from ``content/phrases.json``, refused whole if the
file breaks a rule (a language missing, an untranslated answer option, an unknown review status)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from glossary.errors import PhrasebookInvalid
from glossary.languages import LANGUAGE_TAGS
from glossary.review import ReviewStatus

PHRASES_FILE = Path(__file__).parent / "content" / "phrases.json"
SITUATIONS: tuple[str, ...] = (
    "greeting",
    "identity",
    "health",
    "family",
    "safety",
    "shelter",
    "procedure",
    "directions",
)
_PHRASE_ID = re.compile(r"^[a-z]+\.[a-z0-9_]+$")
_OPTION_ID = re.compile(r"^[a-z0-9_]+$")


class AnswerForm(StrEnum):
    NONE = "none"  # a statement, or an answer the officer takes another way
    YES_NO = "yes_no"
    PICK_ONE = "pick_one"  # the migrant points to one of the phrase's options
    COUNTRY = "country"  # answered on the world map
    DATE = "date"  # answered on the three-calendar date picker


@dataclass(frozen=True)
class Translation:
    text: str
    status: ReviewStatus
    provenance: str


Translations = Mapping[str, Translation]


@dataclass(frozen=True)
class AnswerOption:
    id: str
    text: Translations


@dataclass(frozen=True)
class Phrase:
    id: str
    situation: str
    answer: AnswerForm
    text: Translations
    options: tuple[AnswerOption, ...] = ()


@dataclass(frozen=True)
class PhrasebookLanguage:
    tag: str
    name: str
    native_name: str
    right_to_left: bool


@dataclass(frozen=True)
class Phrasebook:
    languages: tuple[PhrasebookLanguage, ...]
    disclaimer: Translations
    answers: Mapping[str, Translations]  # "yes" and "no"
    situation_titles: Mapping[str, Translations]
    phrases: tuple[Phrase, ...]

    def phrase(self, phrase_id: str) -> Phrase:
        for phrase in self.phrases:
            if phrase.id == phrase_id:
                return phrase
        raise KeyError(phrase_id)

    def in_situation(self, situation: str) -> tuple[Phrase, ...]:
        return tuple(phrase for phrase in self.phrases if phrase.situation == situation)

    @property
    def right_to_left_tags(self) -> frozenset[str]:
        return frozenset(language.tag for language in self.languages if language.right_to_left)


def load_phrasebook(path: Path = PHRASES_FILE) -> Phrasebook:
    with path.open(encoding="utf-8") as file:
        return parse_phrasebook(json.load(file))


def parse_phrasebook(data: Any) -> Phrasebook:
    """Build the phrasebook from decoded JSON; ``PhrasebookInvalid`` names the first place that is wrong."""
    document = _object(data, "phrasebook")
    if document.get("format") != 1:
        raise PhrasebookInvalid("format: expected 1")
    languages = tuple(
        _language(item, f"languages[{i}]") for i, item in enumerate(_list(document, "languages"))
    )
    if tuple(language.tag for language in languages) != LANGUAGE_TAGS:
        raise PhrasebookInvalid(f"languages: expected exactly {', '.join(LANGUAGE_TAGS)} in that order")
    answers_data = _object(document.get("answers"), "answers")
    if set(answers_data) != {"yes", "no"}:
        raise PhrasebookInvalid("answers: expected yes and no")
    situations = _list(document, "situations")
    titles = {
        _string(_object(item, f"situations[{i}]"), "id", f"situations[{i}]"): _translations(
            item.get("title"), f"situations[{i}].title"
        )
        for i, item in enumerate(situations)
    }
    if tuple(titles) != SITUATIONS:
        raise PhrasebookInvalid(f"situations: expected {', '.join(SITUATIONS)} in that order")
    phrases = tuple(_phrase(item, f"phrases[{i}]") for i, item in enumerate(_list(document, "phrases")))
    seen: set[str] = set()
    for phrase in phrases:
        if phrase.id in seen:
            raise PhrasebookInvalid(f"phrases: id {phrase.id} appears twice")
        seen.add(phrase.id)
    missing = set(SITUATIONS) - {phrase.situation for phrase in phrases}
    if missing:
        raise PhrasebookInvalid(f"phrases: no phrase for {', '.join(sorted(missing))}")
    return Phrasebook(
        languages=languages,
        disclaimer=_translations(document.get("disclaimer"), "disclaimer"),
        answers={key: _translations(value, f"answers.{key}") for key, value in answers_data.items()},
        situation_titles=titles,
        phrases=phrases,
    )


def _phrase(data: Any, where: str) -> Phrase:
    item = _object(data, where)
    phrase_id = _string(item, "id", where)
    if not _PHRASE_ID.match(phrase_id):
        raise PhrasebookInvalid(f"{where}.id: {phrase_id!r} is not a slug like situation.name")
    situation = _string(item, "situation", where)
    if situation not in SITUATIONS or not phrase_id.startswith(situation + "."):
        raise PhrasebookInvalid(f"{where}.situation: {situation!r} is unknown or not the id's prefix")
    try:
        answer = AnswerForm(item.get("answer", ""))
    except ValueError:
        raise PhrasebookInvalid(f"{where}.answer: {item.get('answer')!r} is not an answer form") from None
    options = tuple(
        _option(option, f"{where}.options[{i}]") for i, option in enumerate(item.get("options", []))
    )
    if (answer is AnswerForm.PICK_ONE) != bool(options):
        raise PhrasebookInvalid(f"{where}.options: a pick_one phrase has options, no other phrase has")
    if answer is AnswerForm.PICK_ONE and len(options) < 2:
        raise PhrasebookInvalid(f"{where}.options: a pick_one phrase offers at least two options")
    if len({option.id for option in options}) != len(options):
        raise PhrasebookInvalid(f"{where}.options: option ids repeat")
    return Phrase(phrase_id, situation, answer, _translations(item.get("text"), f"{where}.text"), options)


def _option(data: Any, where: str) -> AnswerOption:
    item = _object(data, where)
    option_id = _string(item, "id", where)
    if not _OPTION_ID.match(option_id):
        raise PhrasebookInvalid(f"{where}.id: {option_id!r} is not a slug")
    return AnswerOption(option_id, _translations(item.get("text"), f"{where}.text"))


def _language(data: Any, where: str) -> PhrasebookLanguage:
    item = _object(data, where)
    direction = item.get("direction")
    if direction not in ("ltr", "rtl"):
        raise PhrasebookInvalid(f"{where}.direction: expected ltr or rtl")
    return PhrasebookLanguage(
        _string(item, "tag", where),
        _string(item, "name", where),
        _string(item, "native_name", where),
        direction == "rtl",
    )


def _translations(data: Any, where: str) -> dict[str, Translation]:
    """Every language, each with text, provenance and a review status; only the source may start approved."""
    item = _object(data, where)
    if set(item) != set(LANGUAGE_TAGS):
        missing = sorted(set(LANGUAGE_TAGS) - set(item))
        extra = sorted(set(item) - set(LANGUAGE_TAGS))
        raise PhrasebookInvalid(f"{where}: missing {missing}, unknown {extra}")
    translations = {}
    for tag in LANGUAGE_TAGS:
        entry = _object(item[tag], f"{where}.{tag}")
        try:
            status = ReviewStatus(entry.get("status", ""))
        except ValueError:
            raise PhrasebookInvalid(
                f"{where}.{tag}.status: {entry.get('status')!r} is not a status"
            ) from None
        translations[tag] = Translation(
            _string(entry, "text", f"{where}.{tag}"), status, _string(entry, "provenance", f"{where}.{tag}")
        )
    return translations


def _object(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PhrasebookInvalid(f"{where}: expected an object")
    return data


def _list(document: dict[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    if not isinstance(value, list) or not value:
        raise PhrasebookInvalid(f"{key}: expected a non-empty list")
    return value


def _string(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PhrasebookInvalid(f"{where}.{key}: expected non-empty text")
    return value
