"""Accounts: local artists and remote actors share one table; local login lives in User."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.works import Collection, Work


class PortfolioLayout(StrEnum):
    """How an artist's portfolio page lays out their works (their choice, in settings)."""

    GRID = "grid"  # justified rows that keep every work's aspect ratio
    LARGE = "large"  # one big work at a time
    LIST = "list"  # a thumbnail beside title, medium and date


class Account(models.Model):
    """An ActivityPub actor. domain is NULL for local accounts, ap_id is unique for all."""

    id = fields.BigIntField(primary_key=True)
    ap_id = fields.CharField(max_length=2048, unique=True)
    username = fields.CharField(max_length=255, db_index=True)
    domain = fields.CharField(max_length=255, null=True, db_index=True)
    actor_type = fields.CharField(max_length=32, default="Person")
    display_name = fields.CharField(max_length=255, default="")
    note = fields.TextField(default="")  # sanitised HTML
    url = fields.CharField(max_length=2048, null=True)
    inbox_url = fields.CharField(max_length=2048, null=True)
    shared_inbox_url = fields.CharField(max_length=2048, null=True)
    outbox_url = fields.CharField(max_length=2048, null=True)
    followers_url = fields.CharField(max_length=2048, null=True)
    following_url = fields.CharField(max_length=2048, null=True)
    featured_url = fields.CharField(max_length=2048, null=True)
    public_key_id = fields.CharField(max_length=2048, null=True, unique=True)
    public_key_pem = fields.TextField(null=True)
    private_key_pem = fields.TextField(null=True)  # local accounts only
    # What is served: a path to a stored file (/media/KEY), for remote accounts too once
    # their image is cached (never a remote URL: remote images are not hot-linked).
    avatar_url = fields.CharField(max_length=2048, null=True)
    header_url = fields.CharField(max_length=2048, null=True)
    # Remote accounts: the image URLs their actor document gives, to fetch and cache.
    avatar_remote_url = fields.CharField(max_length=2048, null=True)
    header_remote_url = fields.CharField(max_length=2048, null=True)
    # [{"name", "value"}] profile fields
    fields_json: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    also_known_as: fields.JSONField[list[str]] = fields.JSONField(default=list)
    moved_to: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    moved_to_id: int | None
    locked = fields.BooleanField(default=False)
    bot = fields.BooleanField(default=False)
    discoverable = fields.BooleanField(default=True)
    indexable = fields.BooleanField(default=False)
    suspended = fields.BooleanField(default=False)
    deleted_at = fields.DatetimeField(null=True)  # a local artist deleted the account
    silenced = fields.BooleanField(default=False)
    followers_count = fields.IntField(default=0)
    following_count = fields.IntField(default=0)
    works_count = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    fetched_at = fields.DatetimeField(null=True)
    last_work_at = fields.DatetimeField(null=True)
    # db_default: existing accounts get it when the column is added (migration 0009)
    portfolio_layout = fields.CharField(max_length=8, default=PortfolioLayout.GRID.value,
                                        db_default=PortfolioLayout.GRID.value)

    # Reverse sides (declared for type checkers only, Tortoise adds them at runtime)
    works: fields.ReverseRelation[Work]
    collections: fields.ReverseRelation[Collection]

    class Meta:
        table = "accounts"
        unique_together = (("username", "domain"),)

    @property
    def is_local(self) -> bool:
        return self.domain is None


class User(models.Model):
    """Login, role and preferences of a local account."""

    id = fields.BigIntField(primary_key=True)
    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "models.Account", related_name="user", on_delete=fields.CASCADE
    )
    account_id: int
    email = fields.CharField(max_length=320, null=True, unique=True)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharField(max_length=16, default="artist")  # artist | moderator | admin
    # custom permissions beyond the role, space-separated (instance/moderation/permissions.py)
    permissions = fields.CharField(max_length=255, default="", db_default="")
    approved = fields.BooleanField(default=True)
    disabled = fields.BooleanField(default=False)
    # a sign-up waiting for the click on its mailed confirmation link (no login until then)
    email_pending = fields.BooleanField(default=False)
    signup_reason = fields.TextField(default="")
    # default licence, cloak level, opt-out choices
    settings: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    invite: fields.ForeignKeyNullableRelation[Invite] = fields.ForeignKeyField(
        "models.Invite", related_name="users", null=True, on_delete=fields.SET_NULL
    )
    invite_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)

    class Meta:
        table = "users"

    @property
    def can_log_in(self) -> bool:
        return self.approved and not self.disabled and not self.email_pending


class TokenPurpose(StrEnum):
    """What a mailed link does when it is followed."""

    RESET_PASSWORD = "reset"
    CONFIRM_EMAIL = "confirm"


class EmailToken(models.Model):
    """A single-use, expiring link for one user. Only the SHA-256 of the secret is stored,
    so a copy of the database opens no account."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="email_tokens", on_delete=fields.CASCADE
    )
    user_id: int
    purpose = fields.CharField(max_length=16)  # a TokenPurpose
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "email_tokens"


class Invite(models.Model):
    """A sign-up link (/invite/CODE), usable in every registration mode, skipping approval."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="invites_made", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    max_uses = fields.IntField(null=True)
    uses = fields.IntField(default=0)
    expires_at = fields.DatetimeField(null=True)
    note = fields.CharField(max_length=200, default="")
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invites"
