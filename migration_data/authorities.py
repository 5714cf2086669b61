"""The region's reporting authorities and how their names are shown (Kosovo* always with its footnote)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

from migration_data.errors import UnknownAuthority

AuthorityCode = NewType("AuthorityCode", str)

KOSOVO_FOOTNOTE = (
    "This designation is without prejudice to positions on status, and is in line with UNSCR 1244/1999 "
    "and the ICJ Opinion on the Kosovo declaration of independence."
)


@dataclass(frozen=True)
class Authority:
    """A reporting authority: its GEO code (as Eurostat codes the reporting country) and English name."""

    code: AuthorityCode
    name: str
    footnote: str | None = None


AUTHORITIES: dict[AuthorityCode, Authority] = {
    a.code: a
    for a in (
        Authority(AuthorityCode("AL"), "Albania"),
        Authority(AuthorityCode("BA"), "Bosnia and Herzegovina"),
        Authority(AuthorityCode("XK"), "Kosovo*", KOSOVO_FOOTNOTE),
        Authority(AuthorityCode("ME"), "Montenegro"),
        Authority(AuthorityCode("MK"), "North Macedonia"),
        Authority(AuthorityCode("RS"), "Serbia"),
        Authority(AuthorityCode("TR"), "Türkiye"),
    )
}


def authority(code: str) -> Authority:
    try:
        return AUTHORITIES[AuthorityCode(code)]
    except KeyError:
        raise UnknownAuthority(f"no reporting authority {code!r}") from None


def display_name(code: str) -> str:
    """The name to show wherever an authority appears: Kosovo* always carries its designation footnote."""
    found = authority(code)
    if found.footnote is None:
        return found.name
    return f"{found.name} (*{found.footnote})"


def name_and_footnote(code: str) -> tuple[str, str | None]:
    """For a table or chart that prints footnotes apart: the name (with its asterisk) and the footnote."""
    found = authority(code)
    return found.name, found.footnote
