"""idempotency keys on standby shifts: unique per coordinator, with the fingerprint of the request

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 07:40:59.885010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Shifts added before this revision keep neither a key nor a fingerprint; they cannot be replayed.
    with op.batch_alter_table("standby_shifts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("request_fingerprint", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            "uq_standby_shifts_created_by_idempotency_key", ["created_by", "idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("standby_shifts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_standby_shifts_created_by_idempotency_key", type_="unique")
        batch_op.drop_column("request_fingerprint")
        batch_op.drop_column("idempotency_key")
