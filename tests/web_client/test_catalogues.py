"""The interface's message catalogues: every language the switcher offers has every English message, with
the same {fields} and no empty text, so no screen falls back to English or loses a value."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "web_client" / "static"
I18N = STATIC / "i18n"
FIELD = re.compile(r"\{(\w+)\}")
EXPECTED_LANGUAGES = {"en", "sq", "sr-Latn", "mk", "tr"}


def offered_languages() -> list[str]:
    """The codes of INTERFACE_LANGUAGES in i18n.js, the list the switcher shows."""
    source = (STATIC / "js" / "i18n.js").read_text(encoding="utf-8")
    return re.findall(r'\{\s*code:\s*"([^"]+)"', source)


def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    if duplicated:
        raise ValueError(f"keys given twice: {duplicated}")
    return dict(pairs)


def catalogue(code: str) -> dict[str, str]:
    text = (I18N / f"{code}.json").read_text(encoding="utf-8")
    messages = json.loads(text, object_pairs_hook=no_duplicates)
    assert isinstance(messages, dict)
    return messages


TRANSLATIONS = [code for code in offered_languages() if code != "en"]


def test_the_switcher_offers_exactly_the_languages_that_have_a_catalogue() -> None:
    offered = offered_languages()
    assert set(offered) == EXPECTED_LANGUAGES
    assert len(offered) == len(set(offered))
    assert {path.stem for path in I18N.glob("*.json")} == set(offered)


@pytest.mark.parametrize("code", TRANSLATIONS)
def test_a_catalogue_has_exactly_the_english_keys(code: str) -> None:
    english, own = catalogue("en"), catalogue(code)
    assert sorted(english.keys() - own.keys()) == [], f"{code}.json lacks these messages"
    assert sorted(own.keys() - english.keys()) == [], f"{code}.json has messages English does not"


@pytest.mark.parametrize("code", TRANSLATIONS)
def test_every_message_keeps_the_english_placeholders(code: str) -> None:
    english, own = catalogue("en"), catalogue(code)
    differing = {
        key: (sorted(set(FIELD.findall(english[key]))), sorted(set(FIELD.findall(own[key]))))
        for key in english.keys() & own.keys()
        if set(FIELD.findall(english[key])) != set(FIELD.findall(own[key]))
    }
    assert differing == {}, f"{code}.json: key -> (English fields, own fields)"


@pytest.mark.parametrize("code", sorted(EXPECTED_LANGUAGES))
def test_no_message_is_empty(code: str) -> None:
    own = catalogue(code)
    assert own, f"{code}.json is empty"
    blank = sorted(key for key, text in own.items() if not isinstance(text, str) or not text.strip())
    assert blank == [], f"{code}.json has empty or non-text messages"
