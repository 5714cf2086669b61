"""phrase audio: recordings of phrasebook phrases, one per phrase and language

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 12:55:59
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "phrase_audio",
        sa.Column("phrase_id", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("bytes", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("provenance", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("uploaded_by", sa.String(length=32), nullable=False),
        sa.Column("uploaded_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'reviewed', 'approved')", name=op.f("ck_phrase_audio_status")
        ),
        sa.CheckConstraint("duration_s > 0", name=op.f("ck_phrase_audio_duration_s")),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_phrase_audio_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("phrase_id", "language", name=op.f("pk_phrase_audio")),
    )


def downgrade() -> None:
    op.drop_table("phrase_audio")
