"""Domain policies, reports and the moderators' audit log."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.accounts import Account

SEVERITIES = ("suspend", "silence", "noop")


class ReportState(StrEnum):
    """Report.state: OPEN in the moderators' queue until one resolves it."""

    OPEN = "open"
    RESOLVED = "resolved"


# The declared moves (instance.storage.models.states): resolving is final.
REPORT_TRANSITIONS: Mapping[ReportState, frozenset[ReportState]] = {
    ReportState.OPEN: frozenset({ReportState.RESOLVED}),
    ReportState.RESOLVED: frozenset(),
}


class DraftState(StrEnum):
    """DomainPolicyDraft.state: PENDING for an admin's review, then APPLIED or DISMISSED."""

    PENDING = "pending"
    APPLIED = "applied"
    DISMISSED = "dismissed"


# The declared moves (instance.storage.models.states): an admin applies or dismisses a
# pending draft; a subscription's refresh dismisses its pending drafts before drafting anew.
DRAFT_TRANSITIONS: Mapping[DraftState, frozenset[DraftState]] = {
    DraftState.PENDING: frozenset({DraftState.APPLIED, DraftState.DISMISSED}),
    DraftState.APPLIED: frozenset(),
    DraftState.DISMISSED: frozenset(),
}


class DomainPolicy(models.Model):
    """A domain block (or allow entry), Mastodon's semantics, covers subdomains."""

    id = fields.BigIntField(primary_key=True)
    domain = fields.CharField(max_length=255, unique=True)
    severity = fields.CharField(max_length=16, default="suspend")
    reject_media = fields.BooleanField(default=False)
    reject_reports = fields.BooleanField(default=False)
    public_comment = fields.TextField(default="")
    private_comment = fields.TextField(default="")
    obfuscate = fields.BooleanField(default=False)
    allow = fields.BooleanField(default=False)  # an entry of the allowlist mode
    source = fields.CharField(max_length=2048, default="")  # a blocklist subscription, or ""
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "domain_policies"


class Report(models.Model):
    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, null=True, unique=True)  # incoming Flag
    reporter: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="reports_made", on_delete=fields.CASCADE
    )
    reporter_id: int
    target: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="reports_against", on_delete=fields.CASCADE
    )
    target_id: int
    work_ids: fields.JSONField[list[int]] = fields.JSONField(default=list)
    comment = fields.TextField(default="")
    category = fields.CharField(max_length=32, default="other")
    forward = fields.BooleanField(default=False)
    state = fields.CharField(max_length=16, default=ReportState.OPEN.value)
    created_at = fields.DatetimeField(auto_now_add=True)
    resolved_at = fields.DatetimeField(null=True)

    class Meta:
        table = "reports"


class AuditEntry(models.Model):
    """Every moderator action, with who did it and why."""

    id = fields.BigIntField(primary_key=True)
    actor: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    actor_id: int | None
    action = fields.CharField(max_length=64)
    target = fields.CharField(max_length=2048, default="")
    detail: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_log"


class BlocklistSubscription(models.Model):
    """A shared blocklist we follow: refreshed on a schedule, its changes wait as drafts
    for an admin's review. Higher priority wins where two lists disagree."""

    id = fields.BigIntField(primary_key=True)
    url = fields.CharField(max_length=2048, unique=True)
    format = fields.CharField(max_length=16, default="auto")
    priority = fields.IntField(default=0)
    # domains never taken from this list
    excludes: fields.JSONField[list[str]] = fields.JSONField(default=list)
    enabled = fields.BooleanField(default=True)
    last_fetched_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "blocklist_subscriptions"


class DomainPolicyDraft(models.Model):
    """A change a subscription proposes (or an AI rule proposes), applied only on review."""

    id = fields.BigIntField(primary_key=True)
    subscription: fields.ForeignKeyNullableRelation[BlocklistSubscription] = fields.ForeignKeyField(
        "models.BlocklistSubscription", related_name="drafts", null=True, on_delete=fields.CASCADE
    )
    subscription_id: int | None
    domain = fields.CharField(max_length=255)
    entry: fields.JSONField[dict[str, Any]] = fields.JSONField()  # a BlockEntry as a dict
    reason = fields.TextField(default="")
    state = fields.CharField(max_length=16, default=DraftState.PENDING.value)
    created_at = fields.DatetimeField(auto_now_add=True)
    reviewed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "domain_policy_drafts"


class InstanceSetting(models.Model):
    """One instance setting an admin changed in the admin pages (it wins over the config
    file). The row keyed `_version` counts saves, so every process notices a change."""

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=128, unique=True)
    value: fields.JSONField[Any] = fields.JSONField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)
    updated_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    updated_by_id: int | None

    class Meta:
        table = "instance_settings"
