"""Group commit for accepted inbox items: the items (and their jobs) of every request
waiting at the same moment are written in one transaction, and each request is answered
only once the transaction holding its item has committed — never before.

No timer: while one batch is being written, the requests arriving meanwhile queue up and
form the next batch, so a lone request pays no extra wait and a busy inbox pays one
BEGIN/COMMIT per batch instead of per activity. The writing runs in its own task, so a
request that goes away (its client hung up) cannot strand the others' items.

An activity id already stored makes the whole transaction fail; that batch is then
written again one item per transaction, which tells each request whether its item was
stored or was a duplicate (rare: a peer re-sending)."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from instance.jobs import JobQueue, kinds
from instance.storage.models import InboxState
from instance.storage.raw_sql import insert_rows

MAX_BATCH = 64
Outcome = Literal["stored", "duplicate"]


@dataclass
class Pending:
    fields: dict[str, Any]  # InboxItem's fields
    done: asyncio.Future[Outcome]


class GroupCommit:
    """One per event loop: the queue of items waiting and the task writing them."""

    def __init__(self) -> None:
        self.waiting: list[Pending] = []
        self.writer: asyncio.Task[None] | None = None
        self.batches = 0  # how many transactions were written (tests read it)

    async def store(self, jobs: JobQueue, fields: dict[str, Any]) -> Outcome:
        """Write one item and its job; returns once it is durable (or a duplicate)."""
        pending = Pending(fields, asyncio.get_running_loop().create_future())
        self.waiting.append(pending)
        if self.writer is None or self.writer.done():
            self.writer = asyncio.ensure_future(self._drain(jobs))
        return await asyncio.shield(pending.done)

    async def _drain(self, jobs: JobQueue) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
            try:
                await self._write(jobs, batch)
            except BaseException as exc:  # every waiting request hears of it
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise

    async def _write(self, jobs: JobQueue, batch: list[Pending]) -> None:
        first: dict[str, Pending] = {}
        repeats: list[Pending] = []  # the same activity twice in one batch
        for pending in batch:
            if pending.fields["activity_id"] in first:
                repeats.append(pending)
            else:
                first[pending.fields["activity_id"]] = pending
        try:
            await self._insert(jobs, list(first.values()))
            self.batches += 1
            outcomes: list[tuple[Pending, Outcome]] = [(p, "stored") for p in first.values()]
        except IntegrityError:
            outcomes = [(p, await self._insert_one(jobs, p)) for p in first.values()]
        outcomes += [(p, "duplicate") for p in repeats]
        for pending, outcome in outcomes:
            if not pending.done.done():
                pending.done.set_result(outcome)

    async def _insert(self, jobs: JobQueue, batch: list[Pending]) -> None:
        async with in_transaction() as connection:
            ids = await _insert_rows(connection, batch)
            await jobs.enqueue_many(kinds.PROCESS_INBOX_ITEM, [{"item": i} for i in ids],
                                    using_db=connection)

    async def _insert_one(self, jobs: JobQueue, pending: Pending) -> Outcome:
        try:
            await self._insert(jobs, [pending])
        except IntegrityError:
            return "duplicate"
        self.batches += 1
        return "stored"


COLUMNS = ("activity_id", "actor_id", "activity_type", "document", "signature_digest", "state",
           "reason", "received_at")


async def _insert_rows(connection: Any, batch: list[Pending]) -> list[int]:
    """The batch's items in one INSERT: on PostgreSQL a row per statement was a round trip
    each, and with the server on a busy machine those waits, not the CPU, set the rate
    (bench/bovine_ingest.py); on SQLite building an InboxItem per row was most of the
    write's CPU. A duplicate activity id fails it whole, as before."""
    now = datetime.now(UTC)
    rows = [(f["activity_id"], f["actor_id"], f["activity_type"], f["document"],
             f.get("signature_digest"), InboxState.RECEIVED.value, "", now)
            for f in (pending.fields for pending in batch)]
    return await insert_rows(connection, "inbox_items", COLUMNS, rows,
                             json_columns=frozenset({"document"}), returning="id")


_per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, GroupCommit] = \
    weakref.WeakKeyDictionary()


def group_commit() -> GroupCommit:
    """This event loop's group commit (a server process has one loop)."""
    loop = asyncio.get_running_loop()
    found = _per_loop.get(loop)
    if found is None:
        found = _per_loop[loop] = GroupCommit()
    return found
