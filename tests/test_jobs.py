"""The durable job runner in one process, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from instance.jobs import JobQueue, Worker, plugin_handlers
from instance.jobs.queue import utcnow
from instance.storage.models import Job
from tests import jobs_plugin  # registers the test job kinds


def make_worker(queue: JobQueue, concurrency: int = 4, worker_id: str | None = None) -> Worker:
    return Worker(queue, plugin_handlers, services=None, concurrency=concurrency, worker_id=worker_id)


def read_lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


async def test_jobs_run_once_each_until_idle(connected, tmp_path):
    log = tmp_path / "log"
    queue = JobQueue()
    await queue.enqueue_many("test.record", [{"n": n, "log": str(log)} for n in range(25)])
    ran = await make_worker(queue).run_until_idle()
    assert ran == 25
    ends = sorted(int(line.split()[1]) for line in read_lines(log) if line.startswith("end"))
    assert ends == list(range(25))
    assert await Job.filter(state="done").count() == 25
    assert await queue.counts() == {"queued": 0, "running": 0, "done": 25, "failed": 0}


async def test_one_lane_never_takes_every_slot(connected):
    """A slow host's deliveries (one lane, held open) take at most half the slots; another
    host's job queued behind all of them still runs meanwhile."""
    queue = JobQueue()
    slow = asyncio.Event()
    jobs_plugin.LANE_GATES["slow.example"] = slow
    jobs_plugin.LANE_DONE.clear()
    jobs_plugin.LANE_PEAK.clear()
    await queue.enqueue_many("test.lane", [{"lane": "slow.example"}] * 30,
                             lane_of=lambda payload: payload["lane"])
    await queue.enqueue("test.lane", {"lane": "live.example"}, lane="live.example")
    live_done = asyncio.Event()
    jobs_plugin.LANE_FINISHED["live.example"] = live_done
    worker = make_worker(queue, concurrency=8)
    running = asyncio.create_task(worker.run_until_idle())
    await asyncio.wait([running, asyncio.create_task(live_done.wait())], timeout=30,
                       return_when=asyncio.FIRST_COMPLETED)
    assert live_done.is_set() and not running.done()  # ran while the slow lane is held
    assert jobs_plugin.LANE_PEAK["slow.example"] == 4 and jobs_plugin.LANE_RUNNING["slow.example"] == 4
    slow.set()
    assert await running == 31
    assert jobs_plugin.LANE_PEAK["slow.example"] == 4


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)  # SQLite is one machine: its limit is per worker
async def test_one_lane_is_limited_across_worker_processes(connected):
    """On PostgreSQL the lane limit holds for the whole cluster: two workers (each with its
    own counters, as two processes have) give one slow host at most half of one worker's
    slots at once, not half of each; another host's job still runs meanwhile."""
    queue = JobQueue()
    jobs_plugin.LANE_GATES["slow.example"] = slow = asyncio.Event()
    jobs_plugin.LANE_PEAK.clear()
    await queue.enqueue_many("test.lane", [{"lane": "slow.example"}] * 30,
                             lane_of=lambda payload: payload["lane"])
    await queue.enqueue("test.lane", {"lane": "live.example"}, lane="live.example")
    jobs_plugin.LANE_FINISHED["live.example"] = live_done = asyncio.Event()
    one, two = make_worker(queue, 8, "host:1:a"), make_worker(queue, 8, "host:2:b")
    assert await one._claim_and_start(utcnow()) == 5  # half its 8 slots to the slow host, and the live one
    assert await two._claim_and_start(utcnow()) == 0  # the slow host already has 4 in the cluster
    await asyncio.wait_for(live_done.wait(), 30)  # ran while the slow lane is held
    assert await Job.filter(lane="slow.example", state="running").count() == 4
    slow.set()
    await asyncio.gather(one.run_until_idle(), two.run_until_idle())
    assert await Job.filter(state="done").count() == 31
    assert jobs_plugin.LANE_PEAK["slow.example"] == 4  # never 8 at the receiving end


