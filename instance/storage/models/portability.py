"""An import of a Mastodon CSV file, run by a job: its rows, progress and a report of each
row that failed and why, kept for the person to read."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.accounts import Account


class ImportState(StrEnum):
    """ImportRun.state: QUEUED until its job starts, RUNNING, then DONE (rows that failed
    are in the report) or FAILED (the job itself gave up)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# The declared moves (instance.storage.models.states): the job takes QUEUED to RUNNING and
# RUNNING to DONE or FAILED; a retried job runs a RUNNING import again from its progress.
IMPORT_TRANSITIONS: Mapping[ImportState, frozenset[ImportState]] = {
    ImportState.QUEUED: frozenset({ImportState.RUNNING}),
    ImportState.RUNNING: frozenset({ImportState.DONE, ImportState.FAILED}),
    ImportState.DONE: frozenset(),
    ImportState.FAILED: frozenset(),
}


class ImportRun(models.Model):
    """One uploaded file, its parsed rows to apply and its per-row failure report."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="imports", on_delete=fields.CASCADE
    )
    account_id: int
    kind = fields.CharField(max_length=32)
    mode = fields.CharField(max_length=16)
    state = fields.CharField(max_length=16, default=ImportState.QUEUED.value)
    rows: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    report: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    total = fields.IntField(default=0)
    processed = fields.IntField(default=0)
    applied = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "imports"
