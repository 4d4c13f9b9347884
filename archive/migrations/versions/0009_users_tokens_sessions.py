"""People sign in: users with a role, API tokens for scripts, and browser sessions.

Passwords are argon2id hashes; tokens and session cookies are kept only as SHA-256 hashes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = sqlmodel.sql.sqltypes.AutoString
TIME = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", TEXT(), nullable=False),
        sa.Column("role", TEXT(), nullable=False),
        sa.Column("password_hash", TEXT(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created", TIME(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_user_name", "user", ["name"], unique=True)
    op.create_table(
        "apitoken",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", TEXT(), nullable=False),
        sa.Column("token_hash", TEXT(length=64), nullable=False),
        sa.Column("created", TIME(), nullable=False),
        sa.Column("last_used", TIME(), nullable=True),
        sa.Column("revoked", TIME(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_apitoken_user_id", "apitoken", ["user_id"])
    op.create_table(
        "loginsession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", TEXT(length=64), nullable=False),
        sa.Column("csrf", TEXT(), nullable=False),
        sa.Column("created", TIME(), nullable=False),
        sa.Column("expires", TIME(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_loginsession_user_id", "loginsession", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_loginsession_user_id", table_name="loginsession")
    op.drop_table("loginsession")
    op.drop_index("ix_apitoken_user_id", table_name="apitoken")
    op.drop_table("apitoken")
    op.drop_index("ix_user_name", table_name="user")
    op.drop_table("user")
