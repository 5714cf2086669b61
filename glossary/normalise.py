"""Search keys that ignore what people type differently: case, diacritics and Arabic-script variants.

An officer types "cocuk" for "çocuk" and "Dorde" for "Đorđe"; a Dari speaker types Arabic kaf and
yeh on an Arabic keyboard, a Pakistani one Urdu heh on a phone. Both sides of a comparison go through
``search_key``, so it may fold letters that a language keeps apart: with a few hundred phrases, a match too
many costs little and a match missed costs the conversation.

The rules, in order:

- NFKC, so Arabic presentation forms, full-width and compatibility characters become ordinary letters.
- Case folded (``casefold``: ß becomes ss; Cyrillic is folded, never transliterated).
- Latin letters without a decomposition mapped by hand: đ ð→d, ı→i, ł→l, ø→o, æ→ae, œ→oe, þ→th, ħ→h.
- Arabic script: alef forms أ إ آ ٱ ٲ ٳ → ا; yeh forms ى ی ې ۍ ێ ے ۓ ئ → ي (Pashto's ې ۍ and Urdu's ے
  are often typed as plain yeh); kaf ك ڪ → ک and Pashto ګ → گ; heh forms ة ۃ ہ ھ ۀ ە → ه (Urdu heh goal
  and do-chashmi, the teh marbuta written as heh in Persian, Sorani's ە typed as heh); waw with hamza
  ؤ → و.
- Combining marks removed: Latin, Greek and Cyrillic accents (č→c, ş→s, ë→e, ѓ→г) and Arabic harakat,
  tanwin, shadda, sukun, superscript alef (U+064B-U+065F, U+0670) and the Quranic and Urdu marks
  (U+0610-U+061A, U+06D6-U+06ED, U+08D3-U+08FF). Bengali vowel signs are kept: they are letters, not
  decoration.
- Tatweel (ـ) and invisible format characters removed: the zero-width non-joiner of Persian ``می‌خواهم``,
  the joiner, direction marks, soft hyphens.
- Every decimal digit (Arabic-Indic ٠-٩, Persian ۰-۹, Bengali ০-৯, full-width) becomes its ASCII digit.
- Punctuation becomes a space, runs of spaces become one, and the ends are trimmed.

``compact_key`` also drops the spaces, so "می خواهم", "می‌خواهم" and "میخواهم" meet whichever way the
half-space was typed.
"""

# ruff: noqa: RUF001, RUF002  (look-alike letters are this module's subject)
from __future__ import annotations

import unicodedata

_LETTER_FOLDS = {
    # Latin letters that NFD leaves whole
    "đ": "d",
    "ð": "d",
    "ı": "i",
    "ł": "l",
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
    "ħ": "h",
    # alef
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    # yeh
    "ى": "ي",
    "ی": "ي",
    "ې": "ي",
    "ۍ": "ي",
    "ێ": "ي",
    "ے": "ي",
    "ۓ": "ي",
    "ئ": "ي",
    # kaf and gaf
    "ك": "ک",
    "ڪ": "ک",
    "ګ": "گ",
    # heh
    "ة": "ه",
    "ۃ": "ه",
    "ہ": "ه",
    "ھ": "ه",
    "ۀ": "ه",
    "ە": "ه",
    # waw
    "ؤ": "و",
}
_TRANSLATE = str.maketrans(_LETTER_FOLDS)
_TATWEEL = "\u0640"
_MARK_RANGES = (
    (0x0300, 0x036F),  # combining diacritical marks (Latin, Greek, Cyrillic)
    (0x0483, 0x0489),  # Cyrillic combining marks
    (0x0610, 0x061A),  # Arabic honorifics and small letters used in Urdu
    (0x064B, 0x065F),  # harakat, tanwin, shadda, sukun, hamza above and below
    (0x0670, 0x0670),  # superscript alef
    (0x06D6, 0x06ED),  # Quranic annotation marks
    (0x08D3, 0x08FF),  # extended Arabic marks
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)


def _is_removable_mark(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _MARK_RANGES) and unicodedata.category(char).startswith(
        "M"
    )


def _fold_char(char: str) -> str:
    if char == _TATWEEL or _is_removable_mark(char):
        return ""
    category = unicodedata.category(char)
    if category == "Cf":  # ZWNJ, ZWJ, direction marks, soft hyphen, byte-order mark
        return ""
    if category == "Nd":
        return str(unicodedata.decimal(char))
    if category.startswith("P") or category.startswith("Z") or char.isspace():
        return " "
    return char


def search_key(text: str) -> str:
    """The form of ``text`` that searches compare: equal keys mean "the same to someone searching"."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_TRANSLATE)
    decomposed = unicodedata.normalize("NFD", folded).translate(_TRANSLATE)
    stripped = "".join(_fold_char(char) for char in decomposed)
    return " ".join(unicodedata.normalize("NFC", stripped).split())


def compact_key(text: str) -> str:
    """``search_key`` without spaces, for half-spaces and compounds typed apart or together."""
    return search_key(text).replace(" ", "")
