"""The web tests use the root conftest's database fixtures (`make_database`, on SQLite
and PostgreSQL) to run a server of each kind."""
