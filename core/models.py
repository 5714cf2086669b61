"""ORM tables. Rows stay inside the storage layer; services hand out frozen dataclasses instead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Unicode,
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


ROLES = ("caseworker", "interpreter", "coordinator", "admin", "data_officer")
GENDERS = ("female", "male", "non_binary", "undisclosed")
ORGANISATION_KINDS = ("authority", "operator")
CALL_OUTCOMES = ("completed", "cancelled", "no_interpreter", "dropped")
BOOKING_STATES = ("requested", "offered", "confirmed", "completed", "no_show", "cancelled")
MODALITIES = ("video", "audio")
OFFER_ANSWERS = ("accepted", "declined", "expired", "withdrawn", "released")
OFFER_LEGS = ("direct", "to_pivot", "from_pivot")
SPECIALISATIONS = ("asylum_interview", "medical", "child_friendly", "gender_based_violence")


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
        # Leads with the primary subtag and carries the user and level: the matcher's prefilter and its
        # counterpart-language check are answered from the index alone.
        Index("ix_interpreter_languages_language", "language", "user_id", "accreditation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("interpreter_profiles.user_id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(35))
    language: Mapped[str] = mapped_column(String(8))  # primary subtag, for matching
    dialect: Mapped[str | None] = mapped_column(String(80))
    # scheduler.constraints.Accreditation: 0 none, 1 trained, 2 certified, 3 sworn.
    accreditation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class InterpreterOrganisationRow(Base):
    """The authorities an interpreter serves."""

    __tablename__ = "interpreter_organisations"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("interpreter_profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)


class InterpreterSpecialisationRow(Base):
    __tablename__ = "interpreter_specialisations"
    __table_args__ = (CheckConstraint(_in("specialisation", SPECIALISATIONS), name="specialisation"),)

    user_id: Mapped[str] = mapped_column(
        ForeignKey("interpreter_profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    specialisation: Mapped[str] = mapped_column(String(32), primary_key=True)


class InterpreterConflictRow(Base):
    """An attribute the interpreter declared as a possible conflict of interest (``nationality=af``)."""

    __tablename__ = "interpreter_conflicts"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("interpreter_profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(String(80), primary_key=True)


class OrganisationExclusionRow(Base):
    """An interpreter an authority will not work with; no reason is stored (it may be personal)."""

    __tablename__ = "organisation_exclusions"

    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    interpreter_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InterpreterAvailabilityRow(Base):
    """An interpreter's weekly hours and dated exceptions, as JSON in their own IANA zone.

    ``version`` grows with every change so a node can keep the parsed pattern until it changes.
    """

    __tablename__ = "interpreter_availability"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("interpreter_profiles.user_id", ondelete="CASCADE"), primary_key=True
    )
    zone: Mapped[str] = mapped_column(String(64))
    pattern: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MatchingVersionRow(Base):
    """One row whose version moves on with every change the matcher's per-node index depends on
    (profiles, exclusion lists, availability), in the same transaction as the change."""

    __tablename__ = "matching_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)


class StandbyShiftRow(Base):
    """A coordinator's rostering of one interpreter on standby for a language over a span of time."""

    __tablename__ = "standby_shifts"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        Index("ix_standby_shifts_interpreter_start", "interpreter_id", "start_at"),
        Index("ix_standby_shifts_language_start", "language", "start_at"),
        UniqueConstraint(
            "created_by", "idempotency_key", name="uq_standby_shifts_created_by_idempotency_key"
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    interpreter_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(35))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled: Mapped[bool] = mapped_column(default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    # SHA-256 of the request that first used the key; None on shifts added before keys were asked for.
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))


