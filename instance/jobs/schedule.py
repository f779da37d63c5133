"""Periodic jobs: a worker makes sure each has one run queued; the job table keeps the
schedule durable across restarts (no separate cron)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from instance.services import Services
from instance.jobs import kinds
from instance.storage.models import Job, JobState


def periodic_jobs(config) -> list[tuple[str, float]]:
    """(job kind, every N seconds) for this instance's settings."""
    return [
        (kinds.REFRESH_ALL_BLOCKLISTS, config.moderation.blocklist_refresh_hours * 3600),
        (kinds.PRUNE_JOBS, timedelta(days=1).total_seconds()),
        (kinds.PRUNE_COUNTERS, timedelta(hours=1).total_seconds()),
        (kinds.EXPIRE_LISTINGS, timedelta(minutes=10).total_seconds()),
    ]


async def ensure_periodic_jobs(services: Services) -> int:
    """Queue the next run of every periodic job that has none waiting; returns how many.
    Two workers may race here; a duplicate run is harmless (these jobs are idempotent)."""
    queued = 0
    for kind, every in periodic_jobs(services.config):
        if await Job.filter(kind=kind, state__in=(JobState.QUEUED, JobState.RUNNING)).exists():
            continue
        await services.jobs.enqueue(kind, {}, delay=every)
        queued += 1
    return queued
