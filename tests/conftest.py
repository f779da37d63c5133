"""Shared pytest fixtures."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.rig.databases import migrated_sqlite_url
from tests.rig.processes import REPO_ROOT
from tests.rig.services import built_services

SHARED_DIR = Path(os.environ.get("IMPASTO_SHARED_DIR", REPO_ROOT.parent / "shared"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """A test that uses a module-scoped fixture (a running server, a browser, a processed
    upload) joins its module's xdist group, so each such fixture is built once rather
    than once on every worker (runs before xdist reads the groups)."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
        if any(d.scope == "module" for chain in defs.values() for d in chain):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's ../shared folder (design notes, fixtures); skip where it is absent."""
    if not (SHARED_DIR / "fixtures").is_dir():
        pytest.skip(f"../shared is absent (looked in {SHARED_DIR}); set IMPASTO_SHARED_DIR")
    return SHARED_DIR


# --- databases -------------------------------------------------------------------------

POSTGRES_URL = os.environ.get("IMPASTO_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("IMPASTO_REQUIRE_POSTGRES") == "1"
POSTGRES_SKIP_REASON = (
    "PostgreSQL tests skipped: set IMPASTO_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB "
    "to run them against a real server"
)


def _postgres_available() -> str | None:
    """None when usable, else why not."""
    if not POSTGRES_URL:
        return POSTGRES_SKIP_REASON
    from instance.storage.db import DatabaseError, check_reachable

    try:
        check_reachable(POSTGRES_URL)
    except DatabaseError as exc:
        return f"PostgreSQL tests cannot run: {exc}"
    return None


def require_postgres() -> None:
    """Skip (or, in CI with IMPASTO_REQUIRE_POSTGRES=1, fail) without PostgreSQL."""
    problem = _postgres_available()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(problem + " (IMPASTO_REQUIRE_POSTGRES=1: they must run)")
        pytest.skip(problem)


def _database_url(name: str) -> str:
    return urlunsplit(urlsplit(POSTGRES_URL)._replace(path="/" + name))


async def create_postgres_database(template: str | None = None) -> str:
    """A fresh database on the test server (a copy of `template` if given); the caller
    drops it."""
    import asyncpg

    name = f"impasto_test_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
    try:
        suffix = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    finally:
        await conn.close()
    return _database_url(name)


_migrated_template: list[str] = []


async def migrated_postgres_database() -> str:
    """A fresh, migrated database: migrations run once per test process into a template
    database, and each test gets a cheap copy of it."""
    from instance.storage import db

    if not _migrated_template:
        url = await create_postgres_database()
        await db.migrate(url)
        _migrated_template.append(urlsplit(url).path.lstrip("/"))
    return await create_postgres_database(template=_migrated_template[0])


def pytest_sessionfinish(session, exitstatus) -> None:
    import asyncio

    for name in _migrated_template:
        asyncio.run(drop_postgres_database(_database_url(name)))


async def drop_postgres_database(url: str) -> None:
    import asyncpg

    name = urlsplit(url).path.lstrip("/")
    conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _asyncpg_dsn(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request, tmp_path) -> AsyncIterator[str]:
    """An empty, migrated database URL: SQLite in tmp_path, or a fresh PostgreSQL database
    (each a copy of a template migrated once per test process)."""
    if request.param == "sqlite":
        yield migrated_sqlite_url(tmp_path / "impasto.sqlite3")
        return
    require_postgres()
    url = await migrated_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture
async def connected(database_url) -> AsyncIterator[str]:
    """The process-wide Tortoise connection opened on `database_url`."""
    from instance.storage import db

    await db.connect(database_url)
    try:
        yield database_url
    finally:
        await db.disconnect()


@pytest.fixture
async def services(connected, tmp_path) -> AsyncIterator[object]:
    """Services of an art.test instance on the `connected` database."""
    async for built in built_services(connected, tmp_path):
        yield built


# --- databases for server processes ----------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_kind(request) -> str:
    if request.param == "postgres":
        require_postgres()
    return request.param


@pytest.fixture
def make_database(db_kind, tmp_path) -> Iterator:
    """Call with a name: a fresh, migrated database URL of the parametrised kind (copies of
    a migrated template; PostgreSQL ones are dropped afterwards)."""
    import asyncio

    made: list[str] = []

    def make(name: str) -> str:
        if db_kind == "sqlite":
            return migrated_sqlite_url(tmp_path / (name + ".sqlite3"))
        url = asyncio.run(migrated_postgres_database())
        made.append(url)
        return url

    yield make
    for url in made:
        asyncio.run(drop_postgres_database(url))


@pytest.fixture
def private_postgres_server() -> Iterator[object]:
    """A PostgreSQL server of the test's own, for tests that stop and start it."""
    from tests.rig import private_postgres

    reason = private_postgres.unavailable_reason()
    if reason:
        pytest.skip(f"a private PostgreSQL server cannot be started: {reason}")
    with private_postgres.private_postgres() as server:
        yield server
