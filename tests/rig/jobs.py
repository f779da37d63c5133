"""Run queued jobs in the test's own process, deterministically: no sleeping, no
embedded worker racing the assertions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from instance.services import Services


async def run_jobs_until_idle(services: Services, *, concurrency: int = 8,
                              include_delayed: bool = False) -> int:
    """Run every job runnable now (or, with `include_delayed`, also those waiting for a
    retry) with the real handlers; returns how many ran."""
    from instance.job_handlers import load_handlers
    from instance.jobs import Worker

    worker = Worker(services.jobs, load_handlers(), services, concurrency=concurrency)
    return await worker.run_until_idle(include_delayed=include_delayed)
