"""Spreadsheet tests reuse the API tests' app fixture (tokens per role on a seeded database)."""

from tests.api.conftest import api  # noqa: F401
