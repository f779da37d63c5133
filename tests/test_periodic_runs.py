"""Periodic jobs run once per period however many workers race for them, on SQLite and
PostgreSQL: concurrent claimers in one process (separate pooled connections on
PostgreSQL) and two processes started on one signal."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from types import SimpleNamespace

from tortoise.transactions import in_transaction

from instance.config import load_config
from instance.jobs import JobQueue, kinds
from instance.jobs.schedule import (
    claim_period,
    ensure_periodic_jobs,
    next_period,
    offset_for,
    periodic_jobs,
)
from instance.storage.models import Job, PeriodicRun
from tests.rig.processes import REPO_ROOT, impasto_env

BASE = 1_800_000_000.0  # a fixed "now" (2027), far from the wall clock


def worker_services() -> SimpleNamespace:
    """What ensure_periodic_jobs needs of one worker's services."""
    return SimpleNamespace(config=load_config(None, environ={}), jobs=JobQueue())


async def claim(name: str, period: int, holder: str) -> bool:
    async with in_transaction() as connection:
        return await claim_period(connection, name, period, holder)


def test_periods_are_aligned_and_shifted():
    assert next_period(600, 1000.0) == 1200
    assert next_period(600, 1200.0) == 1800  # a period that starts now is not "next"
    assert next_period(600, 1000.0, offset=100) == 1300
    assert next_period(600, 1299.0, offset=100) == 1300
    offset = offset_for("art.test", kinds.PRUNE_JOBS, 86400)
    assert 0 <= offset < 86400 and offset == offset_for("art.test", kinds.PRUNE_JOBS, 86400)


async def test_concurrent_claimers_win_once_per_period(connected):
    for period in (1200, 1800, 2400):
        wins = await asyncio.gather(*(claim("job.x", period, f"w{n}") for n in range(8)))
        assert sum(wins) == 1, wins
    assert not await claim("job.x", 2400, "late")  # the same period again
    assert not await claim("job.x", 1800, "late")  # an older one
    row = await PeriodicRun.get(name="job.x")
    assert row.period_start == 2400 and row.claimed_by.startswith("w")
    assert await claim("job.y", 1200, "other")  # each job has its own periods


async def test_racing_workers_queue_one_run_per_period(connected):
    workers = [worker_services(), worker_services()]
    total = 0
    for step in range(6):  # an hour of ticks, ten minutes apart, both workers at once
        now = BASE + step * 600
        total += sum(await asyncio.gather(*(ensure_periodic_jobs(w, now=now) for w in workers)))
        total += await ensure_periodic_jobs(workers[0], now=now + 1)  # a later tick: nothing
    runs = await Job.all().values_list("kind", "payload", "next_attempt_at")
    assert len(runs) == total
    by_kind = Counter(kind for kind, _, _ in runs)
    assert by_kind[kinds.EXPIRE_LISTINGS] == 6  # one run per ten-minute period
    config, domain = workers[0].config, workers[0].config.instance.domain
    for kind, every in periodic_jobs(config):  # one run per period the ticks reached
        periods = {next_period(every, BASE + s * 600 + d, offset_for(domain, kind, every))
                   for s in range(6) for d in (0, 1)}
        assert by_kind[kind] == len(periods), kind
    for _kind, payload, at in runs:
        assert at == datetime.fromtimestamp(payload["period"], UTC)  # runs at its period's start
    assert len({p["period"] for k, p, _ in runs if k == kinds.EXPIRE_LISTINGS}) == 6


async def test_two_processes_queue_one_run_per_period(database_url, tmp_path):
    count = 12  # two hours of ten-minute ticks, from two processes at once
    command = [sys.executable, "-m", "tests.rig.racer", "periodic", database_url,
               str(BASE), str(count), "600"]
    env = impasto_env(database_url, tmp_path)
    racers = [subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(2)]
    try:
        for racer in racers:
            assert racer.stdout is not None
            assert racer.stdout.readline().strip() == "ready", racer.stderr.read() if racer.stderr else ""
        for racer in racers:  # the start signal: both tick from here, as fast as they can
            assert racer.stdin is not None
            racer.stdin.write("go\n")
            racer.stdin.flush()
        outputs = [racer.communicate(timeout=120) for racer in racers]
    finally:
        for racer in racers:
            if racer.poll() is None:
                racer.kill()
                racer.wait()
    for racer, (_out, err) in zip(racers, outputs, strict=True):
        assert racer.returncode == 0, err
    queued = [int(out.split()[-1]) for out, _ in outputs]

    from instance.storage import db

    await db.connect(database_url)
    try:
        runs = await Job.all().values_list("kind", "payload")
    finally:
        await db.disconnect()
    assert sum(queued) == len(runs)
    per_period = Counter((kind, payload["period"]) for kind, payload in runs)
    assert set(per_period.values()) == {1}, "a period was queued twice"
    assert sum(1 for kind, _ in per_period if kind == kinds.EXPIRE_LISTINGS) == count
