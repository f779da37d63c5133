"""Hashtags a person follows (their works join the home timeline) and features on
their profile (Mastodon's followed and featured tags)."""

from __future__ import annotations

from tortoise import fields, models

from instance.storage.models.accounts import Account
from instance.storage.models.works import Tag


class FollowedTag(models.Model):
    """One account following one hashtag, whose public works join its home timeline.
    Works local and federated both count (instance.api.home)."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.CASCADE
    )
    account_id: int
    tag: fields.ForeignKeyRelation[Tag] = fields.ForeignKeyField(
        "models.Tag", related_name=False, on_delete=fields.CASCADE
    )
    tag_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "followed_tags"
        unique_together = (("account", "tag"),)


class FeaturedTag(models.Model):
    """A hashtag shown on a local account's profile, as Mastodon's featured tags."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.CASCADE
    )
    account_id: int
    tag: fields.ForeignKeyRelation[Tag] = fields.ForeignKeyField(
        "models.Tag", related_name=False, on_delete=fields.CASCADE
    )
    tag_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "featured_tags"
        unique_together = (("account", "tag"),)
