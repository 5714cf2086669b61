"""The review states every translation moves through, and who may move it: the table the domain obeys."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.ids import UserId
from glossary.errors import ReviewerRequired, ReviewTransitionRefused


class ReviewStatus(StrEnum):
    DRAFT = "draft"  # written or changed, not checked: shown marked as such
    REVIEWED = "reviewed"  # checked by a qualified reviewer
    APPROVED = "approved"  # confirmed for use by a qualified reviewer


# A reviewer moves an entry forward one step, or sends it back to draft. A change of text sends it back
# to draft without going through this table (see ``terminology``).
REVIEW_TRANSITIONS: dict[ReviewStatus, frozenset[ReviewStatus]] = {
    ReviewStatus.DRAFT: frozenset({ReviewStatus.REVIEWED}),
    ReviewStatus.REVIEWED: frozenset({ReviewStatus.APPROVED, ReviewStatus.DRAFT}),
    ReviewStatus.APPROVED: frozenset({ReviewStatus.DRAFT}),
}
NEEDS_REVIEWER: frozenset[ReviewStatus] = frozenset({ReviewStatus.REVIEWED, ReviewStatus.APPROVED})


@dataclass(frozen=True)
class Editor:
    """Who changes the terminology; the composition root decides ``may_review`` from the account."""

    user_id: UserId
    may_review: bool = False


def check_review(editor: Editor, current: ReviewStatus, target: ReviewStatus) -> None:
    """Raise unless ``editor`` may move an entry from ``current`` to ``target``."""
    if target in NEEDS_REVIEWER and not editor.may_review:
        raise ReviewerRequired(f"only a reviewer may mark a translation {target}")
    if target not in REVIEW_TRANSITIONS[current]:
        raise ReviewTransitionRefused(f"a {current} translation cannot become {target}")


def check_may_set(editor: Editor, status: ReviewStatus) -> None:
    """Raise unless ``editor`` may bring in an entry already at ``status`` (an import)."""
    if status in NEEDS_REVIEWER and not editor.may_review:
        raise ReviewerRequired(f"only a reviewer may bring in a translation marked {status}")
