"""Who may edit the shared terminology, and who may review it: reviewing is a qualification, not a role, so
coordinators and administrators grant it per user (an interpreter or a member of staff alike)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts import Principal, Role
from core.db import Database
from core.errors import Forbidden, NotFound
from core.ids import UserId
from core.models import TerminologyReviewerRow, UserRow
from glossary.terminology import Now

STAFF_ROLES = frozenset({Role.COORDINATOR, Role.ADMIN})


@dataclass(frozen=True)
class ReviewerGrant:
    user_id: UserId
    granted_by: UserId
    granted_at: datetime


def require_may_edit_terms(who: Principal) -> None:
    """Coordinators and administrators add and edit terms; everyone signed in reads them."""
    if who.role not in STAFF_ROLES:
        raise Forbidden("only coordinators and administrators edit the terminology")


def require_may_manage_reviewers(who: Principal, user: Principal | None) -> Principal:
    """The user whose reviewer permission ``who`` may grant or withdraw: operator staff for anyone, an
    authority's coordinators and administrators for their own organisation's people."""
    if who.role not in STAFF_ROLES:
        raise Forbidden("only coordinators and administrators grant the reviewer permission")
    if user is None:
        raise NotFound("no such user")
    if not (who.sees_all_organisations or who.organisation_id == user.organisation_id):
        raise Forbidden("only the user's own organisation or the operator grants them this permission")
    return user


def require_may_read_grant(who: Principal, user_id: UserId) -> None:
    if who.user_id != user_id and who.role not in STAFF_ROLES:
        raise Forbidden("only the user and coordinators see who may review")


async def is_reviewer(session: AsyncSession, user_id: UserId) -> bool:
    """Whether ``user_id`` holds the permission, read inside the caller's transaction."""
    found = await session.scalar(
        select(TerminologyReviewerRow.user_id).where(TerminologyReviewerRow.user_id == user_id)
    )
    return found is not None


class ReviewerGrants:
    """The stored grants; each answer is read afresh, so a withdrawal holds from the next request on."""

    def __init__(self, db: Database, clock: Now) -> None:
        self._db = db
        self._clock = clock

    async def grant(self, by: UserId, user_id: UserId) -> ReviewerGrant:
        """Grant the permission; granting it again keeps the first grant (who and when) as it was."""
        if by == user_id:
            # Four eyes: whoever may edit terms must not also make themselves the one who approves them.
            raise Forbidden("nobody grants themselves the reviewer permission")
        existing = await self.grant_of(user_id)
        if existing is not None:
            return existing
        row = TerminologyReviewerRow(user_id=user_id, granted_by=by, granted_at=self._clock.now())
        try:
            async with self._db.transaction() as session:
                session.add(row)
        except IntegrityError:
            # Granted by someone else a moment ago (or the user is gone): what is stored now is the answer.
            existing = await self.grant_of(user_id)
            if existing is None:
                raise NotFound("no such user") from None
            return existing
        return _grant(row)

    async def revoke(self, user_id: UserId) -> None:
        """Withdraw the permission (already withdrawn: nothing to do); entries keep the statuses given."""
        async with self._db.transaction() as session:
            await session.execute(
                delete(TerminologyReviewerRow).where(TerminologyReviewerRow.user_id == user_id)
            )

    async def grant_of(self, user_id: UserId) -> ReviewerGrant | None:
        async with self._db.sessions() as session:
            row = await session.get(TerminologyReviewerRow, user_id)
        return _grant(row) if row is not None else None

    async def grants(self, organisation_id: str | None = None) -> list[tuple[ReviewerGrant, str]]:
        """Every grant with the reviewer's display name; only ``organisation_id``'s people when given
        (an authority's coordinators see their own, the operator's staff everyone's)."""
        query = (
            select(TerminologyReviewerRow, UserRow.display_name)
            .join(UserRow, UserRow.id == TerminologyReviewerRow.user_id)
            .order_by(TerminologyReviewerRow.granted_at, TerminologyReviewerRow.user_id)
        )
        if organisation_id is not None:
            query = query.where(UserRow.organisation_id == organisation_id)
        async with self._db.sessions() as session:
            return [(_grant(row), name) for row, name in await session.execute(query)]


def _grant(row: TerminologyReviewerRow) -> ReviewerGrant:
    return ReviewerGrant(UserId(row.user_id), UserId(row.granted_by), row.granted_at)
