"""Durable jobs: one table, atomic claims, retries with backoff, stale-lock recovery.

Handlers are `async def handler(ctx: JobContext, payload: dict) -> None`; they finish,
raise `Retry(after)` or raise `Permanent`. Anything else is a failed attempt.
"""

from instance.jobs.errors import Permanent, Retry
from instance.jobs.queue import JobQueue
from instance.jobs.registry import JobContext, JobRegistry, plugin_handlers
from instance.jobs.worker import Worker

__all__ = ["JobContext", "JobQueue", "JobRegistry", "Permanent", "Retry", "Worker", "plugin_handlers"]