async def test_unexpected_errors_are_retried_then_succeed(connected, tmp_path):
    log = tmp_path / "log"
    queue = JobQueue()
    job_id = await queue.enqueue("test.flaky", {"log": str(log), "succeed_on": 3}, max_attempts=5)
    await make_worker(queue).run_until_idle()
    job = await Job.get(id=job_id)
    assert job.state == "queued" and job.attempts == 1  # waiting for its backoff
    assert job.next_attempt_at > utcnow() + timedelta(seconds=5)
    assert "boom on attempt 1" in job.last_error
    await make_worker(queue).run_until_idle(include_delayed=True)
    job = await Job.get(id=job_id)
    assert job.state == "done" and job.attempts == 3
    assert read_lines(log) == ["attempt 1", "attempt 2", "attempt 3"]


async def test_attempts_are_capped(connected, tmp_path):
    queue = JobQueue()
    job_id = await queue.enqueue(
        "test.flaky", {"log": str(tmp_path / "l"), "succeed_on": 99}, max_attempts=3
    )
    await make_worker(queue).run_until_idle(include_delayed=True)
    job = await Job.get(id=job_id)
    assert job.state == "failed" and job.attempts == 3
    assert "gave up after 3 attempts" in job.last_error


async def test_retry_and_permanent(connected):
    queue = JobQueue()
    retry_id = await queue.enqueue("test.retry", {"after": 600})
    permanent_id = await queue.enqueue("test.permanent")
    unknown_id = await queue.enqueue("no.such.kind")
    await make_worker(queue).run_until_idle()
    retried = await Job.get(id=retry_id)
    assert retried.state == "queued" and retried.last_error == "remote busy"
    assert timedelta(seconds=590) < retried.next_attempt_at - utcnow() <= timedelta(seconds=600)
    assert (await Job.get(id=permanent_id)).state == "failed"
    unknown = await Job.get(id=unknown_id)
    assert unknown.state == "failed" and "no handler" in unknown.last_error


async def test_stale_locks_are_taken_over(connected, tmp_path):
    log = tmp_path / "log"
    queue = JobQueue(lock_seconds=60)
    job_id = await queue.enqueue("test.record", {"n": 1, "log": str(log)})
    claimed = await queue.claim("otherhost:1:abc", 1)
    assert [job.id for job in claimed] == [job_id]
    # A live lock is respected…
    assert await make_worker(queue).run_until_idle() == 0
    # …an expired one is taken over.
    await Job.filter(id=job_id).update(locked_until=utcnow() - timedelta(seconds=1))
    assert await make_worker(queue).run_until_idle() == 1
    job = await Job.get(id=job_id)
    assert job.state == "done" and job.attempts == 2


async def test_two_claimers_never_share_a_job(connected):
    queue = JobQueue()
    await queue.enqueue_many("test.record", [{"n": n, "log": "/dev/null"} for n in range(40)])
    first = await queue.claim("host:1:a", 25)
    second = await queue.claim("host:2:b", 25)
    ids_first = {job.id for job in first}
    ids_second = {job.id for job in second}
    assert len(ids_first) == 25 and len(ids_second) == 15
    assert not ids_first & ids_second


async def test_enqueue_joins_the_callers_transaction(connected):
    queue = JobQueue()
    with pytest.raises(RuntimeError):
        async with in_transaction() as connection:
            await queue.enqueue("test.record", {"n": 1, "log": "/dev/null"}, using_db=connection)
            raise RuntimeError("roll back")
    assert await Job.all().count() == 0


async def test_enqueue_wakes_the_in_process_worker(connected):
    woken = []
    queue = JobQueue(notify=lambda: woken.append(True))
    await queue.enqueue("test.record", {"n": 1, "log": "/dev/null"})
    assert woken == [True]
