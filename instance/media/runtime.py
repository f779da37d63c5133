"""The process pool for image work and the HTTP client for remote media.

Image decoding, provenance and the cloak are CPU-bound for hundreds of milliseconds to
seconds, so they never run in the event loop: a `ProcessPoolExecutor` owned here runs
them. The pool is created on first use (CLI commands that never touch an image start
no processes) and uses the "spawn" start method, because forking a process that holds
an event loop, database connections and threads is unsafe.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from federation.client import FederationClient
from instance.config import Config

T = TypeVar("T")


class MediaRuntime:
    """Owns the image-work pool and the remote-media HTTP client of one process."""

    def __init__(self, config: Config, executor: ProcessPoolExecutor | None = None) -> None:
        """`executor`: an existing pool to use and leave open (tests and benches share
        one across many runtimes; a spawned worker takes a second to import)."""
        self.config = config
        self.workers = max(1, config.media.process_workers)
        self._pool: ProcessPoolExecutor | None = executor
        self._owned = executor is None
        self._http: FederationClient | None = None

    def executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn")
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

    @property
    def http(self) -> FederationClient:
        """A client with the federation SSRF guard and timeouts, but the remote-media
        size bound: the shared client's bound is for JSON documents (2 MB), and it has
        no per-request limit."""
        if self._http is None:
            fed = self.config.federation
            self._http = FederationClient(
                self.config.instance.domain,
                allow_private_addresses=fed.allow_private_addresses,
                max_response_bytes=fed.max_remote_media_bytes,
                timeout=fed.connect_timeout,
                total_timeout=fed.request_timeout,
                max_redirects=fed.max_redirects,
                per_host_connections=2,
                max_connections=20,
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        pool, self._pool = self._pool, None
        if pool is not None and self._owned:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
