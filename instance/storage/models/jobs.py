"""The one durable job table that every background task goes through."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from tortoise import fields, models


class JobState(StrEnum):
    """Job.state: QUEUED until a worker claims it, RUNNING while it runs, then DONE or
    FAILED (failed jobs stay for the admin)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# The declared moves (instance.storage.models.states), as instance.jobs.queue makes them:
# a claim takes QUEUED to RUNNING (and re-claims a RUNNING job whose lock expired); a job
# ends DONE or FAILED, or goes back to QUEUED to be retried later; an admin's reset
# (`impasto federation reset`) queues FAILED deliveries again. DONE jobs are pruned.
JOB_TRANSITIONS: Mapping[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.RUNNING}),
    JobState.RUNNING: frozenset({JobState.DONE, JobState.FAILED, JobState.QUEUED}),
    JobState.DONE: frozenset(),
    JobState.FAILED: frozenset({JobState.QUEUED}),
}
JOB_STATES = tuple(JobState)


class Job(models.Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=64)
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    # Jobs in one lane (deliveries to one host) share a per-worker limit on how many run
    lane = fields.CharField(max_length=255, null=True)
    state = fields.CharField(max_length=16, default=JobState.QUEUED.value)
    attempts = fields.IntField(default=0)
    max_attempts = fields.IntField(default=8)
    next_attempt_at = fields.DatetimeField()
    locked_by = fields.CharField(max_length=255, null=True)
    locked_until = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "jobs"
        indexes = (("state", "next_attempt_at"),)


class PeriodicRun(models.Model):
    """The last period each periodic job was claimed for (period_start: epoch seconds).
    A worker claims a period with one conditional UPDATE or an insert-if-absent, so among
    any number of racing workers exactly one queues that period's run."""

    name = fields.CharField(max_length=64, primary_key=True)
    period_start = fields.BigIntField()
    claimed_by = fields.CharField(max_length=255, default="")
    claimed_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "periodic_runs"
