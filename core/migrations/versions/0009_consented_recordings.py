"""consented recordings: policies, recordings, tracks, audit

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 12:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recording_policies",
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "retention_days BETWEEN 1 AND 3650", name=op.f("ck_recording_policies_retention_days")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_recording_policies_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_recording_policies_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_recording_policies")),
    )
    op.create_table(
        "recordings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("call_id", sa.String(length=32), nullable=False),
        sa.Column("caseworker_id", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("started_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('recording', 'complete', 'deleted')", name=op.f("ck_recordings_state")),
        sa.ForeignKeyConstraint(
            ["caseworker_id"], ["users.id"], name=op.f("fk_recordings_caseworker_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_recordings_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
    )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recordings_call_id"), ["call_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recordings_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index("ix_recordings_org_started", ["organisation_id", "started_at"], unique=False)

    op.create_table(
        "recording_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recording_id", sa.String(length=32), nullable=False),
        sa.Column("at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "action IN ('consented', 'started', 'leg_started', 'stopped', "
            "'viewed', 'played', 'denied', 'deleted')",
            name=op.f("ck_recording_audit_action"),
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_recording_audit_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name=op.f("fk_recording_audit_recording_id_recordings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_audit")),
    )
    with op.batch_alter_table("recording_audit", schema=None) as batch_op:
        batch_op.create_index("ix_recording_audit_recording_at", ["recording_id", "at"], unique=False)

    op.create_table(
        "recording_tracks",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("recording_id", sa.String(length=32), nullable=False),
        sa.Column("seat", sa.String(length=24), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("started_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name=op.f("fk_recording_tracks_recording_id_recordings")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_recording_tracks_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording_tracks")),
    )
    with op.batch_alter_table("recording_tracks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recording_tracks_recording_id"), ["recording_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recording_tracks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recording_tracks_recording_id"))

    op.drop_table("recording_tracks")
    with op.batch_alter_table("recording_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_recording_audit_recording_at")

    op.drop_table("recording_audit")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index("ix_recordings_org_started")
        batch_op.drop_index(batch_op.f("ix_recordings_expires_at"))
        batch_op.drop_index(batch_op.f("ix_recordings_call_id"))

    op.drop_table("recordings")
    op.drop_table("recording_policies")
