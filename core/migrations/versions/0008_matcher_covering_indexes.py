"""held time and accepted offers indexed with the columns the matcher reads, so it reads the index alone

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 10:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every candidate query reads the held time and the last accepted offer of each surviving candidate.
    # Without the end, the active flag and the offer time in the index, SQLite fetched every row from the
    # table as well: a random page read each, some thousands per query on 100,000 bookings.
    with op.batch_alter_table("interpreter_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_interpreter_assignments_interpreter_start")
        batch_op.create_index(
            "ix_interpreter_assignments_interpreter_start",
            ["interpreter_id", "start_at", "end_at", "active"],
            unique=False,
        )
    with op.batch_alter_table("booking_offers", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_offers_interpreter_answer")
        batch_op.create_index(
            "ix_booking_offers_interpreter_answer", ["interpreter_id", "answer", "offered_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("booking_offers", schema=None) as batch_op:
        batch_op.drop_index("ix_booking_offers_interpreter_answer")
        batch_op.create_index(
            "ix_booking_offers_interpreter_answer", ["interpreter_id", "answer"], unique=False
        )
    with op.batch_alter_table("interpreter_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_interpreter_assignments_interpreter_start")
        batch_op.create_index(
            "ix_interpreter_assignments_interpreter_start", ["interpreter_id", "start_at"], unique=False
        )
