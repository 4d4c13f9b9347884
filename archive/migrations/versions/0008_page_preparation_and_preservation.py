"""Pages remember how they were prepared and where their text came from; documents keep a
PDF/A preservation copy.

`page.preparation` is what the prepare stage did (steps, rotation, measured skew); `page.flags`
what the archivist should look at (`low-dpi`, `low-confidence`, `blank`); `page.text_source`
where the text came from (`ocr`, or a born-digital PDF's own text layer). `derivative` holds
each document's current preservation copy by its SHA-256; `document.preserve_pending` is set in
the transaction that saves a document and cleared once its copy is stored, so an ingest killed
in between makes the copy on its next run.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.add_column("page", sa.Column("preparation", sa.JSON(), server_default="{}", nullable=False))
    op.add_column("page", sa.Column("flags", sa.JSON(), server_default="[]", nullable=False))
    op.add_column("page", sa.Column("text_source", sa.Text(), server_default="ocr", nullable=False))
    op.add_column(
        "document",
        sa.Column("preserve_pending", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index("ix_document_preserve_pending", "document", ["preserve_pending"])
    op.create_table(
        "derivative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("kind", TEXT(), nullable=False),
        sa.Column("sha256", TEXT(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "kind"),
    )
    op.create_index("ix_derivative_document_id", "derivative", ["document_id"])


def downgrade() -> None:
    op.drop_index("ix_derivative_document_id", table_name="derivative")
    op.drop_table("derivative")
    op.drop_index("ix_document_preserve_pending", table_name="document")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("preserve_pending")
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.drop_column("text_source")
        batch_op.drop_column("flags")
        batch_op.drop_column("preparation")
