"""The client-API tests' database fixtures (`make_database` on SQLite and PostgreSQL),
for the web tests that run a server of each kind."""

from tests.client_api.conftest import db_kind, make_database  # noqa: F401 (fixtures)
