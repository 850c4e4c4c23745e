"""Alembic migrations of the exchange's schema (run with ``hrhx db upgrade``)."""
