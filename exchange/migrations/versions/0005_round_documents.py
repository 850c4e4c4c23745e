"""round documents: a round's snapshot and result move out of its row

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 23:55:00

SQLite rewrites a whole row when any column of it changes, so every claim, lease extension and
status change of a round rewrote its megabyte snapshot (and, once solved, its result): about 4 ms
per update at size M. The two documents now live in ``round_documents`` (one row each, written
once per run). On PostgreSQL with lz4, they are compressed with it rather than pglz, which is
several times slower to write.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("scenario", "result")
LZ4_AVAILABLE = (
    "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
)


def upgrade() -> None:
    op.create_table(
        "round_documents",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.PrimaryKeyConstraint("round_id", "kind"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        if bind.execute(sa.text(LZ4_AVAILABLE)).first() is not None:
            op.execute("ALTER TABLE round_documents ALTER COLUMN body SET COMPRESSION lz4")
    for kind in KINDS:
        op.execute(
            f"INSERT INTO round_documents (round_id, kind, body) "
            f"SELECT id, '{kind}', {kind} FROM rounds WHERE {kind} IS NOT NULL"
        )
    with op.batch_alter_table("rounds") as batch:
        for kind in KINDS:
            batch.drop_column(kind)


def downgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        for kind in KINDS:
            batch.add_column(sa.Column(kind, sa.JSON(), nullable=True))
    for kind in KINDS:
        op.execute(
            f"UPDATE rounds SET {kind} = (SELECT body FROM round_documents "
            f"WHERE round_documents.round_id = rounds.id AND kind = '{kind}')"
        )
    op.drop_table("round_documents")
