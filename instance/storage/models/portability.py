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


class ArchiveState(StrEnum):
    """ArchiveExport.state: QUEUED until its job starts, BUILDING while it writes the zip,
    then READY (downloadable until expires_at) or FAILED (the job gave up)."""

    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


# The declared moves: the job takes QUEUED to BUILDING and BUILDING to READY or FAILED (a
# retried job builds a BUILDING archive again from the start). An expired archive's row
# is deleted with its file, never moved.
ARCHIVE_TRANSITIONS: Mapping[ArchiveState, frozenset[ArchiveState]] = {
    ArchiveState.QUEUED: frozenset({ArchiveState.BUILDING, ArchiveState.FAILED}),
    ArchiveState.BUILDING: frozenset({ArchiveState.READY, ArchiveState.FAILED}),
    ArchiveState.READY: frozenset(),
    ArchiveState.FAILED: frozenset(),
}


class ArchiveExport(models.Model):
    """One request for the full archive (actor, outbox, originals, likes, bookmarks and
    the CSV files as one zip), its progress, and where the finished zip is kept privately
    until it expires."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.CASCADE
    )
    account_id: int
    token = fields.CharField(max_length=64, unique=True)  # in the download URL
    state = fields.CharField(max_length=16, default=ArchiveState.QUEUED.value)
    done = fields.IntField(default=0)
    total = fields.IntField(default=0)
    storage_key = fields.CharField(max_length=512, null=True)  # in the private media area
    size = fields.BigIntField(default=0)
    error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "archive_exports"


class AccountDomainBlock(models.Model):
    """A domain one person blocked for themself (Mastodon's per-account domain blocks):
    its accounts are hidden from that person's timelines and notifications."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.CASCADE
    )
    account_id: int
    domain = fields.CharField(max_length=253)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account_domain_blocks"
        unique_together = (("account", "domain"),)
