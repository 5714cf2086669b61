"""The service's activity for the regional template (``migration_data.activity``), read from the call
records and bookings with the usage report's rules (``scheduler.reports``): which calls and bookings count,
in which month, for how many minutes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from core.db import Database
from core.ids import OrganisationId
from core.models import BookingRow, CallRecordRow, OrganisationRow
from migration_data.activity import InterpretationSession
from migration_data.periods import Frequency, Period
from scheduler.booking_states import BookingState
from scheduler.intervals import Interval
from scheduler.reports import (
    COUNTED_BOOKING_STATES,
    COUNTED_CALL_OUTCOMES,
    BookingUsage,
    CallUsage,
    Month,
    booking_minutes,
    call_minutes,
)


class ServiceActivity:
    """:class:`migration_data.activity.ActivitySource` over this service's database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def sessions(self, first: Period, last: Period) -> Sequence[InterpretationSession]:
        window = Interval(
            Month(first.year, first.number).start_utc, Month(last.year, last.number).next().start_utc
        )
        calls = (
            select(
                OrganisationRow.country_code,
                CallRecordRow.organisation_id,
                CallRecordRow.language,
                CallRecordRow.outcome,
                CallRecordRow.answered_at,
                CallRecordRow.ended_at,
            )
            .join(OrganisationRow, OrganisationRow.id == CallRecordRow.organisation_id)
            .where(
                CallRecordRow.outcome.in_(sorted(COUNTED_CALL_OUTCOMES)),
                CallRecordRow.answered_at >= window.start_utc,
                CallRecordRow.answered_at < window.end_utc,
            )
        )
        bookings = (
            select(
                OrganisationRow.country_code,
                BookingRow.organisation_id,
                BookingRow.language,
                BookingRow.state,
                BookingRow.start_at,
                BookingRow.end_at,
            )
            .join(OrganisationRow, OrganisationRow.id == BookingRow.organisation_id)
            .where(
                BookingRow.state.in_(sorted(COUNTED_BOOKING_STATES)),
                BookingRow.start_at >= window.start_utc,
                BookingRow.start_at < window.end_utc,
            )
        )
        found: list[InterpretationSession] = []
        async with self._db.sessions() as session:
            for country, org, language, outcome, answered, ended in (await session.execute(calls)).all():
                counted = call_minutes(CallUsage(OrganisationId(org), language, outcome, answered, ended))
                if counted is not None:
                    found.append(_session(country, language, *counted))
            for country, org, language, state, start, end in (await session.execute(bookings)).all():
                usage = BookingUsage(OrganisationId(org), language, BookingState(state), Interval(start, end))
                if (booked := booking_minutes(usage)) is not None:
                    found.append(_session(country, language, *booked))
        return found


def _session(country: str | None, language: str, month: Month, minutes: int) -> InterpretationSession:
    return InterpretationSession(
        country, language, Period(Frequency.MONTHLY, month.year, month.month), minutes
    )
