"""Counters shared by every process: fixed-window request counts (API rate limits, login
throttling) that hold across web processes on one database."""

from __future__ import annotations

from tortoise import fields, models


class RateCounter(models.Model):
    """Hits of one key in one fixed window (window_start: epoch seconds where it began).
    Rows past their window are pruned by the counters.prune job."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=200)
    window_start = fields.BigIntField()
    count = fields.IntField(default=0)
    expires_at = fields.BigIntField(db_index=True)

    class Meta:
        table = "rate_counters"
        unique_together = (("key", "window_start"),)


class HostSlot(models.Model):
    """One of the few delivery slots a failing host gets across every worker process:
    leased by one delivery (holder) until expires_at (epoch seconds), then free again, so
    a worker that dies mid-request holds nothing for longer than the lease."""

    id = fields.BigIntField(primary_key=True)
    host = fields.CharField(max_length=255)
    slot = fields.IntField()
    holder = fields.CharField(max_length=128)
    expires_at = fields.BigIntField()

    class Meta:
        table = "host_slots"
        unique_together = (("host", "slot"),)
