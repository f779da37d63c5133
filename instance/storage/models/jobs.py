"""The one durable job table that every background task goes through."""

from __future__ import annotations

from typing import Any

from tortoise import fields, models

JOB_STATES = ("queued", "running", "done", "failed")


class Job(models.Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=64)
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    # Jobs in one lane (deliveries to one host) share a per-worker limit on how many run
    lane = fields.CharField(max_length=255, null=True)
    state = fields.CharField(max_length=16, default="queued")
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
