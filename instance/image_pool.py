"""The process pool for image work.

Image decoding, provenance and the cloak are CPU-bound for hundreds of milliseconds to
seconds, so they never run in the event loop: a `ProcessPoolExecutor` owned here runs
them. The pool is created on first use (CLI commands that never touch an image start
no processes) and uses the "spawn" start method, because forking a process that holds
an event loop, database connections and threads is unsafe.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from instance.config import Config
from media.pipeline import warm_worker

T = TypeVar("T")


def start_pool_process() -> None:
    """A pool process's initializer. Ctrl-C in a terminal sends SIGINT to the whole process
    group, pool processes included: they ignore it (the server stops them when it shuts
    down) instead of each dying with a KeyboardInterrupt traceback. Then the C2PA warm-up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_worker()


class MediaRuntime:
    """Owns the image-work pool of one process."""

    def __init__(self, config: Config, executor: ProcessPoolExecutor | None = None) -> None:
        """`executor`: an existing pool to use and leave open (tests and benches share
        one across many runtimes; a spawned worker takes a second to import)."""
        self.config = config
        self.workers = max(1, config.media.process_workers)
        self._pool: ProcessPoolExecutor | None = executor
        self._owned = executor is None

    def executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                initializer=start_pool_process,
            )
        return self._pool

    async def run(self, submit: Callable[[ProcessPoolExecutor], Future[T]]) -> T:
        """Await work submitted to the pool; a crashed pool (a worker killed by the
        OOM killer, say) is replaced so the next job gets a fresh one."""
        try:
            return await asyncio.wrap_future(submit(self.executor()))
        except BrokenProcessPool:
            self.reset()
            raise

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a picklable top-level function in the pool."""
        return await self.run(lambda pool: pool.submit(fn, *args, **kwargs))

    def reset(self) -> None:
        pool, self._pool = self._pool, None
        self._owned = True
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None and self._owned:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
