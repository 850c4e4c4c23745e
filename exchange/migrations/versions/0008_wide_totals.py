"""wide totals: a round's objective and ledger amounts as 64-bit integers

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 21:30:00

Every integer a request carries is bounded (``exchange.bounds``) to fit PostgreSQL's 32-bit
``integer``; totals over a round are not. One withdrawal of 100,000 workers at 10,000,000 US
dollars each is within the bounds, and its benefit (10**12) made PostgreSQL refuse to store the
round's objective (``benefit_usd``) and, at close, the ledger's ``amount``. Those columns, and
``priority_fill`` (5 x the workers placed), become ``bigint``. SQLite's integers are 64-bit
already: nothing changes there (no table is rebuilt).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("rounds", "priority_fill", True), ("rounds", "benefit_usd", True))
LEDGER = ("ledger_entries", "amount", False)


def _retype(new: sa.types.TypeEngine[int], old: sa.types.TypeEngine[int]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, nullable in (*COLUMNS, LEDGER):
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, type_=new, existing_type=old, existing_nullable=nullable)


def upgrade() -> None:
    _retype(sa.BigInteger(), sa.Integer())


def downgrade() -> None:
    _retype(sa.Integer(), sa.BigInteger())
