"""What every `impasto` command module shares: the one-line error type, running a coroutine
with the database open, reading a password from standard input."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from instance.config import Config


class CliError(Exception):
    """A problem to report in one line (`impasto: error: …`, exit status 2)."""


def with_database(config: Config, action: Callable[[], Awaitable[Any]]) -> Any:
    """Open the database, await `action()`, close the database; return its result."""
    from instance.storage import db

    async def runner() -> Any:
        await db.connect(config.database_url, config.database.pool_size)
        try:
            return await action()
        finally:
            await db.disconnect()

    return asyncio.run(runner())


def read_password_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CliError("no password on standard input")
    return password
