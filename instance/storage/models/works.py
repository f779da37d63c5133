"""Works (posts with images), tags and portfolio collections."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.accounts import Account
    from instance.storage.models.media import MediaAttachment

VISIBILITIES = ("public", "unlisted", "private", "direct")


class WorkState(StrEnum):
    """Work.state. A local work with media is PROCESSING until every attachment is ready
    at its cloak level, then READY (published, once); a work without media, and every
    remote work, is READY from the start. DELETED keeps the row as a tombstone for its id.
    DRAFT, HELD and REJECTED are part of the column's vocabulary that no code enters today."""

    DRAFT = "draft"
    PROCESSING = "processing"
    READY = "ready"
    HELD = "held"
    REJECTED = "rejected"
    DELETED = "deleted"


# The declared moves (see instance.storage.models.states): publishing takes PROCESSING to
# READY (instance.actions.publishing); deleting a work (its artist, a remote Delete, an
# account's erasure) takes any state but DELETED to DELETED; nothing leaves DELETED.
WORK_TRANSITIONS: Mapping[WorkState, frozenset[WorkState]] = {
    WorkState.DRAFT: frozenset({WorkState.DELETED}),
    WorkState.PROCESSING: frozenset({WorkState.READY, WorkState.DELETED}),
    WorkState.READY: frozenset({WorkState.DELETED}),
    WorkState.HELD: frozenset({WorkState.DELETED}),
    WorkState.REJECTED: frozenset({WorkState.DELETED}),
    WorkState.DELETED: frozenset(),
}
WORK_STATES = tuple(WorkState)
AI_DECLARATIONS = ("none", "assisted", "generated")


class Tag(models.Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=255, unique=True)  # lower-cased, without '#'

    class Meta:
        table = "tags"


class Work(models.Model):
    """A post: a work of art with images, or a plain reply. Remote works keep their AP id."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, unique=True)
    url = fields.CharField(max_length=2048, null=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="works", on_delete=fields.CASCADE
    )
    account_id: int
    local = fields.BooleanField(default=True, db_index=True)
    title = fields.CharField(max_length=500, default="")
    content = fields.TextField(default="")  # sanitised HTML
    content_source = fields.TextField(default="")  # what the artist typed
    summary = fields.CharField(max_length=1000, default="")  # content warning
    sensitive = fields.BooleanField(default=False)
    visibility = fields.CharField(max_length=16, default="public")
    language = fields.CharField(max_length=16, null=True)
    licence = fields.CharField(max_length=255, default="")
    medium = fields.CharField(max_length=255, default="")
    tools: fields.JSONField[list[str]] = fields.JSONField(default=list)
    ai_declaration = fields.CharField(max_length=16, default="none")
    ai_label = fields.BooleanField(default=False)  # shown with an "AI-generated" label
    cloak_level = fields.CharField(max_length=8, null=True)  # None = the artist's default
    state = fields.CharField(max_length=16, default=WorkState.READY.value, db_index=True)
    state_reason = fields.TextField(default="")
    hidden = fields.BooleanField(default=False)  # hidden by a moderator
    in_reply_to: fields.ForeignKeyNullableRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="replies", null=True, on_delete=fields.SET_NULL
    )
    in_reply_to_id: int | None
    in_reply_to_ap_id = fields.CharField(max_length=2048, null=True)
    conversation = fields.CharField(max_length=2048, null=True)
    mentions: fields.JSONField[list[str]] = fields.JSONField(default=list)  # AP ids of mentioned actors
    tags: fields.ManyToManyRelation[Tag] = fields.ManyToManyField(
        "models.Tag", related_name="works", through="work_tags"
    )
    likes_count = fields.IntField(default=0)
    boosts_count = fields.IntField(default=0)
    replies_count = fields.IntField(default=0)
    pinned_at = fields.DatetimeField(null=True)
    published_at = fields.DatetimeField(null=True, db_index=True)
    edited_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    # Reverse side (declared for type checkers only, Tortoise adds it at runtime)
    media: fields.ReverseRelation[MediaAttachment]

    class Meta:
        table = "works"
        indexes = (("account_id", "id"), ("in_reply_to_id", "id"))  # threads load replies by parent


class Collection(models.Model):
    """An ordered portfolio collection, featured ones show on the profile."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, unique=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="collections", on_delete=fields.CASCADE
    )
    account_id: int
    title = fields.CharField(max_length=255)
    description = fields.TextField(default="")
    featured = fields.BooleanField(default=False)
    position = fields.IntField(default=0)
    # The artist's chosen cover (one of its works); none, or a work no longer in it: the first.
    cover: fields.ForeignKeyNullableRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    cover_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "collections"


class CollectionItem(models.Model):
    id = fields.BigIntField(primary_key=True)
    collection: fields.ForeignKeyRelation[Collection] = fields.ForeignKeyField(
        "models.Collection", related_name="items", on_delete=fields.CASCADE
    )
    collection_id: int
    work: fields.ForeignKeyRelation[Work] = fields.ForeignKeyField(
        "models.Work", related_name="in_collections", on_delete=fields.CASCADE
    )
    work_id: int
    position = fields.IntField(default=0)

    class Meta:
        table = "collection_items"
        unique_together = (("collection", "work"),)
