"""One load for every task that asks for the same key at once.

A cache that expires under load otherwise sends every waiting task to the database
together: a fan-out starts 256 sends at once (16 batches of 16), and each asked for the
domain-policy table when its copy was stale (docs/federation.md "Performance")."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    """`await flights.run(key, load)`: the first caller's `load()` runs as a task of its
    own, and every caller until it ends awaits that task. A caller cancelled meanwhile
    leaves the load running for the others; a failed load fails every caller, and the
    next call loads again."""

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Task[V]] = {}

    async def run(self, key: K, load: Callable[[], Coroutine[Any, Any, V]]) -> V:
        loop = asyncio.get_running_loop()
        task = self._running.get(key)
        if task is None or task.get_loop() is not loop:
            task = loop.create_task(load())
            self._running[key] = task
            task.add_done_callback(lambda done: self._ended(key, done))
        return await asyncio.shield(task)

    def _ended(self, key: K, task: asyncio.Task[V]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved, even when every caller was cancelled meanwhile
