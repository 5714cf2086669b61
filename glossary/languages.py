"""The languages the phrasebook and the terminology are written in, as BCP-47 tags, and their direction."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    tag: str
    name: str
    right_to_left: bool


# sr-Latn stands for Bosnian, Croatian, Montenegrin and Serbian in Latin script: one text, written ijekavian,
# which readers of all four understand.
LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", right_to_left=False),
    Language("fr", "French", right_to_left=False),
    Language("ar", "Arabic", right_to_left=True),
    Language("fa", "Farsi", right_to_left=True),
    Language("prs", "Dari", right_to_left=True),
    Language("ps", "Pashto", right_to_left=True),
    Language("ur", "Urdu", right_to_left=True),
    Language("bn", "Bengali", right_to_left=False),
    Language("ckb", "Kurdish (Sorani)", right_to_left=True),
    Language("kmr", "Kurdish (Kurmanji)", right_to_left=False),
    Language("so", "Somali", right_to_left=False),
    Language("ti", "Tigrinya", right_to_left=False),
    Language("sq", "Albanian", right_to_left=False),
    Language("sr-Latn", "Bosnian, Croatian, Montenegrin, Serbian", right_to_left=False),
    Language("mk", "Macedonian", right_to_left=False),
    Language("tr", "Turkish", right_to_left=False),
)
LANGUAGE_TAGS: tuple[str, ...] = tuple(language.tag for language in LANGUAGES)
RIGHT_TO_LEFT_TAGS: frozenset[str] = frozenset(
    language.tag for language in LANGUAGES if language.right_to_left
)
SOURCE_LANGUAGE = "en"