class NotificationRow(Base):
    """A message the service owes a user (a reminder, an invitation); unique per subject and kind, so a
    timed job that runs twice still leaves one."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "subject_id", name="uq_notifications_user_kind_subject"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # JSON: ids, times and the language, never personal data
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
        CheckConstraint("quality_rating IS NULL OR quality_rating BETWEEN 1 AND 5", name="quality_rating"),
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
    # The caseworker's rating of the connection, 1 (poor) to 5, once the call ended as completed.
    quality_rating: Mapped[int | None] = mapped_column(Integer)


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
    # The language the authority's side speaks; None: whatever the organisation works in.
    counterpart_language: Mapped[str | None] = mapped_column(String(35))
    # Relay interpreting: language -> pivot by ``interpreter_id``, pivot -> counterpart by this one.
    pivot_language: Mapped[str | None] = mapped_column(String(35))
    relay_interpreter_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    # JSON: the hard constraints and soft preferences asked for (scheduler.booking_requirements).
    requirements: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    # JSON: which preferences the last matching applied or relaxed, and why.
    explanation: Mapped[str | None] = mapped_column(Text)
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
        # Carries the end and the flag too: the matcher's held-time read is answered from the index alone.
        Index(
            "ix_interpreter_assignments_interpreter_start", "interpreter_id", "start_at", "end_at", "active"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    interpreter_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column()


class BookingOfferRow(Base):
    """One offer of a booking (or of one leg of a relay) to one interpreter, and its answer.

    The open offers of a booking (``answer`` NULL or accepted in the current round) are the ones its
    assignments hold time for; every other row is history, kept so a decliner is not asked again.
    """

    __tablename__ = "booking_offers"
    __table_args__ = (
        CheckConstraint(f"answer IS NULL OR {_in('answer', OFFER_ANSWERS)}", name="answer"),
        CheckConstraint(_in("leg", OFFER_LEGS), name="leg"),
        Index("ix_booking_offers_booking", "booking_id"),
        # Carries the offer time: the matcher reads the last accepted offer per candidate from the index.
        Index("ix_booking_offers_interpreter_answer", "interpreter_id", "answer", "offered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    booking_id: Mapped[str] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    interpreter_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    leg: Mapped[str] = mapped_column(String(16))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    current: Mapped[bool] = mapped_column(default=True)


RECORDING_STATES = ("recording", "complete", "deleted")
RECORDING_ACTIONS = (
    "consented",  # a participant agreed (the caseworker also confirms the applicant's consent)
    "started",
    "leg_started",  # a participant's audio began arriving at the recorder
    "stopped",
    "viewed",  # its details were read
    "played",  # a track's audio was decrypted and sent to someone
    "denied",  # someone without the right asked for it
    "deleted",  # its retention ran out and the scheduled job removed the files
)


class RecordingPolicyRow(Base):
    """Whether an organisation allows consented recording, and how long recordings are kept.

    No row means no recording at all: recording is off unless an organisation turned it on.
    """

    __tablename__ = "recording_policies"
    __table_args__ = (CheckConstraint("retention_days BETWEEN 1 AND 3650", name="retention_days"),)

    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    allowed: Mapped[bool] = mapped_column()
    retention_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(ForeignKey("users.id"))


class RecordingRow(Base):
    """One consented recording of a call's audio; its rows are kept after deletion, as the audit's subject."""

    __tablename__ = "recordings"
    __table_args__ = (
        CheckConstraint(_in("state", RECORDING_STATES), name="state"),
        Index("ix_recordings_org_started", "organisation_id", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    call_id: Mapped[str] = mapped_column(String(32), index=True)
    caseworker_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    language: Mapped[str] = mapped_column(String(35))
    state: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RecordingTrackRow(Base):
    """One participant's audio within a recording: an encrypted file and its wrapped data key."""

    __tablename__ = "recording_tracks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    recording_id: Mapped[str] = mapped_column(ForeignKey("recordings.id"), index=True)
    seat: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    key_id: Mapped[str] = mapped_column(String(16))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    size_bytes: Mapped[int | None] = mapped_column(Integer)


class RecordingAuditRow(Base):
    """Who did what to a recording, and when: every consent, start, stop, access, refusal and deletion."""

    __tablename__ = "recording_audit"
    __table_args__ = (
        CheckConstraint(_in("action", RECORDING_ACTIONS), name="action"),
        Index("ix_recording_audit_recording_at", "recording_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recording_id: Mapped[str] = mapped_column(ForeignKey("recordings.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))  # None: the service itself
    action: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(200), default="")


