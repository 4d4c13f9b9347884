"""Documents remember an index write still owed; pages remember why OCR gave them no text.

`document.index_pending` is set in the transaction that saves a document and cleared once the
search index holds it: an ingest killed between the two finds the document owed on its next run
(and `sohoa doctor` reports it). `page.error` marks a page whose OCR timed out or crashed: the
document is kept, the page stored without text, and the reason shown.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "document",
        sa.Column("index_pending", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_index("ix_document_index_pending", "document", ["index_pending"])
    op.add_column("page", sa.Column("error", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_document_index_pending", table_name="document")
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.drop_column("error")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("index_pending")
