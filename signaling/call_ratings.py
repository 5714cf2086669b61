"""Call quality ratings: after an on-demand call ends as completed, its caseworker rates the connection
once, from 1 (poor) to 5 (excellent). The rating is kept on the call record; the first one stands.

Only the caseworker rates: they asked for the call and judge whether it served the interview, and the
record holds one rating. The interpreter, a colleague or a coordinator who may read the record may not
rate it (``forbidden``); whoever may not read it gets ``not_found``, as for reading it.
"""

from __future__ import annotations

import dataclasses
from typing import NewType, Protocol

from core.accounts import Principal
from core.errors import Conflict, Forbidden, InvalidInput
from core.ids import CallId, UserId
from signaling.records import CallRecord
from signaling.states import Outcome

MIN_SCORE = 1
MAX_SCORE = 5

QualityScore = NewType("QualityScore", int)


def quality_score(value: object) -> QualityScore:
    """A whole number from 1 to 5; a boolean, a float or a numeric string is not one."""
    if type(value) is not int or not MIN_SCORE <= value <= MAX_SCORE:
        raise InvalidInput(f"score must be a whole number from {MIN_SCORE} to {MAX_SCORE}")
    return QualityScore(value)


class NotYourCall(Forbidden):
    """Only the caseworker who made the request rates the call."""


class NotRatable(Conflict):
    """Only a call that ended as completed can be rated."""


class AlreadyRated(Conflict):
    """This call has been rated already; the first rating stands."""


class RatingStore(Protocol):
    """What rating needs of the call records (:class:`signaling.records.CallRecords`)."""

    async def get(self, call_id: str, who: Principal) -> CallRecord: ...

    async def set_quality_rating(self, call_id: CallId, caseworker_id: UserId, score: int) -> bool: ...


def check_may_rate(record: CallRecord, who: Principal) -> None:
    """Raise unless ``who`` may rate ``record`` now (a record they can read, see :func:`rate_call`)."""
    if record.caseworker_id != who.user_id:
        raise NotYourCall()
    if record.outcome != Outcome.COMPLETED:
        raise NotRatable()
    if record.quality_rating is not None:
        raise AlreadyRated()


async def rate_call(store: RatingStore, call_id: str, who: Principal, score: QualityScore) -> CallRecord:
    """Rate a call and return its record with the rating; on any refusal nothing is written.

    ``not_found`` when the record does not exist or ``who`` may not read it, ``forbidden`` when they are
    not its caseworker, ``conflict`` when it did not end as completed or was rated already (also when two
    ratings race: the store's compare-and-set lets exactly one in).
    """
    record = await store.get(call_id, who)
    check_may_rate(record, who)
    if not await store.set_quality_rating(record.id, who.user_id, score):
        raise AlreadyRated()
    return dataclasses.replace(record, quality_rating=score)
