"""Periodic jobs: on each tick a worker claims the next period of every periodic job and
queues that period's run at its start. The job table keeps the schedule durable across
restarts (no separate cron), and `periodic_runs` makes it run once per period however
many workers, on however many machines, tick at the same time.

A period is claimed with one statement that only one transaction can win: an
insert-if-absent for a job never claimed before, else a conditional
`UPDATE … WHERE period_start < next` (PostgreSQL re-checks the condition after a
concurrent winner commits; SQLite serialises writers). The claim and the queued run are
written in one transaction, so a crash between them loses neither half alone.
"""

from __future__ import annotations

import os
import socket
import time
import zlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

if TYPE_CHECKING:
    from instance.services import Services
from instance.jobs import kinds
from instance.jobs.queue import utcnow


def periodic_jobs(config) -> list[tuple[str, float]]:
    """(job kind, every N seconds) for this instance's settings."""
    return [
        (kinds.REFRESH_ALL_BLOCKLISTS, config.moderation.blocklist_refresh_hours * 3600),
        (kinds.PRUNE_JOBS, timedelta(days=1).total_seconds()),
        (kinds.PRUNE_COUNTERS, timedelta(hours=1).total_seconds()),
        (kinds.EXPIRE_LISTINGS, timedelta(minutes=10).total_seconds()),
        (kinds.EXPIRE_ARCHIVES, timedelta(hours=1).total_seconds()),
    ]


def next_period(every: float, now: float, offset: int = 0) -> int:
    """Start (epoch seconds) of the first period after `now`. Periods are `every` long
    and shifted by `offset`, so that instances do not all run at the same second."""
    every = max(1, int(every))
    current = (int(now) - offset) // every * every + offset
    return current + every


def offset_for(domain: str, kind: str, every: float) -> int:
    """A stable shift of a job's periods, from the instance's domain (every worker of an
    instance computes the same one; two instances rarely share one)."""
    return zlib.crc32(f"{domain}:{kind}".encode()) % max(1, int(every))


async def claim_period(
    connection: BaseDBAsyncClient, name: str, period_start: int, holder: str = ""
) -> bool:
    """True for exactly one of any number of concurrent callers for one (name, period):
    the one whose statement moved `periodic_runs.period_start` up to `period_start`."""
    postgres = connection.capabilities.dialect == "postgres"
    p = [f"${i}" for i in range(1, 6)] if postgres else ["?"] * 5
    now = utcnow()
    inserted = await connection.execute_query_dict(
        f"INSERT INTO periodic_runs (name, period_start, claimed_by, claimed_at) "
        f"VALUES ({p[0]}, {p[1]}, {p[2]}, {p[3]}) ON CONFLICT (name) DO NOTHING RETURNING name",
        [name, period_start, holder, now],
    )
    if inserted:
        return True
    updated = await connection.execute_query_dict(
        f"UPDATE periodic_runs SET period_start = {p[0]}, claimed_by = {p[1]}, claimed_at = {p[2]} "
        f"WHERE name = {p[3]} AND period_start < {p[4]} RETURNING name",
        [period_start, holder, now, name, period_start],
    )
    return bool(updated)


async def ensure_periodic_jobs(services: Services, now: float | None = None) -> int:
    """Claim the next period of every periodic job and queue its run at the period's
    start; returns how many this caller queued (0 when another worker already did)."""
    now = time.time() if now is None else now
    holder = f"{socket.gethostname()}:{os.getpid()}"
    queued = 0
    for kind, every in periodic_jobs(services.config):
        start = next_period(every, now, offset_for(services.config.instance.domain, kind, every))
        async with in_transaction() as connection:
            if not await claim_period(connection, kind, start, holder):
                continue
            await services.jobs.enqueue(kind, {"period": start}, using_db=connection,
                                        at=datetime.fromtimestamp(start, UTC))
        queued += 1
    return queued
