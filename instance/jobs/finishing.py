"""Group commit for finished jobs: the finishes of every job settling at the same moment
are written in one UPDATE, and each caller returns only once the UPDATE holding its job
has been written — as before, when each finish was its own UPDATE.

No timer (as inbox/batch.py): while one UPDATE is being written, the finishes arriving
meanwhile queue up and form the next, so a lone job pays no extra wait and a fan-out of
many deliveries pays one UPDATE per batch instead of per delivery. The condition stays
`locked_by = this worker`, so a job whose lock lapsed and was claimed elsewhere is not
marked done by the worker that lost it; a failed write reaches every caller in its
batch, whose `_settle` then tries again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

MAX_BATCH = 256
Write = Callable[[list[int], str], Awaitable[None]]  # (job ids, worker id)


@dataclass
class Pending:
    job_id: int
    worker_id: str
    done: asyncio.Future[None]


class FinishBatch:
    """The finishes waiting and the task writing them; one per event loop."""

    def __init__(self, write: Write) -> None:
        self.write = write
        self.waiting: list[Pending] = []
        self.writer: asyncio.Task[None] | None = None
        self.updates = 0  # how many UPDATEs were written (tests read it)

    async def finish(self, job_id: int, worker_id: str) -> None:
        pending = Pending(job_id, worker_id, asyncio.get_running_loop().create_future())
        self.waiting.append(pending)
        if self.writer is None or self.writer.done():
            self.writer = asyncio.ensure_future(self._drain())
        await asyncio.shield(pending.done)

    async def _drain(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
            by_worker: dict[str, list[Pending]] = {}
            for pending in batch:
                by_worker.setdefault(pending.worker_id, []).append(pending)
            for worker_id, mine in by_worker.items():
                try:
                    await self.write([p.job_id for p in mine], worker_id)
                    self.updates += 1
                except BaseException as exc:  # every caller of the batch hears of it
                    for pending in mine:
                        if not pending.done.done():
                            pending.done.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise
                else:
                    for pending in mine:
                        if not pending.done.done():
                            pending.done.set_result(None)
