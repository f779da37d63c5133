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
    from tortoise.exceptions import OperationalError

    from instance.storage import db

    async def runner() -> Any:
        await db.connect(config.database_url, config.database.pool_size)
        try:
            return await action()
        except OperationalError as exc:
            text = str(exc)
            if "no such table" in text or ("relation" in text and "does not exist" in text):
                raise CliError("the database has no Impasto tables yet: run `impasto migrate` "
                               "(or `impasto setup`) first") from None
            raise
        finally:
            await db.disconnect()

    return asyncio.run(runner())


async def audit(action: str, target: str, **detail: object) -> None:
    """An audit entry for an admin command: in the name of the `--as` account, else of
    "system" (the operator at the shell)."""
    from instance.storage.models import AuditEntry

    await AuditEntry.create(actor=None, action=action, target=target, detail=detail)


def read_password_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CliError("no password on standard input")
    return password


class ProgressBar:
    """A one-line progress bar on stderr for long CLI operations (plain final line when
    stderr is not a terminal, so logs stay readable)."""

    def __init__(self, total: int, label: str, width: int = 30) -> None:
        self.total, self.label, self.width, self.done = total, label, width, 0
        self.live = sys.stderr.isatty()

    def advance(self, step: int = 1) -> None:
        self.done += step
        if self.live:
            filled = self.width * self.done // max(1, self.total)
            bar = "#" * filled + "." * (self.width - filled)
            sys.stderr.write(f"\r{self.label} [{bar}] {self.done}/{self.total}")
            sys.stderr.flush()

    def finish(self) -> None:
        if self.live:
            sys.stderr.write("\n")
        else:
            sys.stderr.write(f"{self.label}: {self.done}/{self.total}\n")
        sys.stderr.flush()