# APScheduler's job store table, declared here so that Alembic owns the schema like every other table.
# Its rows are written only by apscheduler.jobstores.sqlalchemy.SQLAlchemyJobStore (scheduler.timed_work).
SCHEDULED_JOBS = Table(
    "scheduled_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


# Shared terminology (glossary.term_store); the picklists mirror glossary.review and glossary.terminology,
# which the core may not import (a test keeps them equal).
TERM_STATUSES = ("draft", "reviewed", "approved")
PARTS_OF_SPEECH = ("noun", "verb", "adjective", "adverb", "properNoun", "other")


class TermRow(Base):
    """A concept of the shared terminology, as it stands now; ``version`` is its newest version's number."""

    __tablename__ = "terms"
    __table_args__ = (CheckConstraint("version >= 1", name="version"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)  # the concept id, an XML NCName
    subject_field: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TermEntryRow(Base):
    """A concept's term in one language, with where it came from and how far review has taken it."""

    __tablename__ = "term_entries"
    __table_args__ = (
        CheckConstraint(_in("status", TERM_STATUSES), name="status"),
        CheckConstraint(
            f"part_of_speech IS NULL OR {_in('part_of_speech', PARTS_OF_SPEECH)}", name="part_of_speech"
        ),
        Index("ix_term_entries_language_status", "language", "status"),
    )

    term_id: Mapped[str] = mapped_column(ForeignKey("terms.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # the order entries were added in, kept by exports
    text: Mapped[str] = mapped_column(String(500))
    part_of_speech: Mapped[str | None] = mapped_column(String(16))
    definition: Mapped[str | None] = mapped_column(Text)
    provenance: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))


class TermVersionRow(Base):
    """One change to a term: who made it, when, what it was, and the whole term after it (JSON)."""

    __tablename__ = "term_versions"
    __table_args__ = (CheckConstraint("number >= 1", name="number"),)

    term_id: Mapped[str] = mapped_column(ForeignKey("terms.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    change: Mapped[str] = mapped_column(Text)
    snapshot: Mapped[str] = mapped_column(Text)  # JSON: glossary.term_store's form of the whole term


class TerminologyReviewerRow(Base):
    """A user a coordinator or administrator qualified to review and approve translations."""

    __tablename__ = "terminology_reviewers"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    granted_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PhraseAudioRow(Base):
    """A recording of one phrasebook phrase in one language (glossary.phrase_audio); an upload replaces it.

    The bytes live here rather than on disk: recordings are small (a phrase, at most 2 MB) and few, and
    every node of a scaled-out service then serves the same ones.
    """

    __tablename__ = "phrase_audio"
    __table_args__ = (
        CheckConstraint(_in("status", TERM_STATUSES), name="status"),
        CheckConstraint("duration_s > 0", name="duration_s"),
    )

    phrase_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column("bytes", LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(Float)
    provenance: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The regional template's submissions (migration_data.store); the states mirror
# migration_data.submission.SubmissionState, which the core may not import (a test keeps them equal).
MIGRATION_SUBMISSION_STATES = ("draft", "validated", "submitted", "accepted", "returned", "superseded")
MIGRATION_SOURCES = ("json", "csv", "xlsx", "sdmx")


class MigrationSubmissionRow(Base):
    """One authority's figures for one dataflow and period; ``version`` is its newest version's number and
    ``revision`` moves on with every change (compare-and-set, and the row a change locks)."""

    __tablename__ = "migration_submissions"
    __table_args__ = (
        UniqueConstraint("authority", "dataflow", "period", name="uq_migration_submissions_series"),
        CheckConstraint("version >= 1", name="version"),
        Index("ix_migration_submissions_dataflow_period", "dataflow", "period"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    authority: Mapped[str] = mapped_column(String(2))  # GEO code of migration_data.authorities
    dataflow: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(8))  # YYYY-MM, YYYY-Qn or YYYY
    version: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # the newest version's, for listing without the versions
    accepted_version: Mapped[int | None] = mapped_column(Integer)  # the one regional figures count
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MigrationSubmissionVersionRow(Base):
    """One version of a submission: its state, who moved it when, its validation report and its cells.

    The cells are one compressed blob per version (``migration_data.cell_blob``: the encoded columns as
    NumPy arrays in ``np.savez_compressed``), not a row per cell: a year of the region's monthly figures
    is on the order of a million cells, and they are only ever read and written whole.
    """

    __tablename__ = "migration_submission_versions"
    __table_args__ = (
        CheckConstraint(_in("state", MIGRATION_SUBMISSION_STATES), name="state"),
        CheckConstraint(_in("source", MIGRATION_SOURCES), name="source"),
        CheckConstraint("number >= 1", name="number"),
    )

    submission_id: Mapped[str] = mapped_column(
        ForeignKey("migration_submissions.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(8))
    late: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))  # accepted or returned it
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cell_count: Mapped[int] = mapped_column(Integer)
    cells: Mapped[bytes] = mapped_column(LargeBinary)
    report: Mapped[str] = mapped_column(Text)  # JSON: the validation report (issues listed, all counted)
