"""Media attachments: a private original, cleaned (and cloaked) variants, and what the
pipeline found. `review_state` is the moderators' queue ("" not queued, "queued",
"reviewed"); `review_requested` is the artist's appeal. The transitions beside each
state enum are the declared contract (instance.storage.models.states)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.accounts import Account
    from instance.storage.models.works import Work



class MediaState(StrEnum):
    """MediaAttachment.state: PROCESSING while the pipeline (or a remote fetch) has not
    produced checked variants; then READY (shown), HELD (for a moderator), REJECTED (not
    accepted, the reason says why) or FAILED (the original is missing from storage)."""

    PROCESSING = "processing"
    READY = "ready"
    HELD = "held"
    REJECTED = "rejected"
    FAILED = "failed"


# The pipeline's decision (instance.attachments.processing, .remote) leaves PROCESSING;
# a render at another cloak level, a pruned remote copy or a moderator's approval of an
# upload without variants goes back to PROCESSING; a re-render whose original is gone
# FAILS; a moderator (instance.attachments.review) approves, labels or rejects.
MEDIA_TRANSITIONS: Mapping[MediaState, frozenset[MediaState]] = {
    MediaState.PROCESSING: frozenset(
        {MediaState.READY, MediaState.HELD, MediaState.REJECTED, MediaState.FAILED}),
    MediaState.READY: frozenset({MediaState.PROCESSING, MediaState.REJECTED, MediaState.FAILED}),
    MediaState.HELD: frozenset(
        {MediaState.PROCESSING, MediaState.READY, MediaState.REJECTED, MediaState.FAILED}),
    MediaState.REJECTED: frozenset({MediaState.PROCESSING}),
    MediaState.FAILED: frozenset({MediaState.PROCESSING, MediaState.READY, MediaState.REJECTED}),
}
MEDIA_STATES = tuple(MediaState)


class ReviewState(StrEnum):
    """MediaAttachment.review_state: the moderators' queue."""

    NOT_QUEUED = ""
    QUEUED = "queued"
    REVIEWED = "reviewed"


# The pipeline's decision or the artist's request queues an upload; processing it again
# without a moderator's decision may take it off the queue; a moderator's decision is
# final (it is kept when the image is processed again).
REVIEW_TRANSITIONS: Mapping[ReviewState, frozenset[ReviewState]] = {
    ReviewState.NOT_QUEUED: frozenset({ReviewState.QUEUED, ReviewState.REVIEWED}),
    ReviewState.QUEUED: frozenset({ReviewState.NOT_QUEUED, ReviewState.REVIEWED}),
    ReviewState.REVIEWED: frozenset(),
}
REVIEW_STATES = tuple(ReviewState)


class ProvenanceVerdict(StrEnum):
    """MediaAttachment.provenance_verdict: PENDING until the pipeline has read the file,
    then what media.provenance found ("ai", "needs-review", "none")."""

    PENDING = "pending"
    NONE = "none"
    NEEDS_REVIEW = "needs-review"
    AI = "ai"


# Every run of the pipeline (a re-render, a fetch after a pruned copy) reads the file again.
_READ = frozenset({ProvenanceVerdict.NONE, ProvenanceVerdict.NEEDS_REVIEW, ProvenanceVerdict.AI})
VERDICT_TRANSITIONS: Mapping[ProvenanceVerdict, frozenset[ProvenanceVerdict]] = {
    ProvenanceVerdict.PENDING: _READ,
    **{verdict: _READ - {verdict} for verdict in _READ},
}
VERDICTS = tuple(ProvenanceVerdict)


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
    state = fields.CharField(max_length=16, default=MediaState.PROCESSING.value, db_index=True)
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
    provenance_verdict = fields.CharField(max_length=16, default=ProvenanceVerdict.PENDING.value)
    provenance_evidence: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    review_requested = fields.BooleanField(default=False)
    review_state = fields.CharField(max_length=16, default=ReviewState.NOT_QUEUED.value, db_index=True)
    ai_label = fields.BooleanField(default=False)  # published with an "AI-generated" label
    cloak_level = fields.CharField(max_length=8, null=True)
    cloak_metrics: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    timings: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    # While processing: {"stage", "fraction", "eta_seconds"} as the pool last reported it
    progress: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "media_attachments"
        indexes = (("work_id", "position"),)  # a page of statuses loads its media by work
