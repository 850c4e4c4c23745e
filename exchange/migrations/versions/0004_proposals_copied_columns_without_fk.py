"""proposals: no foreign keys on the columns copied from the postings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 23:40:00

A proposal's ``origin``, ``destination`` and ``cadre`` are copies of its deposit's country and
cadre and its withdrawal's country, kept for filtering without a join. The postings' own foreign
keys already guarantee them, so their foreign keys could never fail, yet PostgreSQL checks each
of them for each of the hundreds of proposals a round inserts (a third of a round's storage time
at size M). The foreign keys to the round and to the two postings stay.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COPIED = (("origin", "countries", "code"), ("destination", "countries", "code"))
COPIED_CADRE = ("cadre", "cadres", "code")
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
LZ4_AVAILABLE = (
    "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
)


def _keys() -> tuple[tuple[str, str, str], ...]:
    return (*COPIED, COPIED_CADRE)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for column, _, _ in _keys():
            op.drop_constraint(f"proposals_{column}_fkey", "proposals", type_="foreignkey")
        return
    with op.batch_alter_table("proposals", naming_convention=NAMING) as batch:
        for column, referred, _ in _keys():
            batch.drop_constraint(f"fk_proposals_{column}_{referred}", type_="foreignkey")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for column, referred, key in _keys():
            op.create_foreign_key(
                f"proposals_{column}_fkey", "proposals", referred, [column], [key]
            )
        return
    with op.batch_alter_table("proposals", naming_convention=NAMING) as batch:
        for column, referred, key in _keys():
            batch.create_foreign_key(f"fk_proposals_{column}_{referred}", referred, [column], [key])
