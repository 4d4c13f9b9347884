"""Checkpoints keep the roots of their tree's full subtrees, so sealing reads only new events.

A plain ADD COLUMN, not a batch table copy: the copy would drop the append-only triggers.
Checkpoints signed before this keep `[]`; the next seal rebuilds the tree once from every event.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "checkpoint", sa.Column("frontier", sa.JSON(), server_default="[]", nullable=False)
    )


def downgrade() -> None:
    with op.batch_alter_table("checkpoint", schema=None) as batch_op:
        batch_op.drop_column("frontier")
    if op.get_bind().dialect.name != "sqlite":
        return  # only SQLite's batch copy of the table loses its triggers
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS checkpoint_no_{verb.lower()} BEFORE {verb} ON "
            "checkpoint BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END"
        )
