"""audit hash chain: prev_hash and hash on every event, and triggers refusing UPDATE and DELETE

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:30:00

Existing events are chained in id order (``exchange.audit.chain``), then both columns become
NOT NULL and ``prev_hash`` unique (two events can never follow the same one). The triggers
(``exchange.audit.guard``) are created last: SQLite rebuilds the table to change its columns,
which would drop them. The downgrade removes the triggers and the columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from exchange.audit.chain import GENESIS, event_hash
from exchange.audit.guard import install_guard, remove_guard
from exchange.timestamps import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = sa.table(
    "audit_events",
    sa.column("id", sa.Integer()),
    sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("entity", sa.String()),
    sa.column("entity_id", sa.String()),
    sa.column("before", sa.JSON()),
    sa.column("after", sa.JSON()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.select(EVENTS).order_by(EVENTS.c.id)).all()
    prev = GENESIS
    for row in rows:
        digest = event_hash(row, prev)
        bind.execute(
            EVENTS.update().where(EVENTS.c.id == row.id).values(prev_hash=prev, hash=digest)
        )
        prev = digest
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index("ix_audit_events_prev_hash", ["prev_hash"], unique=True)
    install_guard(bind)


def downgrade() -> None:
    remove_guard(op.get_bind())
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_prev_hash")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
