"""The values bookings are made of: what a caseworker asks for, what is stored, and the refusals."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NewType

from core.errors import Conflict, InvalidInput
from core.ids import OrganisationId, UserId
from core.interpreters import MAX_DIALECT_LENGTH
from core.languages import LanguageTag
from core.models import BookingRow
from scheduler.booking_states import BookingState
from scheduler.intervals import Interval
from scheduler.requirements import BookingRequirements
from scheduler.workload import WorkloadRule

BookingId = NewType("BookingId", str)


class SlotTaken(Conflict):
    """The interpreter already holds a booking at that time (or too close to it)."""

    code = "slot_taken"


class WorkloadExceeded(Conflict):
    """Holding the booking would take the interpreter past the daily cap or the longest stretch."""

    code = "workload_exceeded"

    def __init__(self, rules: list[WorkloadRule]) -> None:
        super().__init__("the interpreter would exceed " + " and ".join(r.replace("_", " ") for r in rules))
        self.rules = rules


class IdempotencyKeyReused(Conflict):
    """This Idempotency-Key was already used for a different booking."""

    code = "idempotency_key_reused"


MAX_IDEMPOTENCY_KEY_LENGTH = 255  # the columns' width


def checked_idempotency_key(key: str | None) -> str | None:
    """A creator's Idempotency-Key as stored (bookings and shifts alike); None when none was sent."""
    if key is None:
        return None
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(f"an Idempotency-Key is 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable characters")
    return key


class Modality(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"


class Leg(StrEnum):
    """Which part of the interpreting an offer is for."""

    DIRECT = "direct"  # the applicant's language and the counterpart's, one interpreter
    TO_PIVOT = "to_pivot"  # relay: the applicant's language and the pivot language
    FROM_PIVOT = "from_pivot"  # relay: the pivot language and the counterpart's


@dataclass(frozen=True)
class Pick:
    """One interpreter the engine (or a coordinator) puts on a booking, for one leg."""

    interpreter_id: UserId
    leg: Leg = Leg.DIRECT


@dataclass(frozen=True)
class Offer:
    """An offer in the round in progress: to whom, for which leg, until when, and their answer so far."""

    interpreter_id: UserId
    leg: Leg
    offered_at: datetime
    expires_at: datetime
    accepted: bool


@dataclass(frozen=True)
class BookingRequest:
    """What a caseworker asks for; invalid values are refused on construction (see :meth:`parse`)."""

    organisation_id: OrganisationId
    caseworker_id: UserId
    language: LanguageTag
    interval: Interval
    modality: Modality = Modality.VIDEO
    dialect: str | None = None
    requirements: BookingRequirements = field(default_factory=BookingRequirements)

    def __post_init__(self) -> None:
        if self.dialect is not None:
            tidy = " ".join(self.dialect.split()) if isinstance(self.dialect, str) else ""
            if not 1 <= len(tidy) <= MAX_DIALECT_LENGTH:
                raise InvalidInput(f"dialect must be 1 to {MAX_DIALECT_LENGTH} characters")
            object.__setattr__(self, "dialect", tidy)
        counterpart = self.requirements.counterpart_language
        if counterpart is not None and counterpart.covers(self.language):
            raise InvalidInput("the counterpart language is the requested language itself")

    @classmethod
    def parse(
        cls,
        organisation_id: OrganisationId,
        caseworker_id: UserId,
        language: str,
        start: datetime,
        end: datetime,
        modality: str = Modality.VIDEO,
        dialect: str | None = None,
        requirements: BookingRequirements | None = None,
    ) -> BookingRequest:
        """From raw values, as a transport hands them over; raises :class:`InvalidInput`."""
        if modality not in set(Modality):
            raise InvalidInput(f"modality must be one of {', '.join(Modality)}")
        return cls(
            organisation_id,
            caseworker_id,
            LanguageTag.parse(language),
            Interval(start, end),
            Modality(modality),
            dialect,
            requirements or BookingRequirements(),
        )

    def fingerprint(self) -> str:
        """Equal for two requests exactly when they ask for the same booking."""
        canonical = json.dumps(
            [
                self.organisation_id,
                self.caseworker_id,
                self.language.tag,
                self.dialect,
                self.interval.start_utc.isoformat(),
                self.interval.end_utc.isoformat(),
                self.modality.value,
                self.requirements.to_json(),
            ]
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Booking:
    id: BookingId
    organisation_id: OrganisationId
    caseworker_id: UserId
    language: LanguageTag
    dialect: str | None
    interval: Interval
    modality: Modality
    state: BookingState
    interpreter_id: UserId | None
    created_at: datetime
    version: int  # bumped by every change: the compare-and-set token for accepting an offer
    requirements: BookingRequirements = field(default_factory=BookingRequirements)
    pivot_language: LanguageTag | None = None
    relay_interpreter_id: UserId | None = None
    # Which preferences the last matching applied or relaxed and why (see scheduler.offers).
    explanation: dict[str, Any] | None = None

    @property
    def interpreters(self) -> tuple[UserId, ...]:
        """Everyone holding time for this booking: one interpreter, or both legs of a relay."""
        return tuple(i for i in (self.interpreter_id, self.relay_interpreter_id) if i is not None)

    @property
    def is_relay(self) -> bool:
        return self.pivot_language is not None

    @classmethod
    def from_row(cls, row: BookingRow) -> Booking:
        return cls(
            id=BookingId(row.id),
            organisation_id=OrganisationId(row.organisation_id),
            caseworker_id=UserId(row.caseworker_id),
            language=LanguageTag.parse(row.language),
            dialect=row.dialect,
            interval=Interval(row.start_at, row.end_at),
            modality=Modality(row.modality),
            state=BookingState(row.state),
            interpreter_id=UserId(row.interpreter_id) if row.interpreter_id else None,
            created_at=row.created_at,
            version=row.version,
            requirements=BookingRequirements.from_json(row.requirements),
            pivot_language=LanguageTag.parse(row.pivot_language) if row.pivot_language else None,
            relay_interpreter_id=UserId(row.relay_interpreter_id) if row.relay_interpreter_id else None,
            explanation=json.loads(row.explanation) if row.explanation else None,
        )
