"""initial schema: organisations, accounts, interpreters, call records

Revision ID: 0001
Revises:
Create Date: 2026-11-29 01:56:03.832987
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('authority', 'operator')", name=op.f("ck_organisations_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=120), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('caseworker', 'interpreter', 'coordinator', 'admin')", name=op.f("ck_users_role")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_users_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "call_records",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.Column("caseworker_id", sa.String(length=32), nullable=False),
        sa.Column("interpreter_id", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("requested_gender", sa.String(length=16), nullable=True),
        sa.Column("requested_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rung_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("ring_attempts", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('completed', 'cancelled', 'no_interpreter', 'dropped')",
            name=op.f("ck_call_records_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["caseworker_id"], ["users.id"], name=op.f("fk_call_records_caseworker_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["interpreter_id"], ["users.id"], name=op.f("fk_call_records_interpreter_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_call_records_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_records")),
    )
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_records_interpreter_id"), ["interpreter_id"], unique=False)
        batch_op.create_index(
            "ix_call_records_org_requested", ["organisation_id", "requested_at"], unique=False
        )

    op.create_table(
        "interpreter_profiles",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "gender IN ('female', 'male', 'non_binary', 'undisclosed')",
            name=op.f("ck_interpreter_profiles_gender"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_interpreter_profiles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_interpreter_profiles")),
    )
    op.create_table(
        "login_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_login_sessions")),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "interpreter_languages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("tag", sa.String(length=35), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("dialect", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["interpreter_profiles.user_id"],
            name=op.f("fk_interpreter_languages_user_id_interpreter_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interpreter_languages")),
        sa.UniqueConstraint("user_id", "tag", "dialect", name="uq_interpreter_languages_user_tag_dialect"),
    )
    with op.batch_alter_table("interpreter_languages", schema=None) as batch_op:
        batch_op.create_index("ix_interpreter_languages_language", ["language"], unique=False)

    op.create_table(
        "interpreter_organisations",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_interpreter_organisations_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["interpreter_profiles.user_id"],
            name=op.f("fk_interpreter_organisations_user_id_interpreter_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "organisation_id", name=op.f("pk_interpreter_organisations")),
    )


def downgrade() -> None:
    op.drop_table("interpreter_organisations")
    with op.batch_alter_table("interpreter_languages", schema=None) as batch_op:
        batch_op.drop_index("ix_interpreter_languages_language")

    op.drop_table("interpreter_languages")
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_sessions_user_id"))

    op.drop_table("login_sessions")
    op.drop_table("interpreter_profiles")
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.drop_index("ix_call_records_org_requested")
        batch_op.drop_index(batch_op.f("ix_call_records_interpreter_id"))

    op.drop_table("call_records")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_organisation_id"))

    op.drop_table("users")
    op.drop_table("organisations")
