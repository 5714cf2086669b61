"""migration data: the regional template's submissions and their versions, and the data_officer role

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 13:09:40

The role check of ``users`` widens to admit ``data_officer``. On PostgreSQL that is a constraint dropped
and added again. On SQLite a batch rebuild of ``users`` would drop the table with foreign keys on
(core.db turns them on, and they cannot be turned off inside the migration's transaction): every
``ON DELETE CASCADE`` from users (login sessions, reviewer grants) would fire and the other references
would fail. So on SQLite the table's stored definition is rewritten in place instead, SQLite's documented
procedure for changing a CHECK constraint (https://www.sqlite.org/lang_altertable.html, section 7); the
rows already there satisfy the wider check, and the data is not touched.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = "role IN ('caseworker', 'interpreter', 'coordinator', 'admin')"
NEW_ROLES = "role IN ('caseworker', 'interpreter', 'coordinator', 'admin', 'data_officer')"


def _set_role_check(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
        op.create_check_constraint(op.f("ck_users_role"), "users", new)
        return
    stored = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'"))
    sql = stored.scalar_one()
    if old not in sql:
        raise RuntimeError("the users table's role check is not the one this migration expects")
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'users'"),
        {"sql": sql.replace(old, new)},
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))
    problems = bind.execute(sa.text("PRAGMA integrity_check")).scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"the schema rewrite left the database inconsistent: {problems}")


def upgrade() -> None:
    _set_role_check(OLD_ROLES, NEW_ROLES)
    op.create_table(
        "migration_submissions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("authority", sa.String(length=2), nullable=False),
        sa.Column("dataflow", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("accepted_version", sa.Integer(), nullable=True),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_migration_submissions_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_migration_submissions")),
        sa.UniqueConstraint("authority", "dataflow", "period", name="uq_migration_submissions_series"),
    )
    with op.batch_alter_table("migration_submissions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_migration_submissions_dataflow_period", ["dataflow", "period"], unique=False
        )

    op.create_table(
        "migration_submission_versions",
        sa.Column("submission_id", sa.String(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=32), nullable=True),
        sa.Column("submitted_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cell_count", sa.Integer(), nullable=False),
        sa.Column("cells", sa.LargeBinary(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "source IN ('json', 'csv', 'xlsx', 'sdmx')", name=op.f("ck_migration_submission_versions_source")
        ),
        sa.CheckConstraint(
            "state IN ('draft', 'validated', 'submitted', 'accepted', 'returned', 'superseded')",
            name=op.f("ck_migration_submission_versions_state"),
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_migration_submission_versions_number")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_migration_submission_versions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_migration_submission_versions_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["migration_submissions.id"],
            name=op.f("fk_migration_submission_versions_submission_id_migration_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_migration_submission_versions_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("submission_id", "number", name=op.f("pk_migration_submission_versions")),
    )
    with op.batch_alter_table("migration_submission_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_migration_submission_versions_created_by"), ["created_by"], unique=False
        )


def downgrade() -> None:
    # Data officers have no role to fall back to: refuse rather than change who they are (first, before
    # anything changed: SQLite's driver commits DDL as it goes).
    officers = op.get_bind().execute(sa.text("SELECT count(*) FROM users WHERE role = 'data_officer'"))
    if officers.scalar_one():
        raise RuntimeError("data officers exist: give them another role before downgrading below 0012")
    with op.batch_alter_table("migration_submission_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_migration_submission_versions_created_by"))
    op.drop_table("migration_submission_versions")
    with op.batch_alter_table("migration_submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_migration_submissions_dataflow_period")
    op.drop_table("migration_submissions")
    _set_role_check(NEW_ROLES, OLD_ROLES)
