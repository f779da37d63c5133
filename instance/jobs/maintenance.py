"""Housekeeping jobs the worker runs for itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from instance.jobs.registry import JobContext
from instance.storage.models import EmailToken


async def prune_jobs(ctx: JobContext, payload: dict) -> None:
    """Drop finished jobs older than `days` (default 7), and the hashes of mailed links
    that expired more than a day ago (used or not, they open nothing any more)."""
    days = payload.get("days", 7)
    await ctx.services.jobs.prune_finished(timedelta(days=float(days)))
    await EmailToken.filter(expires_at__lt=datetime.now(UTC) - timedelta(days=1)).delete()


async def prune_counters(ctx: JobContext, payload: dict) -> None:
    """Drop rate-limit and throttle windows that have ended (instance/counters.py)."""
    from instance import counters

    await counters.prune()
