"""bookings and interpreter assignments; on PostgreSQL, no overlapping active assignments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 03:34:35.809881
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Two active assignments of one interpreter may not share an instant. Alembic cannot compare exclusion
# constraints, so this one lives here, not in the models; SQLite gets the guarantee from the booking
# store, which checks and inserts under the database's write lock.
NO_OVERLAP = "ex_interpreter_assignments_no_overlap"


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("caseworker_id", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("dialect", sa.String(length=80), nullable=True),
        sa.Column("start_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("modality", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("interpreter_id", sa.String(length=32), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("modality IN ('video', 'audio')", name=op.f("ck_bookings_modality")),
        sa.CheckConstraint(
            "state IN ('requested', 'offered', 'confirmed', 'completed', 'no_show', 'cancelled')",
            name=op.f("ck_bookings_state"),
        ),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_bookings_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["caseworker_id"], ["users.id"], name=op.f("fk_bookings_caseworker_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["interpreter_id"], ["users.id"], name=op.f("fk_bookings_interpreter_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_bookings_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint(
            "caseworker_id", "idempotency_key", name="uq_bookings_caseworker_idempotency_key"
        ),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bookings_interpreter_id"), ["interpreter_id"], unique=False)
        batch_op.create_index("ix_bookings_org_start", ["organisation_id", "start_at"], unique=False)

    op.create_table(
        "interpreter_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("interpreter_id", sa.String(length=32), nullable=False),
        sa.Column("start_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("end_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_interpreter_assignments_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_interpreter_assignments_booking_id_bookings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["interpreter_id"], ["users.id"], name=op.f("fk_interpreter_assignments_interpreter_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interpreter_assignments")),
    )
    with op.batch_alter_table("interpreter_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interpreter_assignments_booking_id"), ["booking_id"], unique=False
        )
        batch_op.create_index(
            "ix_interpreter_assignments_interpreter_start", ["interpreter_id", "start_at"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            f"ALTER TABLE interpreter_assignments ADD CONSTRAINT {NO_OVERLAP} EXCLUDE USING gist "
            "(interpreter_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) WHERE (active)"
        )


def downgrade() -> None:
    # The constraint goes with its table; btree_gist stays, as other schemas may use it.
    with op.batch_alter_table("interpreter_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_interpreter_assignments_interpreter_start")
        batch_op.drop_index(batch_op.f("ix_interpreter_assignments_booking_id"))

    op.drop_table("interpreter_assignments")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_bookings_org_start")
        batch_op.drop_index(batch_op.f("ix_bookings_interpreter_id"))

    op.drop_table("bookings")
