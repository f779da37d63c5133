"""The worker loop: claim jobs, run their handlers concurrently, record the outcome,
renew locks while they run. Runs inside the server (embedded default) or alone."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from instance.jobs.errors import Permanent, Retry
from instance.jobs.queue import ClaimedJob, JobQueue, default_backoff, make_worker_id, utcnow
from instance.jobs.registry import JobContext, JobRegistry
from instance.site_settings import refresh as refresh_settings
from instance.storage.db import is_unavailable

if TYPE_CHECKING:
    from instance.services import Services


log = logging.getLogger("impasto.jobs")

FAR_FUTURE = timedelta(days=36500)


class Worker:
    """Runs jobs from one `JobQueue` with at most `concurrency` at a time, and at most
    `lane_limit` (default: half the slots) from one lane, so that one slow host's
    deliveries can never hold every slot — on PostgreSQL counted over every worker
    process, so N workers still give one host `lane_limit` at once, not N times it."""

    def __init__(
        self,
        queue: JobQueue,
        registry: JobRegistry,
        services: Services,
        *,
        concurrency: int = 8,
        lane_limit: int | None = None,
        poll_seconds: float = 1.0,
        worker_id: str | None = None,
        on_tick: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.queue = queue
        self.registry = registry
        self.services = services
        self.concurrency = concurrency
        self.lane_limit = lane_limit or max(1, concurrency // 2)
        self._lanes: Counter[str] = Counter()
        self.poll_seconds = poll_seconds
        self.worker_id = worker_id or make_worker_id()
        self.on_tick = on_tick  # housekeeping run at start and with every heartbeat
        self.wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self.completed = 0

    def notify(self) -> None:
        """Wake the loop (called on enqueue in the same process)."""
        self.wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set; then let running jobs finish."""
        await self.queue.release_dead_local_workers()
        await self._tick()
        heartbeat = asyncio.create_task(self._heartbeat(stop))
        try:
            while not stop.is_set():
                try:
                    started = await self._claim_and_start(utcnow())
                except Exception as exc:
                    if not is_unavailable(exc):
                        raise
                    log.warning("database unavailable: claiming again soon",
                                extra={"error": str(exc)})
                    started = 0
                if started:
                    continue
                await self._wait_for_work(stop)
        finally:
            heartbeat.cancel()
            if self._running:
                await asyncio.gather(*self._running, return_exceptions=True)

    async def run_until_idle(self, *, include_delayed: bool = False) -> int:
        """Run jobs until none is runnable now (or, with `include_delayed`, none at all
        that is waiting for a retry). Returns how many jobs ran. For tests and the CLI."""
        await self.queue.release_dead_local_workers()
        before = self.completed
        while True:
            now = utcnow() + FAR_FUTURE if include_delayed else utcnow()
            started = await self._claim_and_start(now)
            if started:
                continue
            if self._running:
                await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
                continue
            if not await self.queue.has_runnable(now):
                return self.completed - before

    async def _claim_and_start(self, now: datetime) -> int:
        if self.services is not None:
            await refresh_settings(self.services)  # an admin's change, made in any process
        free = self.concurrency - len(self._running)
        if free <= 0:
            await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
            free = self.concurrency - len(self._running)
        full = [lane for lane, running in self._lanes.items() if running >= self.lane_limit]
        jobs = await self.queue.claim(self.worker_id, free, now, full_lanes=full,
                                      room=self._room_in_lane, lane_limit=self.lane_limit)
        for job in jobs:
            task = asyncio.create_task(self._execute(job))
            self._running.add(task)
            task.add_done_callback(self._running.discard)
            if job.lane is not None:
                self._lanes[job.lane] += 1
                task.add_done_callback(functools.partial(self._leave_lane, job.lane))
        return len(jobs)

    def _room_in_lane(self, lane: str) -> int:
        return self.lane_limit - self._lanes[lane]

    def _leave_lane(self, lane: str, _task: object = None) -> None:
        self._lanes[lane] -= 1
        if self._lanes[lane] <= 0:
            del self._lanes[lane]

    async def _wait_for_work(self, stop: asyncio.Event) -> None:
        self.wake.clear()
        waiters: list[asyncio.Task[Any]] = [asyncio.create_task(self.wake.wait()),
                                            asyncio.create_task(stop.wait())]
        waiters += list(self._running)
        await asyncio.wait(waiters, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED)
        for task in waiters[:2]:
            task.cancel()

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        interval = max(1.0, self.queue.lock_seconds / 3)
        while not stop.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
            try:
                if self._running:
                    await self.queue.renew_locks(self.worker_id)
                await self.queue.release_dead_local_workers()
            except Exception:  # a heartbeat must never kill the worker
                log.exception("job lock renewal failed")
            await self._tick()

    async def _tick(self) -> None:
        if self.on_tick is None:
            return
        try:
            await self.on_tick()
        except Exception:
            log.exception("worker housekeeping failed")

    async def _execute(self, job: ClaimedJob) -> None:
        handler = self.registry.get(job.kind)
        try:
            if handler is None:
                raise Permanent(f"no handler for job kind {job.kind!r}")
            ctx = JobContext(self.services, job.id, job.attempts, job.max_attempts)
            await handler(ctx, job.payload)
        except Retry as exc:
            if job.attempts >= job.max_attempts:
                await self._settle(self.queue.fail, job.id, self.worker_id,
                                   f"gave up after {job.attempts} attempts: {exc}")
            else:
                await self._settle(self.queue.retry, job.id, self.worker_id, exc.after, str(exc))
        except Permanent as exc:
            log.warning(
                "job failed permanently", extra={"job": job.id, "kind": job.kind, "error": str(exc)}
            )
            await self._settle(self.queue.fail, job.id, self.worker_id, str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = "".join(traceback.format_exception_only(exc)).strip()
            log.warning(
                "job attempt failed", extra={"job": job.id, "kind": job.kind, "error": error},
                exc_info=exc,
            )
            if job.attempts >= job.max_attempts:
                await self._settle(self.queue.fail, job.id, self.worker_id,
                                   f"gave up after {job.attempts} attempts: {error}")
            else:
                await self._settle(self.queue.retry, job.id, self.worker_id,
                                   default_backoff(job.attempts), error)
        else:
            await self._settle(self.queue.finish, job.id, self.worker_id)
        self.completed += 1

    async def _settle(self, write: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Record a job's end. While the database is away (a restart), keep trying with
        a growing pause instead of losing the outcome: the job's lock may lapse meanwhile
        and another worker run it again, which handlers tolerate (they are idempotent)."""
        pause = 0.2
        while True:
            try:
                await write(*args)
                return
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                log.warning("database unavailable: recording a job's end again soon",
                            extra={"job": args[0], "error": str(exc)})
            await asyncio.sleep(pause)
            pause = min(pause * 2, self.poll_seconds)
