"""Working languages as validated BCP 47 tags, and the rule for when an interpreter covers a request."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import langcodes

from core.errors import InvalidInput

_WELL_FORMED = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")
MAX_TAG_LENGTH = 35


@dataclass(frozen=True)
class LanguageTag:
    """A canonical BCP 47 tag (``ps-AF``, ``sr-Latn``), split into the parts matching needs."""

    tag: str
    language: str
    script: str | None
    territory: str | None

    @classmethod
    def parse(cls, raw: str) -> LanguageTag:
        """Validate against the IANA registry and canonicalise (``prs`` becomes ``fa-AF``)."""
        if not isinstance(raw, str) or len(raw) > MAX_TAG_LENGTH or not _WELL_FORMED.match(raw):
            raise InvalidInput(f"not a BCP 47 language tag: {raw!r}")
        return _parse_well_formed(raw)

    def covers(self, requested: LanguageTag) -> bool:
        """True when an interpreter working in ``self`` can take a request for ``requested``.

        The language must be the same; a script or region named on both sides must agree, so a
        request for Dari (``fa-AF``) reaches ``fa-AF`` or plain ``fa`` interpreters, never ``fa-IR``.
        """
        if self.language != requested.language:
            return False
        if self.script and requested.script and self.script != requested.script:
            return False
        return not (self.territory and requested.territory and self.territory != requested.territory)

    def __str__(self) -> str:
        return self.tag


@functools.lru_cache(maxsize=4096)
def _parse_well_formed(raw: str) -> LanguageTag:
    # Cached: candidate queries parse the same few stored tags over and over.
    if not langcodes.tag_is_valid(raw):
        raise InvalidInput(f"unknown language tag: {raw!r}")
    parsed = langcodes.Language.get(langcodes.standardize_tag(raw))
    if not parsed.language or parsed.language == "und":
        raise InvalidInput(f"language tag names no language: {raw!r}")
    return LanguageTag(
        tag=str(parsed.to_tag()), language=parsed.language, script=parsed.script, territory=parsed.territory
    )
