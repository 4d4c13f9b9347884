"""PostgreSQL keeps the trail append-only too: the event trail, the checkpoints and the
tombstones of disposed records refuse UPDATE, DELETE and TRUNCATE, as SQLite's triggers (made in
0001, 0003 and 0004) refuse UPDATE and DELETE. Nothing changes on SQLite.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 09:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# each append-only table and what the database says when asked to change it (as on SQLite)
REFUSALS = {
    "event": "the event trail is append-only",
    "checkpoint": "checkpoints are append-only",
    "disposal": "tombstones are kept for good",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION sohoa_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END $$"
    )
    for table, refusal in REFUSALS.items():
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION sohoa_refuse_change('{refusal}')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION sohoa_refuse_change('{refusal}')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in REFUSALS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute("DROP FUNCTION IF EXISTS sohoa_refuse_change()")
