"""rounds over time: live and what-if rounds, the postings a round holds, the legal basis and
decline reasons of proposals, placements with their events and payments

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 17:00:00

- ``rounds``: ``kind`` (``live`` or ``what_if``), ``base_round_id`` (a what-if's live round),
  ``as_of`` (the month its snapshot is taken as of) and ``answer_by`` (proposals still open then
  expire);
- ``round_postings``: the postings frozen in a round's snapshot, so that a posting sits in at most
  one live round that is running or proposed;
- ``proposals``: ``basis`` (MATCHING.md section 7), ``decline_reason`` and ``decline_note``;
- ``placements``, ``placement_events`` and ``payments``: what happens after a booking;
- ``ledger_entries``: ``payment_id``, and the uniqueness that stops a double booking moves from
  (``proposal_id``, ``kind``) to (``correlation_key``, ``kind``), so that a placement may be paid
  for several times (each payment has a key of its own). On SQLite the table is copied with the
  new definition (its old unique constraint has no name to drop).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOTAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NEW_UNIQUE = "uq_ledger_entries_correlation_key_kind"
OLD_UNIQUE_PG = "ledger_entries_proposal_id_kind_key"


def _ledger_table(unique: tuple[str, ...], name: str | None, payment: bool) -> sa.Table:
    """``ledger_entries`` as it is before (``payment`` False) or after this revision."""
    columns: list[Any] = [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("correlation_key", sa.String(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
    ]
    if payment:
        columns.append(sa.Column("payment_id", sa.Integer(), nullable=True))
    columns += [
        sa.Column("country", sa.String(), nullable=False),
        sa.Column("counterparty", sa.String(), nullable=False),
        sa.Column("cadre", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("amount", TOTAL, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cadre"], ["cadres.code"]),
        sa.ForeignKeyConstraint(["counterparty"], ["countries.code"]),
        sa.ForeignKeyConstraint(["country"], ["countries.code"]),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(*unique, name=name),
    ]
    if payment:
        columns.append(
            sa.ForeignKeyConstraint(
                ["payment_id"], ["payments.id"], name="fk_ledger_entries_payment_id"
            )
        )
    columns += [
        sa.Index(f"ix_ledger_entries_{column}", column)
        for column in ("correlation_key", "country", "proposal_id", "round_id")
    ]
    return sa.Table("ledger_entries", sa.MetaData(), *columns)


def upgrade() -> None:
    with op.batch_alter_table("rounds") as batch:
        batch.add_column(sa.Column("kind", sa.String(), nullable=False, server_default="live"))
        batch.add_column(sa.Column("base_round_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("as_of", sa.String(), nullable=True))
        batch.add_column(sa.Column("answer_by", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_rounds_base_round_id", "rounds", ["base_round_id"], ["id"])
    with op.batch_alter_table("rounds") as batch:
        batch.alter_column("kind", server_default=None)
    op.create_table(
        "round_postings",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(), nullable=False),
        sa.Column("posting_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.PrimaryKeyConstraint("round_id", "side", "posting_id"),
    )
    op.create_index("ix_round_postings_posting_id", "round_postings", ["posting_id"])
    op.add_column("proposals", sa.Column("basis", sa.JSON(), nullable=True))
    op.add_column("proposals", sa.Column("decline_reason", sa.String(), nullable=True))
    op.add_column("proposals", sa.Column("decline_note", sa.String(), nullable=True))
    op.create_table(
        "placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("deposit_id", sa.String(), nullable=False),
        sa.Column("withdrawal_id", sa.String(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("destination", sa.String(), nullable=False),
        sa.Column("cadre", sa.String(), nullable=False),
        sa.Column("modality", sa.String(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.String(), nullable=True),
        sa.Column("basis", sa.JSON(), nullable=True),
        sa.Column("benefit_usd_per_worker", sa.Integer(), nullable=False),
        sa.Column("start_month", sa.String(), nullable=False),
        sa.Column("duration_months", sa.Integer(), nullable=False),
        sa.Column("expected_end_month", sa.String(), nullable=False),
        sa.Column("booked_month", sa.String(), nullable=False),
        *(
            sa.Column(stage, sa.Integer(), nullable=False)
            for stage in ("contract_signed", "departed", "started", "returned", "ended")
        ),
        sa.Column("cancelled", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["cadre"], ["cadres.code"]),
        sa.ForeignKeyConstraint(["destination"], ["countries.code"]),
        sa.ForeignKeyConstraint(["origin"], ["countries.code"]),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id"),
    )
    for column in ("round_id", "origin", "destination", "agreement_id", "booked_month"):
        op.create_index(f"ix_placements_{column}", "placements", [column])
    op.create_table(
        "placement_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["placement_id"], ["placements.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_placement_events_placement_id", "placement_events", ["placement_id"])
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("amount_usd", TOTAL, nullable=False),
        sa.Column("month", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["placement_id"], ["placements.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_payments_placement_id", "payments", ["placement_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("ledger_entries", sa.Column("payment_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_ledger_entries_payment_id", "ledger_entries", "payments", ["payment_id"], ["id"]
        )
        op.drop_constraint(OLD_UNIQUE_PG, "ledger_entries", type_="unique")
        op.create_unique_constraint(NEW_UNIQUE, "ledger_entries", ["correlation_key", "kind"])
    else:  # the old unique constraint has no name in SQLite: named here to drop it
        old = _ledger_table(("proposal_id", "kind"), OLD_UNIQUE_PG, payment=False)
        with op.batch_alter_table("ledger_entries", copy_from=old, recreate="always") as batch:
            batch.add_column(sa.Column("payment_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                "fk_ledger_entries_payment_id", "payments", ["payment_id"], ["id"]
            )
            batch.drop_constraint(OLD_UNIQUE_PG, type_="unique")
            batch.create_unique_constraint(NEW_UNIQUE, ["correlation_key", "kind"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(NEW_UNIQUE, "ledger_entries", type_="unique")
        op.create_unique_constraint(OLD_UNIQUE_PG, "ledger_entries", ["proposal_id", "kind"])
        op.drop_constraint("fk_ledger_entries_payment_id", "ledger_entries", type_="foreignkey")
        op.drop_column("ledger_entries", "payment_id")
    else:
        new = _ledger_table(("correlation_key", "kind"), NEW_UNIQUE, payment=True)
        with op.batch_alter_table("ledger_entries", copy_from=new, recreate="always") as batch:
            batch.drop_constraint(NEW_UNIQUE, type_="unique")
            batch.drop_constraint("fk_ledger_entries_payment_id", type_="foreignkey")
            batch.drop_column("payment_id")
            batch.create_unique_constraint(OLD_UNIQUE_PG, ["proposal_id", "kind"])
    op.drop_index("ix_payments_placement_id", "payments")
    op.drop_table("payments")
    op.drop_index("ix_placement_events_placement_id", "placement_events")
    op.drop_table("placement_events")
    for column in ("round_id", "origin", "destination", "agreement_id", "booked_month"):
        op.drop_index(f"ix_placements_{column}", "placements")
    op.drop_table("placements")
    with op.batch_alter_table("proposals") as batch:
        for column in ("decline_note", "decline_reason", "basis"):
            batch.drop_column(column)
    op.drop_index("ix_round_postings_posting_id", "round_postings")
    op.drop_table("round_postings")
    with op.batch_alter_table("rounds") as batch:
        batch.drop_constraint("fk_rounds_base_round_id", type_="foreignkey")
        for column in ("answer_by", "as_of", "base_round_id", "kind"):
            batch.drop_column(column)
