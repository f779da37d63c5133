"""What federation keeps: received activities, sent activities, and what we know of each
remote instance (software, declared AI policy, delivery health)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.accounts import Account


class InboxState(StrEnum):
    """InboxItem.state: RECEIVED when stored, then the `inbox.process` job ends it once."""

    RECEIVED = "received"
    PROCESSED = "processed"
    DROPPED = "dropped"  # acknowledged, not acted on (the reason says why)
    FAILED = "failed"


# The declared moves (instance.storage.models.states): inbox.process finishes a RECEIVED
# item only; a finished item is never processed again.
INBOX_TRANSITIONS: Mapping[InboxState, frozenset[InboxState]] = {
    InboxState.RECEIVED: frozenset({InboxState.PROCESSED, InboxState.DROPPED, InboxState.FAILED}),
    InboxState.PROCESSED: frozenset(),
    InboxState.DROPPED: frozenset(),
    InboxState.FAILED: frozenset(),
}


class InboxItem(models.Model):
    """A verified incoming activity, stored raw before processing, its id makes replays no-ops."""

    id = fields.BigIntField(primary_key=True)
    activity_id = fields.CharField(max_length=2048, unique=True)
    actor_id = fields.CharField(max_length=2048)
    activity_type = fields.CharField(max_length=64)
    document: fields.JSONField[dict[str, Any]] = fields.JSONField()
    # sha256 of the signature headers it came with: the same request again is a replay
    signature_digest = fields.CharField(max_length=64, null=True)
    state = fields.CharField(max_length=16, default=InboxState.RECEIVED.value)
    reason = fields.TextField(default="")
    received_at = fields.DatetimeField(auto_now_add=True)
    processed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "inbox_items"


class OutboxActivity(models.Model):
    """An activity we published: the outbox collection, and who got it (for Undo/Update/Delete)."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, unique=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="activities", on_delete=fields.CASCADE
    )
    account_id: int
    activity_type = fields.CharField(max_length=64)
    object_ap_id = fields.CharField(max_length=2048, null=True, db_index=True)
    document: fields.JSONField[dict[str, Any]] = fields.JSONField()
    public = fields.BooleanField(default=True)
    delivered_to: fields.JSONField[list[str]] = fields.JSONField(default=list)  # inbox URLs
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox_activities"


class InstanceInfo(models.Model):
    """A remote instance as we have met it."""

    id = fields.BigIntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    software = fields.CharField(max_length=128, default="")
    version = fields.CharField(max_length=128, default="")
    declared_ai_policy = fields.CharField(max_length=32, default="")
    nodeinfo: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    nodeinfo_fetched_at = fields.DatetimeField(null=True)
    works_seen = fields.IntField(default=0)
    ai_works_seen = fields.IntField(default=0)
    # ISO dates with failed deliveries
    failure_days: fields.JSONField[list[str]] = fields.JSONField(default=list)
    unavailable = fields.BooleanField(default=False)
    last_success_at = fields.DatetimeField(null=True)
    # The delivery circuit breaker, shared by every worker (federation.delivery_policy)
    breaker_failures = fields.IntField(default=0)
    breaker_opened_at = fields.FloatField(null=True)  # epoch seconds
    # It refused an RFC 9421 signature and took draft-cavage: sign draft-cavage only
    cavage_only = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "instances"
