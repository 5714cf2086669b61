"""interpreter languages indexed by language, user and accreditation, for the matcher

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 08:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Indexed on the language alone, SQLite checked "also works in the counterpart language" by walking
    # every row of that language for each candidate (hundreds of ms on 10,000 interpreters).
    with op.batch_alter_table("interpreter_languages", schema=None) as batch_op:
        batch_op.drop_index("ix_interpreter_languages_language")
        batch_op.create_index(
            "ix_interpreter_languages_language", ["language", "user_id", "accreditation"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("interpreter_languages", schema=None) as batch_op:
        batch_op.drop_index("ix_interpreter_languages_language")
        batch_op.create_index("ix_interpreter_languages_language", ["language"], unique=False)
