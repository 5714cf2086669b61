"""Find phrases by what someone types in any language, after ``normalise`` has removed the differences
in case, diacritics and Arabic-script spelling."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from glossary.normalise import compact_key, search_key
from glossary.phrases import Phrase

# Rank, best first: the whole text, the start of a word, anywhere, anywhere once spaces are ignored.
_WHOLE, _WORD_START, _INSIDE, _SPACES_IGNORED = range(4)


@dataclass(frozen=True)
class SearchHit:
    phrase: Phrase
    language: str  # where the query matched
    rank: int


class PhraseIndex:
    """Every phrase's text and answer options in every language, keyed once for repeated searches."""

    def __init__(self, phrases: Sequence[Phrase]) -> None:
        self._entries: list[tuple[int, Phrase, str, str, str]] = []
        for position, phrase in enumerate(phrases):
            texts = [(tag, t.text) for tag, t in phrase.text.items()]
            texts += [(tag, t.text) for option in phrase.options for tag, t in option.text.items()]
            for tag, text in texts:
                self._entries.append((position, phrase, tag, search_key(text), compact_key(text)))

    def search(self, query: str, *, prefer: Sequence[str] = (), limit: int = 20) -> list[SearchHit]:
        """Phrases matching ``query``, best first; a match in a ``prefer`` language wins a tie."""
        key, compact = search_key(query), compact_key(query)
        if not compact:
            return []
        best: dict[str, tuple[tuple[int, int, int], SearchHit]] = {}
        for position, phrase, tag, text_key, text_compact in self._entries:
            rank = _rank(key, compact, text_key, text_compact)
            if rank is None:
                continue
            order = (rank, prefer.index(tag) if tag in prefer else len(prefer), position)
            if phrase.id not in best or order < best[phrase.id][0]:
                best[phrase.id] = (order, SearchHit(phrase, tag, rank))
        return [hit for _, hit in sorted(best.values(), key=lambda pair: pair[0])][:limit]


def _rank(key: str, compact: str, text_key: str, text_compact: str) -> int | None:
    if key == text_key:
        return _WHOLE
    if text_key.startswith(key) or f" {key}" in text_key:
        return _WORD_START
    if key in text_key:
        return _INSIDE
    if compact in text_compact:
        return _SPACES_IGNORED
    return None
