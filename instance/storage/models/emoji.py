"""Custom emoji, as Mastodon has them: local ones an admin uploads (domain None) and
remote ones read from Emoji tags, one row per (shortcode, domain). `image_path` is the
served path of a stored, checked copy — never a remote URL: remote icons are cached
through a remote media record (`media`) first, and shown only once it is ready."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.media import MediaAttachment


class CustomEmoji(models.Model):
    id = fields.BigIntField(primary_key=True)
    shortcode = fields.CharField(max_length=64)
    domain = fields.CharField(max_length=255, null=True, db_index=True)  # None: local
    # The key of the stored image (local uploads) in the variants area, or None.
    image_key = fields.CharField(max_length=512, null=True)
    image_type = fields.CharField(max_length=32, default="image/webp")
    image_path = fields.CharField(max_length=1024, null=True)  # served path once stored
    remote_url = fields.CharField(max_length=2048, null=True)  # the icon URL a tag gave
    uri = fields.CharField(max_length=2048, null=True)  # the Emoji's id on its server
    media: fields.ForeignKeyNullableRelation[MediaAttachment] = fields.ForeignKeyField(
        "models.MediaAttachment", related_name=False, null=True, on_delete=fields.SET_NULL)
    media_id: int | None
    disabled = fields.BooleanField(default=False)
    visible_in_picker = fields.BooleanField(default=True)
    category = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "custom_emojis"
        unique_together = (("shortcode", "domain"),)
        table_description = "A custom emoji: local (domain null) or a remote server's."
