"""proposals: references to the round and the postings checked once per statement (PostgreSQL)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 00:10:00

A round at size M inserts hundreds of proposals in one ``COPY``. PostgreSQL checks a foreign key
once per row and key (2,502 checks for 834 proposals), and those checks were half of storing a
round's proposals (about 20 of 40 ms on the benchmark host). On PostgreSQL the three foreign
keys of ``proposals`` (to ``rounds``, ``deposits``, ``withdrawals``) become triggers that enforce
the same rule set-wise:

- after each statement that inserts or updates proposals, one anti-join per key over the rows it
  wrote (a transition table) refuses a proposal whose round, deposit or withdrawal does not exist;
- before a round, deposit or withdrawal is deleted, or its ``id`` changed, the row is refused if a
  proposal refers to it. The check first takes ``SHARE`` on ``proposals``, so it waits for any
  transaction still writing proposals (which may refer to the row) and then sees what it wrote;
  the proposals' check in turn runs after its statement, so it sees a delete that committed
  meanwhile. Neither side can commit a dangling reference. hrhx never deletes these rows (a
  withdrawn posting keeps its row), so the lock costs nothing in use;
- after ``TRUNCATE`` of a round, deposit or withdrawal table, the statement is refused if
  proposals remain (truncating them together, as a foreign key requires, passes).

The errors are ``foreign_key_violation`` (SQLSTATE 23503), as before. SQLite keeps its foreign
keys: it checks them cheaply, and nothing changes there.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (proposals' column, referenced table); every referenced key is the table's ``id``
REFERENCES = (("round_id", "rounds"), ("deposit_id", "deposits"), ("withdrawal_id", "withdrawals"))

CHECK_WRITTEN = """
CREATE FUNCTION proposals_references_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing text;
BEGIN
    SELECT format('round %s', w.round_id) INTO missing
      FROM (SELECT DISTINCT round_id FROM written) w
     WHERE NOT EXISTS (SELECT 1 FROM rounds r WHERE r.id = w.round_id) LIMIT 1;
    IF missing IS NULL THEN
        SELECT format('deposit %s', w.deposit_id) INTO missing FROM written w
         WHERE NOT EXISTS (SELECT 1 FROM deposits d WHERE d.id = w.deposit_id) LIMIT 1;
    END IF;
    IF missing IS NULL THEN
        SELECT format('withdrawal %s', w.withdrawal_id) INTO missing FROM written w
         WHERE NOT EXISTS (SELECT 1 FROM withdrawals d WHERE d.id = w.withdrawal_id) LIMIT 1;
    END IF;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'a proposal refers to % which does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'proposals';
    END IF;
    RETURN NULL;
END
$$
"""

GUARD_REFERENCED = """
CREATE FUNCTION proposals_guard_referenced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    referred boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id IS NOT DISTINCT FROM OLD.id THEN
        RETURN NEW;
    END IF;
    LOCK TABLE proposals IN SHARE MODE;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM proposals WHERE %I = $1)', TG_ARGV[0])
        INTO referred USING OLD.id;
    IF referred THEN
        RAISE EXCEPTION '% of % % refused: proposals refer to it', TG_OP, TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$
"""

GUARD_TRUNCATED = """
CREATE FUNCTION proposals_guard_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM proposals) THEN
        RAISE EXCEPTION 'cannot truncate % while proposals refer to it; truncate them too',
            TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, _ in REFERENCES:
        op.drop_constraint(f"proposals_{column}_fkey", "proposals", type_="foreignkey")
    op.execute(CHECK_WRITTEN)
    op.execute(GUARD_REFERENCED)
    op.execute(GUARD_TRUNCATED)
    for operation in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER proposals_references_on_{operation.lower()} AFTER {operation} "
            "ON proposals REFERENCING NEW TABLE AS written FOR EACH STATEMENT "
            "EXECUTE FUNCTION proposals_references_exist()"
        )
    for column, table in REFERENCES:
        op.execute(
            f"CREATE TRIGGER {table}_referred_by_proposals BEFORE DELETE OR UPDATE OF id "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION proposals_guard_referenced('{column}')"
        )
        op.execute(
            f"CREATE TRIGGER {table}_truncated_under_proposals AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION proposals_guard_truncated()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for _, table in REFERENCES:
        op.execute(f"DROP TRIGGER {table}_truncated_under_proposals ON {table}")
        op.execute(f"DROP TRIGGER {table}_referred_by_proposals ON {table}")
    for operation in ("insert", "update"):
        op.execute(f"DROP TRIGGER proposals_references_on_{operation} ON proposals")
    for function in ("guard_truncated", "guard_referenced", "references_exist"):
        op.execute(f"DROP FUNCTION proposals_{function}()")
    for column, table in REFERENCES:
        op.create_foreign_key(f"proposals_{column}_fkey", "proposals", table, [column], ["id"])
