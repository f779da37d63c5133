"""Web Push subscriptions (Mastodon's `/api/v1/push/subscription`): one per access token,
as in Mastodon, deleted with the token. The server's VAPID key is kept in
instance_settings (instance.push.keys)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.accounts import Account
    from instance.storage.models.oauth import OAuthToken


class WebPushSubscription(models.Model):
    """A push endpoint an app registered for one access token: the receiving P-256 key
    and auth secret (base64url), the alerts (notification type to on/off), the policy
    (all, followed, follower, none), whether it wants RFC 8291/8292 (standard) or the
    drafts Mastodon sends by default, and the token sealed with the server secret
    (Mastodon's payload carries it, and tokens are otherwise kept only as hashes)."""

    id = fields.BigIntField(primary_key=True)
    token: fields.OneToOneRelation[OAuthToken] = fields.OneToOneField(
        "models.OAuthToken", related_name="push_subscription", on_delete=fields.CASCADE
    )
    token_id: int
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="push_subscriptions", on_delete=fields.CASCADE
    )
    account_id: int
    endpoint = fields.TextField()
    key_p256dh = fields.CharField(max_length=128)
    key_auth = fields.CharField(max_length=64)
    alerts: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    policy = fields.CharField(max_length=16, default="all")
    standard = fields.BooleanField(default=False)
    sealed_token = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "web_push_subscriptions"
