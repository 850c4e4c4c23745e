"""round documents as text: stored as serialised, never parsed by the database

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 00:30:00

A round's documents are written whole and read whole; nothing queries inside them. As a ``json``
column, PostgreSQL parsed each on the way in to check it (about 3 ms for the 1 MB result at size
M, a tenth of a round's database work). As text they are stored as the JSON they were serialised
to (still lz4-compressed where the server has it), and the API can send them as they are. SQLite
stored JSON as text already; only the declared type changes.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LZ4_AVAILABLE = (
    "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
)


def _retype(new: Any, old: Any) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        target = "text" if isinstance(new, sa.Text) else "json"
        op.execute(
            f"ALTER TABLE round_documents ALTER COLUMN body TYPE {target} USING body::{target}"
        )
        if bind.execute(sa.text(LZ4_AVAILABLE)).first() is not None:
            op.execute("ALTER TABLE round_documents ALTER COLUMN body SET COMPRESSION lz4")
        return
    with op.batch_alter_table("round_documents") as batch:
        batch.alter_column("body", type_=new, existing_type=old, existing_nullable=False)


def upgrade() -> None:
    _retype(sa.Text(), sa.JSON())


def downgrade() -> None:
    _retype(sa.JSON(), sa.Text())
