"""Follows, likes, boosts, blocks, mutes, bookmarks and notifications."""

from __future__ import annotations

from tortoise import fields, models


class Follow(models.Model):
    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, null=True, unique=True)
    follower = fields.ForeignKeyField(
        "models.Account", related_name="following", on_delete=fields.CASCADE
    )
    target = fields.ForeignKeyField(
        "models.Account", related_name="followers", on_delete=fields.CASCADE
    )
    state = fields.CharField(max_length=16, default="pending")  # pending | accepted
    show_reblogs = fields.BooleanField(default=True)
    notify = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "follows"
        unique_together = (("follower", "target"),)


class Like(models.Model):
    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, null=True, unique=True)
    account = fields.ForeignKeyField(
        "models.Account", related_name="likes", on_delete=fields.CASCADE
    )
    work = fields.ForeignKeyField("models.Work", related_name="likes", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "likes"
        unique_together = (("account", "work"),)


class Boost(models.Model):
    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, null=True, unique=True)
    account = fields.ForeignKeyField(
        "models.Account", related_name="boosts", on_delete=fields.CASCADE
    )
    work = fields.ForeignKeyField("models.Work", related_name="boosts", on_delete=fields.CASCADE)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "boosts"
        unique_together = (("account", "work"),)


class Block(models.Model):
    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, null=True, unique=True)
    account = fields.ForeignKeyField(
        "models.Account", related_name="blocking", on_delete=fields.CASCADE
    )
    target = fields.ForeignKeyField(
        "models.Account", related_name="blocked_by", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "blocks"
        unique_together = (("account", "target"),)


class Mute(models.Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField(
        "models.Account", related_name="muting", on_delete=fields.CASCADE
    )
    target = fields.ForeignKeyField(
        "models.Account", related_name="muted_by", on_delete=fields.CASCADE
    )
    notifications = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "mutes"
        unique_together = (("account", "target"),)


class Bookmark(models.Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField(
        "models.Account", related_name="bookmarks", on_delete=fields.CASCADE
    )
    work = fields.ForeignKeyField(
        "models.Work", related_name="bookmarked_by", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "bookmarks"
        unique_together = (("account", "work"),)


class Notification(models.Model):
    """Mastodon's notification types: follow, follow_request, favourite, reblog, mention,
    status, update, admin.sign_up, admin.report."""

    id = fields.BigIntField(primary_key=True)
    recipient = fields.ForeignKeyField(
        "models.Account", related_name="notifications", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=32)
    from_account = fields.ForeignKeyField(
        "models.Account", related_name=False, on_delete=fields.CASCADE
    )
    work = fields.ForeignKeyField(
        "models.Work", related_name=False, null=True, on_delete=fields.CASCADE
    )
    dismissed = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notifications"
        indexes = (("recipient_id", "id"),)
