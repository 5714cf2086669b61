"""ORM tables. Rows stay inside the storage layer; services hand out frozen dataclasses instead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


ROLES = ("caseworker", "interpreter", "coordinator", "admin")
GENDERS = ("female", "male", "non_binary", "undisclosed")
ORGANISATION_KINDS = ("authority", "operator")
CALL_OUTCOMES = ("completed", "cancelled", "no_interpreter", "dropped")
BOOKING_STATES = ("requested", "offered", "confirmed", "completed", "no_show", "cancelled")
MODALITIES = ("video", "audio")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class OrganisationRow(Base):
    """An authority using the service (one tenant each), or the operator running it."""

    __tablename__ = "organisations"
    __table_args__ = (CheckConstraint(_in("kind", ORGANISATION_KINDS), name="kind"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    country_code: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InterpreterProfileRow(Base):
    __tablename__ = "interpreter_profiles"
    __table_args__ = (CheckConstraint(_in("gender", GENDERS), name="gender"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    gender: Mapped[str] = mapped_column(String(16))


class InterpreterLanguageRow(Base):
    """One working language of an interpreter: a canonical BCP 47 tag, and a dialect label where known."""

    __tablename__ = "interpreter_languages"
    __table_args__ = (
        UniqueConstraint("user_id", "tag", "dialect", name="uq_interpreter_languages_user_tag_dialect"),
        Index("ix_interpreter_languages_language", "language"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("interpreter_profiles.user_id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(35))
    language: Mapped[str] = mapped_column(String(8))  # primary subtag, for matching
    dialect: Mapped[str | None] = mapped_column(String(80))


class InterpreterOrganisationRow(Base):
    """The authorities an interpreter serves."""

    __tablename__ = "interpreter_organisations"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("interpreter_profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)


class LoginSessionRow(Base):
    """A login session; only the SHA-256 of the cookie token is stored."""

    __tablename__ = "login_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CallRecordRow(Base):
    """What happened to one on-demand request, never what was said in it."""

    __tablename__ = "call_records"
    __table_args__ = (
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', CALL_OUTCOMES)}", name="outcome"),
        Index("ix_call_records_org_requested", "organisation_id", "requested_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    caseworker_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    interpreter_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    language: Mapped[str] = mapped_column(String(35))
    requested_gender: Mapped[str | None] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rung_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16))
    ring_attempts: Mapped[int] = mapped_column(Integer, default=0)


class BookingRow(Base):
    """A scheduled interpretation asked for by a caseworker; its life is ``scheduler.booking_states``."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(_in("state", BOOKING_STATES), name="state"),
        CheckConstraint(_in("modality", MODALITIES), name="modality"),
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        UniqueConstraint("caseworker_id", "idempotency_key", name="uq_bookings_caseworker_idempotency_key"),
        Index("ix_bookings_org_start", "organisation_id", "start_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    caseworker_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    language: Mapped[str] = mapped_column(String(35))
    dialect: Mapped[str | None] = mapped_column(String(80))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    modality: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16))
    interpreter_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    # SHA-256 of the request that first used the key: a replay must ask for exactly the same booking.
    request_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)


class InterpreterAssignmentRow(Base):
    """An interpreter holding a booking's time; active rows of one interpreter never overlap.

    PostgreSQL enforces that with an exclusion constraint (created in migration 0002, PostgreSQL only);
    on SQLite the booking store checks and inserts under the database's single write lock.
    """

    __tablename__ = "interpreter_assignments"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        Index("ix_interpreter_assignments_interpreter_start", "interpreter_id", "start_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    interpreter_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column()
