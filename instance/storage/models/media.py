"""Media attachments: a private original, cleaned (and cloaked) variants, and what the
pipeline found. `review_state` is the moderators' queue ("" not queued, "queued",
"reviewed"); `review_requested` is the artist's appeal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.accounts import Account
    from instance.storage.models.works import Work

MEDIA_STATES = ("processing", "ready", "held", "rejected", "failed")
REVIEW_STATES = ("", "queued", "reviewed")
VERDICTS = ("pending", "none", "needs-review", "ai")


class MediaAttachment(models.Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="media", on_delete=fields.CASCADE
    )
    account_id: int
    work: fields.ForeignKeyNullableRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="media", null=True, on_delete=fields.SET_NULL
    )
    work_id: int | None
    position = fields.IntField(default=0)
    remote_url = fields.CharField(max_length=2048, null=True, db_index=True)  # remote media
    state = fields.CharField(max_length=16, default="processing", db_index=True)
    state_reason = fields.TextField(default="")
    original_key = fields.CharField(max_length=512, null=True)  # private, never served
    original_type = fields.CharField(max_length=64, default="")
    original_bytes = fields.BigIntField(default=0)
    sha256 = fields.CharField(max_length=64, default="")
    # {"display": {"webp": key, "jpeg": key, ...}}
    variants: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    description = fields.TextField(default="")  # alt text
    blurhash = fields.CharField(max_length=64, null=True)
    focus_x = fields.FloatField(default=0.0)
    focus_y = fields.FloatField(default=0.0)
    width = fields.IntField(null=True)
    height = fields.IntField(null=True)
    provenance_verdict = fields.CharField(max_length=16, default="pending")
    provenance_evidence: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    review_requested = fields.BooleanField(default=False)
    review_state = fields.CharField(max_length=16, default="", db_index=True)
    ai_label = fields.BooleanField(default=False)  # published with an "AI-generated" label
    cloak_level = fields.CharField(max_length=8, null=True)
    cloak_metrics: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    timings: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "media_attachments"
        indexes = (("work_id", "position"),)  # a page of statuses loads its media by work
