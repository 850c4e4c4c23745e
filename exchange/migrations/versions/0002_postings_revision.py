"""postings revision: a change counter moved by triggers on deposits and withdrawals

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 23:05:00

The API caches serialised pages of postings under this counter. Triggers, not the application,
move it, so that every writer (another server process, an import, a script) invalidates the pages.

- SQLite: one AFTER trigger per table and operation, per row (SQLite serialises writers).
- PostgreSQL: a deferred constraint trigger, so the counter row is locked at commit, after every
  other lock the transaction takes (no deadlock with transactions locking postings in another
  order), and moved once per transaction; plus a statement trigger for TRUNCATE.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("deposits", "withdrawals")
OPERATIONS = ("INSERT", "UPDATE", "DELETE")
BUMP = (
    "INSERT INTO change_counters (name, value) VALUES ('postings', 1) "
    "ON CONFLICT (name) DO UPDATE SET value = change_counters.value + 1"
)
PG_FUNCTION = f"""
CREATE FUNCTION hrhx_bump_postings_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('hrhx.postings_bumped_in', true) IS DISTINCT FROM txid_current()::text
    THEN
        PERFORM set_config('hrhx.postings_bumped_in', txid_current()::text, true);
        {BUMP};
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "change_counters",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.execute("INSERT INTO change_counters (name, value) VALUES ('postings', 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in TABLES:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {table}_postings_revision "
                f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "EXECUTE FUNCTION hrhx_bump_postings_revision()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_postings_revision_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION hrhx_bump_postings_revision()"
            )
    else:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(
                    f"CREATE TRIGGER {table}_postings_revision_{operation.lower()} "
                    f"AFTER {operation} ON {table} BEGIN {BUMP}; END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_postings_revision ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_postings_revision_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS hrhx_bump_postings_revision()")
    else:
        for table in TABLES:
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_postings_revision_{operation.lower()}")
    op.drop_table("change_counters")
