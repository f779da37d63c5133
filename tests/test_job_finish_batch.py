"""Finished jobs are written in groups (instance.jobs.finishing), on SQLite and PostgreSQL:
jobs finishing at the same moment share one UPDATE, each `finish` returns only once its
job is written, and a job whose lock another worker has taken is not marked done."""

from __future__ import annotations

import asyncio

from instance.jobs import JobQueue
from instance.jobs.queue import utcnow
from instance.storage.models import Job


async def test_finishes_at_once_share_one_update_and_each_is_written(connected):
    queue = JobQueue()
    await queue.enqueue_many("test.record", [{"n": n} for n in range(20)])
    claimed = await queue.claim("w1", 20, utcnow())
    assert len(claimed) == 20
    await asyncio.gather(*(queue.finish(job.id, "w1") for job in claimed))
    assert await Job.filter(state="done", locked_by=None).count() == 20
    batch = queue._finishing[asyncio.get_running_loop()]
    assert batch.updates < 20  # one for the first, one for the 19 that waited behind it
    await queue.finish(claimed[0].id, "w1")  # a lone finish still returns written
    assert batch.updates <= 3


async def test_a_finish_leaves_a_job_another_worker_holds(connected):
    queue = JobQueue()
    await queue.enqueue_many("test.record", [{"n": 1}, {"n": 2}])
    mine, lost = await queue.claim("w1", 2, utcnow())
    await Job.filter(id=lost.id).update(locked_by="w2")  # its lock lapsed and w2 took it
    await asyncio.gather(queue.finish(mine.id, "w1"), queue.finish(lost.id, "w1"))
    assert (await Job.get(id=mine.id)).state == "done"
    taken = await Job.get(id=lost.id)
    assert taken.state == "running" and taken.locked_by == "w2"
