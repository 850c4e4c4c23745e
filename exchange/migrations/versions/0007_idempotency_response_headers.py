"""idempotency response headers: a replay carries the first response's ETag and Location

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 20:50:00

API.md: the same key and body "returns the first response". The status and body were stored, not
the headers that describe the created object, so a replay came without ``ETag`` and ``Location``.
Keys stored before this revision have no headers (null) and replay without them; keys live 24
hours.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("idempotency_keys", sa.Column("response_headers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("response_headers")
