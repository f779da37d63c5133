"""Fixtures of the page tests: the client API's parametrised databases (SQLite and
PostgreSQL) are reused, not copied."""

from tests.client_api.conftest import db_kind, make_database  # noqa: F401 (fixtures)
