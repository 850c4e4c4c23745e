"""lean proposal indexes: drop the three no query uses

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 23:00:00

A round inserts one proposal per match (hundreds at size M), and each index is written for each
of them. ``round_id`` alone is covered by the unique (round_id, deposit_id, withdrawal_id) index;
no query looks proposals up by ``deposit_id`` or ``withdrawal_id`` alone (postings are never
deleted, so their foreign keys never search proposals).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = ("round_id", "deposit_id", "withdrawal_id")


def upgrade() -> None:
    for column in DROPPED:
        op.drop_index(f"ix_proposals_{column}", table_name="proposals")


def downgrade() -> None:
    for column in DROPPED:
        op.create_index(f"ix_proposals_{column}", "proposals", [column], unique=False)
