"""Pages keep their diacritic-repair edits and how many of them need a person's review.

Pages ingested before repair existed get no edits (`[]`) and nothing to review (0): their text
was only normalised, never repaired.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edits", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(
            sa.Column("review_count", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.drop_column("review_count")
        batch_op.drop_column("edits")
