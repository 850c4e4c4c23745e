"""Appending to the audit chain: events wait in their session and join the chain at commit.

``record`` (``exchange.audit.service``) queues an event in the session; when the session's
outermost transaction commits, ``_append_queued`` flushes every other change first, then takes
the chain's lock, reads the newest event's hash and inserts the queued events linked after it, in
the order they were recorded. So concurrent writers never fork the chain:

- PostgreSQL: a transaction-scoped advisory lock (``pg_advisory_xact_lock``), held until the
  commit, so the next writer reads the hash this one wrote (READ COMMITTED reads what committed
  before the statement). Taken last, after every row lock of the transaction, it cannot deadlock
  with transactions that lock rows in another order; it serialises only the audit inserts and
  the commit.
- SQLite: every transaction of the exchange's engine begins with ``BEGIN IMMEDIATE``, the
  database's write lock, so writers are serialised already.

Inserted under the lock, events get ids in the chain's order. Events recorded inside a savepoint
that rolls back are dropped with it; a transaction that rolls back drops them all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, SessionTransaction

from exchange.audit.chain import GENESIS, event_hash
from exchange.audit.tables import AuditEvent

CHAIN_LOCK_KEY = 0x6872_6878_6175_64  # "hrhxaud": the PostgreSQL advisory lock of the audit chain
_QUEUE = "hrhx.audit.queue"
"""``session.info`` key: ``[(transaction recorded in, event), ...]`` not yet in the chain."""


def queue_event(session: Session, audit_event: AuditEvent) -> None:
    """Queue ``audit_event`` to join the chain when ``session``'s transaction commits."""
    session.connection()  # begin the transaction now, so the event belongs to it
    current = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_QUEUE, []).append((current, audit_event))


def queued_events(session: Session) -> list[AuditEvent]:
    """The events ``session`` will append at commit, in order."""
    return [audit_event for _, audit_event in session.info.get(_QUEUE, [])]


def lock_chain(connection: Connection) -> None:
    """Wait for the right to append to the chain, until the end of the transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})


def chain_head(connection: Connection) -> str:
    """The hash of the newest event (``GENESIS`` when the log is empty)."""
    head = connection.execute(
        text("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1")
    ).scalar_one_or_none()
    return str(head) if head is not None else GENESIS


@event.listens_for(Session, "before_commit")
def _append_queued(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint commits: its events wait for the outermost commit
    queued = session.info.pop(_QUEUE, None)
    if not queued:
        return
    session.flush()  # every other change first: the chain's lock is the transaction's last
    connection = session.connection()
    lock_chain(connection)
    prev = chain_head(connection)
    for _, audit_event in queued:
        audit_event.prev_hash = prev
        audit_event.hash = prev = event_hash(audit_event, prev)
        session.add(audit_event)
    session.flush()


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    queued: list[tuple[Any, AuditEvent]] | None = session.info.get(_QUEUE)
    if not queued:
        return
    session.info[_QUEUE] = [
        (recorded_in, audit_event)
        for recorded_in, audit_event in queued
        if not _within(recorded_in, previous_transaction)
    ]


@event.listens_for(Session, "after_transaction_end")
def _forget_ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost ended (committed, rolled back or closed)
        session.info.pop(_QUEUE, None)


def _within(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    """Whether ``transaction`` is ``ancestor`` or nested in it."""
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False
