"""the caseworker's rating of a completed call's connection quality, 1 to 5, on its call record

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Calls recorded before this revision stay unrated.
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quality_rating", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_call_records_quality_rating"),
            "quality_rating IS NULL OR quality_rating BETWEEN 1 AND 5",
        )


def downgrade() -> None:
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_call_records_quality_rating"), type_="check")
        batch_op.drop_column("quality_rating")
