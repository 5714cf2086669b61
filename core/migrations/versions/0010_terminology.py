"""terminology: terms, entries, versions, reviewers

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 12:40:40
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "terms",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("subject_field", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_terms_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terms")),
    )
    op.create_table(
        "term_entries",
        sa.Column("term_id", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("part_of_speech", sa.String(length=16), nullable=True),
        sa.Column("definition", sa.Text(), nullable=True),
        sa.Column("provenance", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "part_of_speech IS NULL OR part_of_speech IN "
            "('noun', 'verb', 'adjective', 'adverb', 'properNoun', 'other')",
            name=op.f("ck_term_entries_part_of_speech"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'reviewed', 'approved')", name=op.f("ck_term_entries_status")
        ),
        sa.ForeignKeyConstraint(
            ["term_id"], ["terms.id"], name=op.f("fk_term_entries_term_id_terms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("term_id", "language", name=op.f("pk_term_entries")),
    )
    with op.batch_alter_table("term_entries", schema=None) as batch_op:
        batch_op.create_index("ix_term_entries_language_status", ["language", "status"], unique=False)

    op.create_table(
        "term_versions",
        sa.Column("term_id", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_term_versions_number")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_term_versions_author_id_users")),
        sa.ForeignKeyConstraint(
            ["term_id"], ["terms.id"], name=op.f("fk_term_versions_term_id_terms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("term_id", "number", name=op.f("pk_term_versions")),
    )
    with op.batch_alter_table("term_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_term_versions_author_id"), ["author_id"], unique=False)

    op.create_table(
        "terminology_reviewers",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("granted_by", sa.String(length=32), nullable=False),
        sa.Column("granted_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["users.id"], name=op.f("fk_terminology_reviewers_granted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_terminology_reviewers_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_terminology_reviewers")),
    )


def downgrade() -> None:
    op.drop_table("terminology_reviewers")
    with op.batch_alter_table("term_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_term_versions_author_id"))

    op.drop_table("term_versions")
    with op.batch_alter_table("term_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_term_entries_language_status")

    op.drop_table("term_entries")
    op.drop_table("terms")
