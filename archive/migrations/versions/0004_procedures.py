"""The quality system: procedures (every version kept), their links to documents, and the
tombstones of disposed records.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "procedure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", TEXT(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", TEXT(), nullable=False),
        sa.Column("clauses", sa.JSON(), nullable=False),
        sa.Column("owner", TEXT(), nullable=False),
        sa.Column("record_types", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=True),
        sa.Column("status", TEXT(), nullable=False),
        sa.Column("effective", TIME(), nullable=False),
        sa.Column("superseded", TIME(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", "version"),
    )
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_code"), ["code"], unique=False)

    op.create_table(
        "procedurelink",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("code", TEXT(), nullable=False),
        sa.Column("source", TEXT(), nullable=False),
        sa.Column("reason", TEXT(), nullable=False),
        sa.Column("actor", TEXT(), nullable=False),
        sa.Column("created", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id", "code"),
    )
    with op.batch_alter_table("procedurelink", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedurelink_code"), ["code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_procedurelink_document_id"), ["document_id"], unique=False
        )

    op.create_table(
        "disposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("sha256", TEXT(length=64), nullable=False),
        sa.Column("name", TEXT(), nullable=False),
        sa.Column("procedures", sa.JSON(), nullable=False),
        sa.Column("retention_until", TEXT(), nullable=False),
        sa.Column("disposed", TIME(), nullable=False),
        sa.Column("actor", TEXT(), nullable=False),
        sa.Column("reason", TEXT(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("document_id"),
    )
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER disposal_no_{verb.lower()} BEFORE {verb} ON disposal "
                "BEGIN SELECT RAISE(ABORT, 'tombstones are kept for good'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS disposal_no_update")
        op.execute("DROP TRIGGER IF EXISTS disposal_no_delete")
    op.drop_table("disposal")
    with op.batch_alter_table("procedurelink", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedurelink_document_id"))
        batch_op.drop_index(batch_op.f("ix_procedurelink_code"))
    op.drop_table("procedurelink")
    with op.batch_alter_table("procedure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_code"))
    op.drop_table("procedure")
