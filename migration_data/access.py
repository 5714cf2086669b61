"""Who may do what with the regional template's submissions.

The regional exchange is the data officers of the authorities and the coordinators (and administrators).
A data officer submits for their own authority only: the country of their organisation, which must be one
of the template's reporting authorities. The operator's coordinators and administrators (they oversee every
organisation) are the regional hub: they accept or return what was submitted, and import other systems'
files. Everyone in the exchange reads accepted figures of every authority, published (rounded, small cells
confidential); drafts, validated and submitted versions are seen only by their own authority and the hub.
Raw figures leave only to the authority that reported them.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts import Principal, Role
from core.errors import Forbidden
from migration_data.authorities import AUTHORITIES, AuthorityCode
from migration_data.submission import SubmissionState

EXCHANGE_ROLES = frozenset({Role.DATA_OFFICER, Role.COORDINATOR, Role.ADMIN})
PUBLIC_STATES = frozenset({SubmissionState.ACCEPTED, SubmissionState.SUPERSEDED})


class NoReportingAuthority(Forbidden):
    """Your organisation is not one of the template's reporting authorities (by its country)."""

    code = "no_reporting_authority"


@dataclass(frozen=True)
class Reader:
    """A member of the exchange: which authority they belong to (if any) and whether they are the hub."""

    principal: Principal
    authority: AuthorityCode | None
    hub: bool

    def owns(self, authority: str) -> bool:
        return self.authority is not None and self.authority == authority

    def sees_state(self, authority: str, state: SubmissionState) -> bool:
        """Whether a version in ``state`` of ``authority``'s submission is visible to this reader."""
        return self.hub or self.owns(authority) or state in PUBLIC_STATES

    def sees_raw(self, authority: str) -> bool:
        """Raw figures only to the authority that reported them; everyone else reads published ones."""
        return self.owns(authority)


def authority_of_country(country_code: str | None) -> AuthorityCode | None:
    if country_code is None or country_code not in AUTHORITIES:
        return None
    return AuthorityCode(country_code)


def reader(who: Principal, country_code: str | None) -> Reader:
    """``who`` as a member of the exchange, given their organisation's country; others are refused."""
    if who.role not in EXCHANGE_ROLES:
        raise Forbidden("the regional data exchange is for data officers and coordinators")
    hub = who.sees_all_organisations
    return Reader(who, None if hub else authority_of_country(country_code), hub)


def require_submitter(member: Reader) -> AuthorityCode:
    """The authority a data officer submits for; anyone else, or an officer of no authority, is refused."""
    if member.principal.role is not Role.DATA_OFFICER:
        raise Forbidden("only an authority's data officers submit its figures")
    if member.authority is None:
        raise NoReportingAuthority(
            "your organisation has no country among the reporting authorities "
            f"({', '.join(AUTHORITIES)}); ask the operator to set it"
        )
    return member.authority


def require_hub(member: Reader) -> None:
    if not member.hub:
        raise Forbidden("only the regional hub (the operator's coordinators) does this")
