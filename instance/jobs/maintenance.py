"""Housekeeping jobs the worker runs for itself."""

from __future__ import annotations

from datetime import timedelta

from instance.jobs.registry import JobContext


async def prune_jobs(ctx: JobContext, payload: dict) -> None:
    """Drop finished jobs older than `days` (default 7)."""
    days = payload.get("days", 7)
    await ctx.services.jobs.prune_finished(timedelta(days=float(days)))


async def prune_counters(ctx: JobContext, payload: dict) -> None:
    """Drop rate-limit and throttle windows that have ended (instance/counters.py)."""
    from instance import counters

    await counters.prune()
