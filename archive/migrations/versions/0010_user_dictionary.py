"""The review queue and the user dictionary: a page's flags can be marked as looked at, and the
words archivists correct are learnt (folded OCR form → the word the paper says) for the repair.

Pages already stored have had nobody look at their flags (`flags_checked` false).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "learntword",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form", TEXT(), nullable=False),
        sa.Column("word", TEXT(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("actor", TEXT(), nullable=False),
        sa.Column("updated", TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_learntword_form", "learntword", ["form"], unique=True)
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("flags_checked", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.drop_column("flags_checked")
    op.drop_index("ix_learntword_form", table_name="learntword")
    op.drop_table("learntword")
