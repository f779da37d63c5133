"""The job table's operations: enqueue, claim atomically, finish, retry, fail, renew locks.

Claims are atomic: on PostgreSQL the candidates are selected `FOR UPDATE SKIP LOCKED` and
updated in one transaction, so several workers on several machines share one queue; on
SQLite one conditional `UPDATE … WHERE locked_by IS NULL OR locked_until < now` for the
batch (SQLite serialises writers, so the condition is the lock).

Lanes: a job may name a lane (deliveries: the host). A claim takes no more jobs of a lane
than the worker has room for in it, and skips full lanes in SQL, so one host's backlog
can neither fill a worker's slots nor hide other hosts' jobs from it. On PostgreSQL the
room is the cluster's: a claim counts the lane's jobs running in every worker process
(`lane_limit` minus that), under a transaction-scoped advisory lock per lane so that two
workers claiming at once cannot both take the last room. On SQLite (one machine) the
room is the worker's own.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import weakref
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from instance.jobs.finishing import FinishBatch
from instance.storage.models import Job, JobState
from instance.storage.raw_sql import insert_rows, placeholders

JOB_COLUMNS = ("kind", "payload", "lane", "state", "attempts", "max_attempts", "next_attempt_at",
               "last_error", "created_at")

RUNNABLE = (JobState.QUEUED, JobState.RUNNING)
RUNNABLE_VALUES = tuple(state.value for state in RUNNABLE)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_worker_id() -> str:
    """host:pid:random — the pid lets a restarted worker on the same host free the locks
    of a dead one at once instead of waiting for them to expire."""
    return f"{socket.gethostname()}:{os.getpid()}:{random.randrange(16**6):06x}"


def default_backoff(attempt: int) -> float:
    """Seconds before retrying a job that raised an unexpected error: 10 s, 20 s, 40 s…
    capped at an hour, with jitter so a burst of failures does not retry in lockstep."""
    base = min(3600.0, 10.0 * 2 ** max(0, attempt - 1))
    return base * random.uniform(0.8, 1.2)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict
    attempts: int
    max_attempts: int
    lane: str | None = None


def _claimed(row: dict[str, Any]) -> ClaimedJob:
    payload = row["payload"]
    return ClaimedJob(row["id"], row["kind"], json.loads(payload) if isinstance(payload, str) else payload,
                      row["attempts"], row["max_attempts"], row["lane"])


LaneRoom = Callable[[str], int]  # how many more jobs of this lane the worker may start


def pick(rows: list[tuple[int, str | None]], limit: int, room: LaneRoom | None) -> list[int]:
    """Ids to claim from ordered (id, lane) candidates: at most `limit`, and per lane no
    more than `room(lane)`."""
    taken: dict[str, int] = {}
    chosen: list[int] = []
    for job_id, lane in rows:
        if len(chosen) >= limit:
            break
        if lane is not None and room is not None:
            if taken.get(lane, 0) >= room(lane):
                continue
            taken[lane] = taken.get(lane, 0) + 1
        chosen.append(job_id)
    return chosen


LANE_LOCKS = 0x1A7E  # the advisory-lock class of lanes (two-key locks: their own key space)


async def _cluster_room(connection: BaseDBAsyncClient, lanes: list[str], lane_limit: int) -> LaneRoom:
    """Room left in each lane across every worker: lock the lanes for this transaction
    (in one order, so two claims never wait on each other in a cycle), then count their
    running jobs — a claim that held a lane before us has committed by now and is seen."""
    await connection.execute_query(
        f"SELECT pg_advisory_xact_lock({LANE_LOCKS}, k) FROM "
        "(SELECT DISTINCT hashtext(l) AS k FROM unnest($1::text[]) AS l ORDER BY k) AS keys", [lanes])
    rows = await connection.execute_query_dict(
        f"SELECT lane, count(*) AS n FROM jobs WHERE state = '{JobState.RUNNING}' "
        "AND locked_until >= $1 AND lane = ANY($2::text[]) GROUP BY lane", [utcnow(), lanes])
    running = {row["lane"]: int(row["n"]) for row in rows}
    return lambda lane: lane_limit - running.get(lane, 0)


class JobQueue:
    """Enqueue and claim jobs. `notify` wakes an in-process worker on enqueue."""

    def __init__(
        self,
        *,
        default_max_attempts: int = 8,
        lock_seconds: int = 300,
        notify: Callable[[], None] | None = None,
    ) -> None:
        self.default_max_attempts = default_max_attempts
        self.lock_seconds = lock_seconds
        self.notify = notify
        self._finishing: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, FinishBatch] = (
            weakref.WeakKeyDictionary()
        )

    async def enqueue(
        self,
        kind: str,
        payload: dict[str, Any] | None = None,
        *,
        delay: float = 0.0,
        at: datetime | None = None,
        max_attempts: int | None = None,
        lane: str | None = None,
        using_db: BaseDBAsyncClient | None = None,
    ) -> int:
        """Add a job, runnable after `delay` seconds (or from `at`); pass `using_db` to
        write it in the caller's transaction."""
        job = await Job.create(
            kind=kind,
            payload=payload or {},
            lane=lane,
            max_attempts=max_attempts or self.default_max_attempts,
            next_attempt_at=at or utcnow() + timedelta(seconds=delay),
            using_db=using_db,
        )
        if self.notify is not None:
            self.notify()
        return job.id

    async def enqueue_many(
        self,
        kind: str,
        payloads: list[dict[str, Any]],
        *,
        max_attempts: int | None = None,
        lane_of: Callable[[dict[str, Any]], str | None] | None = None,
        delay: float = 0.0,
        using_db: BaseDBAsyncClient | None = None,
    ) -> int:
        """Queue one job per payload, runnable after `delay` seconds, written as one
        multi-row INSERT per few hundred (no Job objects built: at fan-out and group
        commit that was most of the cost)."""
        now = utcnow()
        attempts = max_attempts or self.default_max_attempts
        runnable = now + timedelta(seconds=delay)
        rows = [(kind, payload, lane_of(payload) if lane_of else None, JobState.QUEUED.value, 0,
                 attempts, runnable, "", now) for payload in payloads]
        if rows:
            await insert_rows(using_db or Tortoise.get_connection("default"), "jobs", JOB_COLUMNS,
                              rows, json_columns=frozenset({"payload"}))
            if self.notify is not None:
                self.notify()
        return len(rows)

    async def claim(
        self,
        worker_id: str,
        limit: int,
        now: datetime | None = None,
        *,
        full_lanes: Collection[str] = (),
        room: LaneRoom | None = None,
        lane_limit: int | None = None,
    ) -> list[ClaimedJob]:
        """Lock up to `limit` runnable jobs for this worker; each claim counts an attempt.
        Jobs in `full_lanes` are skipped; `room` caps how many of one lane are taken; on
        PostgreSQL `lane_limit` caps a lane's running jobs across every worker instead."""
        if limit <= 0:
            return []
        now = now or utcnow()
        until = utcnow() + timedelta(seconds=self.lock_seconds)
        scan = limit * 4 if room is not None else limit
        connection = Tortoise.get_connection("default")
        if connection.capabilities.dialect == "postgres":
            return await self._claim_postgres(worker_id, limit, scan, now, until, full_lanes, room,
                                              lane_limit)
        return await self._claim_portable(worker_id, limit, scan, now, until, full_lanes, room)

    async def _claim_postgres(
        self,
        worker_id: str,
        limit: int,
        scan: int,
        now: datetime,
        until: datetime,
        full_lanes: Collection[str],
        room: LaneRoom | None,
        lane_limit: int | None = None,
    ) -> list[ClaimedJob]:
        # Lanes full in the whole cluster are skipped too (else one host's backlog, run
        # by other workers, would fill this worker's scan and hide every other host).
        busy = "" if lane_limit is None else f"""
              AND (lane IS NULL OR lane NOT IN (
                SELECT lane FROM jobs WHERE state = '{JobState.RUNNING}' AND locked_until >= $2
                  AND lane IS NOT NULL GROUP BY lane HAVING count(*) >= {int(lane_limit)}))"""
        select = f"""
            SELECT id, lane FROM jobs
            WHERE state IN ('{JobState.QUEUED}', '{JobState.RUNNING}') AND next_attempt_at <= $1
              AND (locked_by IS NULL OR locked_until < $2)
              AND (lane IS NULL OR lane <> ALL($3::text[])){busy}
            ORDER BY next_attempt_at, id
            LIMIT $4
            FOR UPDATE SKIP LOCKED
        """
        update = f"""
            UPDATE jobs SET state = '{JobState.RUNNING}', locked_by = $1, locked_until = $2,
                   attempts = attempts + 1
            WHERE id = ANY($3::bigint[])
            RETURNING id, kind, payload, attempts, max_attempts, lane
        """
        async with in_transaction() as connection:
            rows = await connection.execute_query_dict(select, [now, utcnow(), list(full_lanes), scan])
            lanes = sorted({row["lane"] for row in rows if row["lane"] is not None})
            if lane_limit is not None and lanes:
                room = await _cluster_room(connection, lanes, lane_limit)
            chosen = pick([(row["id"], row["lane"]) for row in rows], limit, room)
            if not chosen:
                return []
            rows = await connection.execute_query_dict(update, [worker_id, until, chosen])
        return sorted((_claimed(row) for row in rows), key=lambda job: job.id)

    async def _claim_portable(
        self,
        worker_id: str,
        limit: int,
        scan: int,
        now: datetime,
        until: datetime,
        full_lanes: Collection[str],
        room: LaneRoom | None,
    ) -> list[ClaimedJob]:
        # Hand-written SQL: building three ORM queries per claim cost more than the
        # claim itself, and a claim runs about once per finished delivery at fan-out.
        connection = Tortoise.get_connection("default")
        lanes, lapsed = list(full_lanes), utcnow()  # a lock that ended before now is free
        skip = f" AND (lane IS NULL OR lane NOT IN ({', '.join('?' * len(lanes))}))" if lanes else ""
        rows = await connection.execute_query_dict(
            f"SELECT id, lane FROM jobs WHERE state IN (?, ?) AND next_attempt_at <= ?"
            f" AND (locked_by IS NULL OR locked_until < ?){skip}"
            " ORDER BY next_attempt_at, id LIMIT ?",
            [*RUNNABLE_VALUES, now, lapsed, *lanes, scan])
        candidates = pick([(row["id"], row["lane"]) for row in rows], limit, room)
        if not candidates:
            return []
        # One conditional UPDATE for the batch: SQLite runs it under its write lock, and
        # the condition skips any candidate another worker took in between.
        won = await connection.execute_query_dict(
            f"UPDATE jobs SET state = ?, locked_by = ?, locked_until = ?, attempts = attempts + 1"
            f" WHERE id IN ({', '.join('?' * len(candidates))}) AND state IN (?, ?)"
            " AND (locked_by IS NULL OR locked_until < ?)"
            " RETURNING id, kind, payload, attempts, max_attempts, lane",
            [JobState.RUNNING.value, worker_id, until, *candidates, *RUNNABLE_VALUES, lapsed])
        return sorted((_claimed(row) for row in won), key=lambda job: job.id)

    async def finish(self, job_id: int, worker_id: str) -> None:
        """Mark a job done; returns once written. Finishes settling at once share one
        UPDATE (instance.jobs.finishing), one batch per event loop."""
        loop = asyncio.get_running_loop()
        batch = self._finishing.get(loop)
        if batch is None:
            batch = self._finishing[loop] = FinishBatch(self._finish_many)
        await batch.finish(job_id, worker_id)

    async def _finish_many(self, job_ids: list[int], worker_id: str) -> None:
        connection = Tortoise.get_connection("default")
        marks = placeholders(connection.capabilities.dialect, len(job_ids) + 3)
        await connection.execute_query(
            f"UPDATE jobs SET state = {marks[0]}, locked_by = NULL, locked_until = NULL,"
            f" finished_at = {marks[1]}, last_error = '' WHERE locked_by = {marks[2]}"
            f" AND id IN ({', '.join(marks[3:])})",
            [JobState.DONE.value, utcnow(), worker_id, *job_ids])

    async def retry(self, job_id: int, worker_id: str, after: float, error: str) -> None:
        await Job.filter(id=job_id, locked_by=worker_id).update(
            state=JobState.QUEUED,
            locked_by=None,
            locked_until=None,
            next_attempt_at=utcnow() + timedelta(seconds=after),
            last_error=error[:4000],
        )

    async def fail(self, job_id: int, worker_id: str, error: str) -> None:
        await Job.filter(id=job_id, locked_by=worker_id).update(
            state=JobState.FAILED,
            locked_by=None,
            locked_until=None,
            finished_at=utcnow(),
            last_error=error[:4000],
        )

    async def renew_locks(self, worker_id: str) -> int:
        """Heartbeat: keep this worker's running jobs locked while they run."""
        until = utcnow() + timedelta(seconds=self.lock_seconds)
        return await Job.filter(locked_by=worker_id, state=JobState.RUNNING).update(locked_until=until)

    async def release_dead_local_workers(self) -> int:
        """Free at once the locks of crashed workers on this host (their pid is gone)."""
        host = socket.gethostname()
        holders = await (
            Job.filter(state=JobState.RUNNING, locked_by__startswith=f"{host}:")
            .distinct()
            .values_list("locked_by", flat=True)
        )
        released = 0
        for holder in holders:
            try:
                pid = int(str(holder).split(":")[1])
            except (IndexError, ValueError):
                continue
            if pid == os.getpid() or _pid_alive(pid):
                continue
            released += await Job.filter(locked_by=holder, state=JobState.RUNNING).update(
                locked_until=utcnow() - timedelta(seconds=1)
            )
        return released

    async def has_runnable(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        free = Q(locked_by=None) | Q(locked_until__lt=utcnow())
        return await Job.filter(state__in=RUNNABLE, next_attempt_at__lte=now).filter(free).exists()

    async def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for state in JobState:
            result[state.value] = await Job.filter(state=state).count()
        return result

    async def prune_finished(self, older_than: timedelta) -> int:
        """Drop finished jobs past their keep time (failed ones stay for the admin)."""
        return await Job.filter(state=JobState.DONE, finished_at__lt=utcnow() - older_than).delete()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
