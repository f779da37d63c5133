"""When a streaming connection should look for new rows.

On PostgreSQL a trigger (migration 0014) sends `NOTIFY impasto_stream` from the transaction
that inserts a notification or writes a work's state, so every process hears of it when
that transaction commits, whoever wrote it (a web process or a worker). Each web process
keeps ONE listening connection and wakes all of its streams in memory: idle streams cost
no queries at all (the process checks its listening connection every SAFETY_SECONDS with
one `SELECT 1`; a connection found dead wakes every stream and they poll until it is back).
On SQLite (one machine) and whenever the listening connection is down, streams fall back
to looking every POLL_SECONDS. `[api] streaming_wakeups = "poll"` makes a
PostgreSQL process poll too (for a proxy or pooler that drops LISTEN, such as PgBouncer in
transaction mode; and as bench/streaming.py's reference).

A stream takes a `mark()` before it queries and waits on that mark afterwards, so a
notification that arrives while it was querying is not missed."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger("impasto.api")

CHANNEL = "impasto_stream"
POLL_SECONDS = 1.0
SAFETY_SECONDS = 15.0  # how often the listening connection is checked (one query a process)


class Wakeups:
    def __init__(self, database_url: str, mode: str = "notify") -> None:
        self.database_url = database_url
        self.mode = mode
        self.listening = False
        self._event = asyncio.Event()
        self._connection: Any = None
        self._starting: asyncio.Lock | None = None
        self._keeper: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return self.mode == "notify" and self.database_url.startswith(("postgres://", "postgresql://"))

    def mark(self) -> asyncio.Event:
        return self._event

    def _wake(self, *_args: Any) -> None:
        woken, self._event = self._event, asyncio.Event()
        woken.set()

    async def wait(self, mark: asyncio.Event, idle_seconds: float = SAFETY_SECONDS) -> bool:
        """Until something was written since `mark`, or the poll interval passed: True when
        the stream should look. While listening, after `idle_seconds` with nothing written
        it returns False (time for a heartbeat, nothing to read)."""
        await self.start()
        timeout = idle_seconds if self.listening else POLL_SECONDS
        try:
            await asyncio.wait_for(mark.wait(), timeout)
        except TimeoutError:
            return not self.listening
        return True

    async def start(self) -> bool:
        """Listen, on PostgreSQL, if not already; True while listening."""
        if self.enabled and not self.listening:
            await self._listen()
        return self.listening

    async def _listen(self) -> None:
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self.listening:
                return
            import asyncpg

            dsn = "postgresql://" + self.database_url.split("://", 1)[1].split("?", 1)[0]
            try:
                self._connection = await asyncpg.connect(dsn, timeout=5)
                await self._connection.add_listener(CHANNEL, self._wake)
                self._connection.add_termination_listener(self._lost)
            except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
                log.warning("streaming falls back to polling: %s", exc)
                return
            self.listening = True
            self._wake()  # a write before LISTEN was not notified: every stream looks once
            self._keeper = asyncio.get_running_loop().create_task(self._keep(self._connection))

    async def _keep(self, connection: Any) -> None:
        """Check the listening connection now and then: one dead without a word (a
        half-open TCP connection) would otherwise leave every stream asleep."""
        while self.listening and connection is self._connection:
            await asyncio.sleep(SAFETY_SECONDS)  # the check's period, not a wait for work
            try:
                await asyncio.wait_for(connection.fetchval("SELECT 1"), 5)
            except Exception as exc:  # any failure: stop trusting it, poll until relistened
                log.warning("streaming listener lost, polling: %s", exc)
                self._lost()
                connection.terminate()
                return

    def _lost(self, *_args: Any) -> None:
        self.listening = False  # the next wait tries again; until then, poll
        self._wake()

    async def close(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
        if self._connection is not None and not self._connection.is_closed():
            await self._connection.close()
        self.listening = False
