"""Database set-up: Tortoise config for SQLite (WAL, synchronous=NORMAL) or PostgreSQL,
start-up checks that fail with one clear line, and migrations on start."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise
from tortoise.exceptions import DBConnectionError

MIGRATIONS_MODULE = "instance.storage.migrations"


class DatabaseError(Exception):
    """The database cannot be used; the message says why in one line."""


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "asyncpg://"))


async def keep_session(_connection: Any) -> None:
    """The pool's reset on release, which asyncpg makes a round trip (RESET ALL, UNLISTEN,
    CLOSE ALL, advisory unlock) after every query Tortoise runs: that doubled the trips
    of a timeline page. Impasto leaves no session state on pooled connections (settings
    are transaction-local, LISTEN has its own connection, no advisory locks or cursors
    outside transactions), and asyncpg still rolls back a transaction left open."""


def tortoise_config(url: str, pool_size: int = 10) -> dict[str, Any]:
    """The Tortoise config dict for one database URL."""
    if is_postgres(url):
        parts = urlsplit(url)
        credentials: dict[str, Any] = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "user": parts.username or "postgres",
            "password": parts.password or "",
            "database": parts.path.lstrip("/") or "postgres",
            "minsize": 1,
            "maxsize": pool_size,
            "reset": keep_session,
        }
        connection: dict[str, Any] = {
            "engine": "tortoise.backends.asyncpg",
            "credentials": credentials,
        }
    else:
        path = url[len("sqlite://") :]
        connection = {
            "engine": "tortoise.backends.sqlite",
            "credentials": {
                "file_path": path,
                "journal_mode": "WAL",
                "synchronous": "NORMAL",
                "busy_timeout": 5000,
                "foreign_keys": "ON",
            },
        }
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": ["instance.storage.models"],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# For Tortoise's own CLI (`make migrations`): the default embedded database.
TORTOISE_ORM = tortoise_config(
    os.environ.get("IMPASTO_DATABASE_URL", "sqlite://data/impasto.sqlite3")
)


def check_reachable(url: str) -> None:
    """Fail early, in one line, when the database cannot possibly be opened."""
    if is_postgres(url):
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 5432
        try:
            with socket.create_connection((host, port), timeout=3):
                pass
        except OSError as exc:
            raise DatabaseError(
                f"cannot reach PostgreSQL at {host}:{port} ({exc.strerror or exc}); "
                "check [database] url and that the server is running"
            ) from None
        return
    path = url[len("sqlite://") :]
    if path == ":memory:":
        return
    folder = Path(path).parent
    if not folder.is_dir():
        raise DatabaseError(
            f"the database folder {folder} does not exist; create it or fix [database] url"
        )
    if not os.access(folder, os.W_OK):
        raise DatabaseError(f"the database folder {folder} is not writable")


_generation = [0]  # counts connects: process-wide caches of rows drop what they hold


def generation() -> int:
    """Changes whenever the process connects (perhaps to another database: tests, CLI),
    so a cache of rows kept across requests knows to start afresh."""
    return _generation[0]


async def connect(url: str, pool_size: int = 10) -> None:
    """Open the process-wide Tortoise connection (with the global-context fallback that
    Quart's request tasks need, see ARCHITECTURE.md)."""
    check_reachable(url)
    _generation[0] += 1
    try:
        await Tortoise.init(config=tortoise_config(url, pool_size), _enable_global_fallback=True)
        # Open the connection now so a wrong password or database fails here, clearly.
        await Tortoise.get_connection("default").execute_query("SELECT 1")
    except (DBConnectionError, OSError) as exc:
        await Tortoise.close_connections()
        raise DatabaseError(f"cannot open the database: {_one_line(exc)}") from None
    except Exception as exc:  # asyncpg raises its own types for auth / missing database
        if type(exc).__module__.startswith("asyncpg"):
            await Tortoise.close_connections()
            raise DatabaseError(f"cannot open the database: {_one_line(exc)}") from None
        raise


async def disconnect() -> None:
    """Close the connections and forget the models' bindings, so that a later `connect()`
    in the same process (tests, CLI) may use another database engine."""
    from tortoise.backends.base import executor

    await Tortoise.close_connections()
    await Tortoise._reset_apps()
    executor.EXECUTOR_CACHE.clear()  # keyed by connection name, not by engine


async def migrate(url: str, pool_size: int = 10, progress: Any = None) -> None:
    """Apply every pending migration (the server does this on start)."""
    from tortoise.migrations.api import migrate as run_migrations

    check_reachable(url)
    try:
        await run_migrations(config=tortoise_config(url, pool_size), progress=progress)
    except (DBConnectionError, OSError) as exc:
        raise DatabaseError(f"cannot migrate the database: {_one_line(exc)}") from None
    finally:
        await disconnect()


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# PostgreSQL's SQLSTATE classes that mean "the server is not there right now": 08
# (connection exception) and 57P (operator intervention: shutdown, crash, cannot connect now).
_UNAVAILABLE_STATES = ("08", "57P")


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) says the database server cannot be reached now,
    as while PostgreSQL restarts: the request may be tried again later (503), unlike a
    bug (500). The driver's own types are matched by module so SQLite-only setups need
    no asyncpg."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (DBConnectionError, ConnectionError)):
            return True
        if type(current).__module__.startswith("asyncpg"):
            state = str(getattr(current, "sqlstate", "") or "")
            closed = type(current).__name__ == "InterfaceError" and "closed" in str(current)
            if state.startswith(_UNAVAILABLE_STATES) or closed:
                return True
        current = current.__cause__ or current.__context__
    return False
