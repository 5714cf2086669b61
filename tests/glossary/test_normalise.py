"""Search keys: what someone types must meet the phrase however either side spelled it."""

# ruff: noqa: RUF001, RUF003  (look-alike letters are what these tests are about)
from __future__ import annotations

import pytest

from glossary.normalise import compact_key, search_key

SAME = [
    # Latin: case and diacritics
    ("Çocuk", "cocuk"),  # Turkish
    ("IŞIK", "isik"),  # Turkish dotless ı and ş
    ("İstanbul", "istanbul"),  # Turkish dotted capital İ
    ("Ëndërr", "enderr"),  # Albanian
    ("Çfarë", "cfare"),  # Albanian
    ("Đorđe Čačak", "dorde cacak"),  # Serbian Latin
    ("Šta", "sta"),
    ("Straße", "strasse"),
    ("Kurmancî", "kurmanci"),
    # Cyrillic is case folded, not transliterated
    ("ДОКУМЕНТИ", "документи"),  # Serbian, Macedonian
    # Arabic: alef forms
    ("أحمد", "احمد"),
    ("إسلام", "اسلام"),
    ("آب", "اب"),
    ("ٱلله", "الله"),
    # harakat, shadda, tanwin, superscript alef
    ("مُحَمَّدٌ", "محمد"),
    ("هٰذا", "هذا"),
    # tatweel
    ("مـــدرسة", "مدرسه"),
    # yeh and kaf: Arabic keyboard vs Farsi / Dari keyboard
    ("كتاب", "کتاب"),
    ("علی", "علي"),
    ("مستشفى", "مستشفي"),
    # Pashto yeh and gaf typed on a Persian keyboard
    ("ګوره", "گوره"),
    ("سړې", "سړی"),
    # Urdu heh goal, do-chashmi heh, yeh barree
    ("ہسپتال", "هسپتال"),
    ("بھائی", "بهائي"),
    ("ہے", "هي"),
    # teh marbuta written as heh in Farsi
    ("مدرسة", "مدرسه"),
    # Sorani ە typed as heh
    ("چییە", "چييه"),
    # digits
    ("۱۸", "18"),  # Persian
    ("١٨", "18"),  # Arabic-Indic
    ("১৮", "18"),  # Bengali
    # presentation forms
    ("ﻻ", "لا"),
    # punctuation and spacing
    ("What is your name?", "what is your name"),
    ("اسمك؟", "اسمك"),
    ("  hello \n  there ", "hello there"),
]


@pytest.mark.parametrize(("typed", "stored"), SAME)
def test_spellings_that_people_mix_up_give_the_same_key(typed: str, stored: str) -> None:
    assert search_key(typed) == search_key(stored)


DIFFERENT = [
    ("cocuk", "kocuk"),  # a different letter is still different
    ("دکتر", "دفتر"),  # doctor is not office
    ("کب", "گب"),  # kaf and gaf stay apart
    ("ر", "ړ"),  # Pashto retroflex r stays its own letter
    ("বুক", "বাক"),  # Bengali vowel signs are letters, not accents
    ("документи", "dokumenti"),  # no transliteration between scripts
]


@pytest.mark.parametrize(("one", "other"), DIFFERENT)
def test_different_words_keep_different_keys(one: str, other: str) -> None:
    assert search_key(one) != search_key(other)


def test_zero_width_non_joiner_and_direction_marks_disappear() -> None:
    assert search_key("می\u200cخواهم") == search_key("میخواهم")
    assert search_key("\u200fسلام\u200e") == "سلام"


def test_the_compact_key_meets_a_half_space_typed_as_a_space() -> None:
    assert search_key("می خواهم") != search_key("می\u200cخواهم")
    assert compact_key("می خواهم") == compact_key("می\u200cخواهم") == compact_key("میخواهم")
