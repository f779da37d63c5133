"""Follows, likes, boosts, blocks, mutes, bookmarks and notifications."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.accounts import Account
    from instance.storage.models.media import MediaAttachment
    from instance.storage.models.works import Work


class FollowState(StrEnum):
    """Follow.state: PENDING until the target (a locked or remote account) accepts it;
    only ACCEPTED follows are counted and delivered to."""

    PENDING = "pending"
    ACCEPTED = "accepted"


# The declared moves (instance.storage.models.states): an Accept takes PENDING to ACCEPTED;
# a follow that ends (unfollow, Reject, Undo, Block) is deleted, never moved back.
FOLLOW_TRANSITIONS: Mapping[FollowState, frozenset[FollowState]] = {
    FollowState.PENDING: frozenset({FollowState.ACCEPTED}),
    FollowState.ACCEPTED: frozenset(),
}


class Follow(models.Model):
    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, null=True, unique=True)
    follower: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="following", on_delete=fields.CASCADE
    )
    follower_id: int
    target: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="followers", on_delete=fields.CASCADE
    )
    target_id: int
    state = fields.CharField(max_length=16, default=FollowState.PENDING.value)
    show_reblogs = fields.BooleanField(default=True)
    notify = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "follows"
        unique_together = (("follower", "target"),)


class Like(models.Model):
    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, null=True, unique=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="likes", on_delete=fields.CASCADE
    )
    account_id: int
    work: fields.ForeignKeyRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="likes", on_delete=fields.CASCADE
    )
    work_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "likes"
        unique_together = (("account", "work"),)


class Boost(models.Model):
    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, null=True, unique=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="boosts", on_delete=fields.CASCADE
    )
    account_id: int
    work: fields.ForeignKeyRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="boosts", on_delete=fields.CASCADE
    )
    work_id: int
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "boosts"
        unique_together = (("account", "work"),)


class Block(models.Model):
    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, null=True, unique=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="blocking", on_delete=fields.CASCADE
    )
    account_id: int
    target: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="blocked_by", on_delete=fields.CASCADE
    )
    target_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "blocks"
        unique_together = (("account", "target"),)


class Mute(models.Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="muting", on_delete=fields.CASCADE
    )
    account_id: int
    target: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="muted_by", on_delete=fields.CASCADE
    )
    target_id: int
    notifications = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mutes"
        unique_together = (("account", "target"),)


class Bookmark(models.Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="bookmarks", on_delete=fields.CASCADE
    )
    account_id: int
    work: fields.ForeignKeyRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="bookmarked_by", on_delete=fields.CASCADE
    )
    work_id: int
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "bookmarks"
        unique_together = (("account", "work"),)


class Notification(models.Model):
    """Mastodon's notification types (follow, follow_request, favourite, reblog, mention,
    status, update, admin.sign_up, admin.report) and Impasto's impasto.review (a
    moderator's decision on an upload, `media`, with the decision and reason in `detail`)
    and impasto.review_request (to staff, the artist's note in `detail`).
    Read means read_at is set or the id is at or below the notifications read marker
    (instance.actions.notifications owns that rule)."""

    id = fields.BigIntField(primary_key=True)
    recipient: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="notifications", on_delete=fields.CASCADE
    )
    recipient_id: int
    kind = fields.CharField(max_length=32)
    from_account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.CASCADE
    )
    from_account_id: int
    work: fields.ForeignKeyNullableRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name=False, null=True, on_delete=fields.CASCADE
    )
    work_id: int | None
    media: fields.ForeignKeyNullableRelation[MediaAttachment] = fields.ForeignKeyField(
        "models.MediaAttachment", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    media_id: int | None
    # null on rows from before it existed (a NOT NULL column cannot be added to them)
    detail: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    dismissed = fields.BooleanField(default=False)
    read_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notifications"
        indexes = (("recipient_id", "id"),)


class ConversationMark(models.Model):
    """How far one account has read, and up to where it removed, one direct-message
    conversation (instance.actions.conversations). The conversation is named by the id of
    its first message the server holds. A message newer than read_up_to from someone else
    makes it unread, and one newer than removed_up_to brings a removed one back."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.CASCADE
    )
    account_id: int
    conversation_id = fields.BigIntField()
    read_up_to = fields.BigIntField(default=0)
    removed_up_to = fields.BigIntField(default=0)

    class Meta:
        table = "conversation_marks"
        unique_together = (("account", "conversation_id"),)
