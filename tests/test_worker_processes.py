"""Worker processes: a SIGKILL mid-job loses nothing; two workers on PostgreSQL never run
one job twice."""

from __future__ import annotations

import os
import select
import signal
import subprocess
from collections import Counter

import pytest

import tests.jobs_plugin  # noqa: F401  (registers the test job kinds in this process too)
from instance.jobs import JobQueue, Worker, plugin_handlers
from instance.storage import db
from instance.storage.models import Job
from tests.conftest import REPO_ROOT, require_postgres
from tests.rig.processes import IMPASTO, impasto_env, start_worker

pytestmark = pytest.mark.slow


def read_fifo_lines(fd: int, want: int, timeout: float) -> list[str]:
    """Block (with select, no polling) until `want` lines arrived on the FIFO."""
    buffer = b""
    lines: list[str] = []
    while len(lines) < want:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise TimeoutError(f"only {len(lines)} of {want} jobs started: {lines}")
        chunk = os.read(fd, 65536)
        buffer += chunk
        *complete, buffer = buffer.split(b"\n")
        lines += [line.decode() for line in complete if line]
    return lines


async def test_sigkill_mid_job_loses_nothing(database_url, tmp_path):
    log, fifo, hang = tmp_path / "log", tmp_path / "started.fifo", tmp_path / "hang"
    hang.touch()
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    keep_open = os.open(fifo, os.O_WRONLY)  # a writer of our own: no EOF between job writes
    total, concurrency = 30, 6
    await db.connect(database_url)
    try:
        await JobQueue().enqueue_many(
            "test.record",
            [
                {"n": n, "log": str(log), "fifo": str(fifo), "hang_while": str(hang)}
                for n in range(total)
            ],
        )
    finally:
        await db.disconnect()

    env = impasto_env(database_url, tmp_path, JOBS_CONCURRENCY=str(concurrency))
    worker = start_worker(env)
    try:
        started = read_fifo_lines(reader, concurrency, timeout=60)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        os.close(keep_open)
        os.close(reader)
    assert len(started) == concurrency  # the worker held jobs when it died
    hang.unlink()

    # Restart: a new worker frees the dead one's locks at once and finishes everything.
    await db.connect(database_url)
    try:
        held = await Job.filter(state="running").count()
        assert held == concurrency
        ran = await Worker(JobQueue(), plugin_handlers, None, concurrency=8).run_until_idle()
        assert ran == total
        assert await Job.filter(state="done").count() == total
    finally:
        await db.disconnect()
    ends = Counter(
        int(line.split()[1]) for line in log.read_text().splitlines() if line.startswith("end")
    )
    assert sorted(ends) == list(range(total)) and set(ends.values()) == {1}


@pytest.mark.postgres
async def test_two_workers_share_one_postgres_queue(tmp_path):
    require_postgres()
    from tests.conftest import create_postgres_database, drop_postgres_database

    url = await create_postgres_database()
    try:
        await db.migrate(url)
        log, total = tmp_path / "log", 400
        await db.connect(url)
        try:
            await JobQueue().enqueue_many(
                "test.record",
                [{"n": n, "log": str(log), "work_seconds": 0.02} for n in range(total)],
            )
        finally:
            await db.disconnect()
        env = impasto_env(url, tmp_path, JOBS_CONCURRENCY="4")
        workers = [
            subprocess.Popen(
                [*IMPASTO, "worker", "--until-idle"],
                env=env,
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for worker in workers:
            _, err = worker.communicate(timeout=240)
            assert worker.returncode == 0, err

        starts: dict[int, list[tuple[int, float]]] = {}
        ends: dict[int, list[tuple[int, float]]] = {}
        for line in log.read_text().splitlines():
            kind, n, pid, _attempt, when = line.split()
            (starts if kind == "start" else ends).setdefault(int(n), []).append(
                (int(pid), float(when))
            )
        assert sorted(starts) == list(range(total)) == sorted(ends)
        assert all(len(runs) == 1 for runs in starts.values()), "a job ran twice"
        assert all(len(runs) == 1 for runs in ends.values())
        by_worker = Counter(pid for runs in starts.values() for pid, _ in runs)
        assert len(by_worker) == 2, f"both workers should have taken jobs: {by_worker}"
        await db.connect(url)
        try:
            assert await Job.filter(state="done").count() == total
        finally:
            await db.disconnect()
    finally:
        await drop_postgres_database(url)
