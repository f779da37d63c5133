"""OAuth2 applications, authorization codes and access tokens (tokens stored hashed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields, models

if TYPE_CHECKING:
    from instance.storage.models.accounts import User


class OAuthApplication(models.Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=255)
    website = fields.CharField(max_length=2048, default="")
    client_id = fields.CharField(max_length=64, unique=True)
    client_secret = fields.CharField(max_length=128)
    redirect_uris = fields.TextField(default="urn:ietf:wg:oauth:2.0:oob")
    scopes = fields.CharField(max_length=1024, default="read")
    owner: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="applications", null=True, on_delete=fields.CASCADE
    )
    owner_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "oauth_applications"


class OAuthAuthorization(models.Model):
    """A short-lived authorization code (with its PKCE challenge)."""

    id = fields.BigIntField(primary_key=True)
    code_hash = fields.CharField(max_length=64, unique=True)
    application: fields.ForeignKeyRelation[OAuthApplication] = fields.ForeignKeyField(
        "models.OAuthApplication", related_name="codes", on_delete=fields.CASCADE
    )
    application_id: int
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="codes", on_delete=fields.CASCADE
    )
    user_id: int
    scopes = fields.CharField(max_length=1024)
    redirect_uri = fields.CharField(max_length=2048)
    code_challenge = fields.CharField(max_length=128, null=True)
    code_challenge_method = fields.CharField(max_length=8, null=True)
    expires_at = fields.DatetimeField()
    used = fields.BooleanField(default=False)

    class Meta:
        table = "oauth_authorizations"


class OAuthToken(models.Model):
    id = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    application: fields.ForeignKeyRelation[OAuthApplication] = fields.ForeignKeyField(
        "models.OAuthApplication", related_name="tokens", on_delete=fields.CASCADE
    )
    application_id: int
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tokens", null=True, on_delete=fields.CASCADE
    )
    user_id: int | None
    scopes = fields.CharField(max_length=1024)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "oauth_tokens"
