"""A proposal's round, deposit and withdrawal must exist, on both engines: foreign keys on SQLite,
statement-level triggers on PostgreSQL (migration 0009). The same writes are refused either way,
including under concurrency on PostgreSQL."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from exchange.db import driver_value, insert_many, session_scope
from exchange.postings.service import create_deposit, create_withdrawal
from exchange.proposals.service import PROPOSAL_COLUMNS
from exchange.proposals.tables import Proposal
from exchange.rounds.schemas import RoundCreate
from exchange.rounds.service import create_round
from exchange.timestamps import utcnow
from tests.exchange.factories import (
    ADMIN,
    PLANNER,
    deposit_payload,
    seed_reference,
    withdrawal_payload,
)

TABLE = Proposal.__table__  # type: ignore[attr-defined]
REFUSED = (IntegrityError, psycopg.IntegrityError)
"""A refusal by the database, through SQLAlchemy or (a COPY) straight from the driver."""


@pytest.fixture
def round_id(engine: Engine) -> int:
    """A round, deposits d1 and d2 and withdrawals w1 and w2; no proposal yet."""
    with session_scope(engine) as session:
        seed_reference(session)
        for posting in ("1", "2"):
            create_deposit(session=session, actor=ADMIN, data=deposit_payload(id=f"d{posting}"))
            create_withdrawal(
                session=session, actor=ADMIN, data=withdrawal_payload(id=f"w{posting}")
            )
        rnd = create_round(session=session, actor=PLANNER, data=RoundCreate(name="r"))
        assert rnd.id is not None
        return rnd.id


def _propose(connection: Connection, *pairs: tuple[Any, str, str]) -> None:
    at = driver_value(connection, TABLE, "created_at", utcnow())
    rows = [
        (r, d, w, "NPL", "DEU", "2221", 1, 0, 0, None, None, "pending", 1, at) for r, d, w in pairs
    ]
    insert_many(connection, TABLE, PROPOSAL_COLUMNS, rows)


def _refused(engine: Engine, statement: str, **params: Any) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(statement), params)


def test_proposals_of_existing_rows_are_stored(engine: Engine, round_id: int) -> None:
    with engine.begin() as connection:
        _propose(connection, (round_id, "d1", "w1"), (round_id, "d2", "w1"))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM proposals")).scalar() == 2


@pytest.mark.parametrize(
    "pair",
    [(None, "d1", "missing"), (None, "missing", "w1"), (10_000, "d1", "w1")],
    ids=["withdrawal", "deposit", "round"],
)
def test_a_proposal_of_a_missing_row_is_refused(
    engine: Engine, round_id: int, pair: tuple[int | None, str, str]
) -> None:
    bad = (pair[0] or round_id, pair[1], pair[2])
    with pytest.raises(REFUSED), engine.begin() as connection:
        _propose(connection, (round_id, "d1", "w1"), bad)  # one bad row spoils the statement
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM proposals")).scalar() == 0


def test_a_proposal_moved_to_a_missing_posting_is_refused(engine: Engine, round_id: int) -> None:
    with engine.begin() as connection:
        _propose(connection, (round_id, "d1", "w1"))
    _refused(engine, "UPDATE proposals SET withdrawal_id = 'missing'")
    with engine.begin() as connection:  # to another posting that exists: allowed, as by a key
        connection.execute(text("UPDATE proposals SET withdrawal_id = 'w2'"))


@pytest.mark.parametrize(
    ("table", "key"), [("deposits", "d1"), ("withdrawals", "w1"), ("rounds", None)]
)
def test_a_row_a_proposal_refers_to_cannot_be_deleted_or_renamed(
    engine: Engine, round_id: int, table: str, key: str | None
) -> None:
    with engine.begin() as connection:
        _propose(connection, (round_id, "d1", "w1"))
    referred = key if key is not None else round_id
    _refused(engine, f"DELETE FROM {table} WHERE id = :id", id=referred)
    renamed = "renamed" if key is not None else 10_000
    _refused(engine, f"UPDATE {table} SET id = :new WHERE id = :id", id=referred, new=renamed)
    with engine.begin() as connection:  # a row nobody refers to goes
        if key is not None:
            unreferred = key[0] + "2"
            connection.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": unreferred})
        connection.execute(text("UPDATE proposals SET status = 'expired'"))  # keys unchanged


def test_truncating_postings_under_proposals_is_refused(engine: Engine, round_id: int) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    with engine.begin() as connection:
        _propose(connection, (round_id, "d1", "w1"))
    _refused(engine, "TRUNCATE deposits CASCADE")  # CASCADE reaches no proposal: no key
    with engine.begin() as connection:  # together, as with a foreign key: allowed
        connection.execute(text("TRUNCATE proposals, deposits CASCADE"))


def _in_background(work: Any) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def _waiting_for_a_lock(engine: Engine) -> bool:
    with engine.connect() as connection:
        query = (  # in this database: tests running beside this one use others
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return bool(connection.execute(text(query)).scalar())


def _until(condition: Any) -> None:
    for _ in range(500):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("the other transaction never waited")


def test_a_posting_deleted_while_proposals_to_it_are_written_stays(
    engine: Engine, round_id: int
) -> None:
    """The delete waits for the proposals' transaction, then sees its rows and is refused."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers")
    with engine.connect() as writer:
        writer.begin()
        _propose(writer, (round_id, "d1", "w1"))

        def delete() -> None:
            with engine.begin() as connection:
                connection.execute(text("DELETE FROM deposits WHERE id = 'd1'"))

        thread, errors = _in_background(delete)
        _until(lambda: _waiting_for_a_lock(engine))
        writer.commit()
        thread.join(10)
    assert len(errors) == 1
    assert isinstance(errors[0], REFUSED)


def test_proposals_to_a_posting_deleted_meanwhile_are_refused(
    engine: Engine, round_id: int
) -> None:
    """Proposals written while a delete of their posting is uncommitted wait, then are refused."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers")
    with engine.connect() as deleter:
        deleter.begin()
        deleter.execute(text("DELETE FROM deposits WHERE id = 'd1'"))

        def propose() -> None:
            with engine.begin() as connection:
                _propose(connection, (round_id, "d1", "w1"))

        thread, errors = _in_background(propose)
        _until(lambda: _waiting_for_a_lock(engine))
        deleter.commit()
        thread.join(10)
    assert len(errors) == 1
    assert isinstance(errors[0], REFUSED)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM proposals")).scalar() == 0
