"""The database triggers that refuse ``UPDATE`` and ``DELETE`` of audit events.

Installed by migration 0010 (and removed by its downgrade). Both engines raise an error naming
the rule, so a script or a bug that tries to edit the log fails instead of rewriting history.
PostgreSQL's ``TRUNCATE`` is not refused: it needs the table's owner, who can drop the triggers
anyway; the hash chain is what shows any change (``exchange.audit.chain``).
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

MESSAGE = "audit events are append-only: UPDATE and DELETE are refused"
SQLITE_TRIGGERS = {
    "audit_events_no_update": "UPDATE",
    "audit_events_no_delete": "DELETE",
}
PG_FUNCTION = f"""
CREATE FUNCTION hrhx_refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END $$
"""
PG_TRIGGER = "audit_events_append_only"


def install_guard(connection: Connection) -> None:
    """Create the triggers on ``connection``'s database."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(PG_FUNCTION)
        connection.exec_driver_sql(
            f"CREATE TRIGGER {PG_TRIGGER} BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION hrhx_refuse_audit_change()"
        )
        return
    for name, operation in SQLITE_TRIGGERS.items():
        connection.exec_driver_sql(
            f"CREATE TRIGGER {name} BEFORE {operation} ON audit_events "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def remove_guard(connection: Connection) -> None:
    """Drop the triggers (migration 0010's downgrade; tests that must tamper with the log)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {PG_TRIGGER} ON audit_events")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS hrhx_refuse_audit_change()")
        return
    for name in SQLITE_TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
