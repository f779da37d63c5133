"""A running `impasto worker` whose PostgreSQL stops while it holds jobs and comes back:
the same worker process (never restarted) goes on and finishes every job, none is lost
and none ends failed because of the outage."""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest

import tests.jobs_plugin  # noqa: F401  (registers the test job kinds in this process too)
from instance.jobs import JobQueue
from instance.storage import db
from instance.storage.models import Job
from tests.rig.processes import impasto_env, run_cli, start_worker, stop_process
from tests.test_worker_processes import read_fifo_lines

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def ended(log) -> int:
    return sum(1 for line in log.read_text().splitlines() if line.startswith("end"))


async def job_states(url: str) -> Counter:
    await db.connect(url)
    try:
        return Counter(await Job.filter(kind="test.record").values_list("state", flat=True))
    finally:
        await db.disconnect()


async def test_worker_rides_out_a_database_restart(private_postgres_server, tmp_path):
    env = impasto_env(private_postgres_server.url, tmp_path, JOBS_CONCURRENCY="4")
    assert run_cli(["migrate"], env).returncode == 0
    log, fifo = tmp_path / "log", tmp_path / "started.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    keep_open = os.open(fifo, os.O_WRONLY)
    total = 12
    await db.connect(private_postgres_server.url)
    try:
        await JobQueue().enqueue_many(
            "test.record",
            [{"n": n, "log": str(log), "fifo": str(fifo), "work_seconds": 3} for n in range(total)],
        )
    finally:
        await db.disconnect()

    worker = start_worker(env)
    try:
        assert len(read_fifo_lines(reader, 4, timeout=60)) == 4  # it holds four jobs
        private_postgres_server.stop()
        deadline = time.monotonic() + 60
        while ended(log) < 4:  # their work (3 s each) ends while the database is away
            assert time.monotonic() < deadline, log.read_text()
        private_postgres_server.start()
        # The same process takes the other eight once the database is back.
        read_fifo_lines(reader, total - 4, timeout=120)
        deadline = time.monotonic() + 120
        while (states := await job_states(private_postgres_server.url))["done"] < total:
            assert time.monotonic() < deadline, states  # a bound, not a wait for a clock
            assert worker.poll() is None, worker.stderr.read()
        assert worker.poll() is None  # never restarted
    finally:
        stop_process(worker)
        os.close(keep_open)
        os.close(reader)
    assert states == Counter({"done": total})
    ends = Counter(int(line.split()[1]) for line in log.read_text().splitlines() if line.startswith("end"))
    assert sorted(ends) == list(range(total))
    assert set(ends.values()) == {1}, ends  # each ran once: its end was recorded, not redone
