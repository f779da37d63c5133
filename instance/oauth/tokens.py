"""Tokens, codes and client secrets: random, shown once, stored only as SHA-256 hashes
(a leaked database does not give anyone a working token)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from instance.storage.models import OAuthApplication, OAuthAuthorization, OAuthToken, User

CODE_LIFETIME = timedelta(minutes=10)
OOB = "urn:ietf:wg:oauth:2.0:oob"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


async def issue_token(
    application: OAuthApplication, user: User | None, scopes: list[str]
) -> tuple[str, OAuthToken]:
    """A new bearer token (returned in clear once) and its stored row."""
    token = new_secret()
    row = await OAuthToken.create(
        token_hash=digest(token), application=application, user=user, scopes=" ".join(scopes)
    )
    return token, row


async def issue_code(
    application: OAuthApplication,
    user: User,
    scopes: list[str],
    redirect_uri: str,
    challenge: str | None,
    method: str | None,
) -> str:
    code = new_secret()
    await OAuthAuthorization.create(
        code_hash=digest(code),
        application=application,
        user=user,
        scopes=" ".join(scopes),
        redirect_uri=redirect_uri,
        code_challenge=challenge or None,
        code_challenge_method=(method or "plain") if challenge else None,
        expires_at=datetime.now(UTC) + CODE_LIFETIME,
    )
    return code


def pkce_ok(challenge: str | None, method: str | None, verifier: str | None) -> bool:
    """RFC 7636: no challenge means nothing to check; S256 or plain otherwise."""
    if not challenge:
        return True
    if not verifier:
        return False
    if method == "S256":
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        return same(computed.rstrip(b"=").decode(), challenge)
    return same(verifier, challenge)


def redirect_uris(application: OAuthApplication) -> list[str]:
    return [u.strip() for u in application.redirect_uris.replace("\r", "\n").split("\n") if u.strip()]


async def find_token(bearer: str) -> OAuthToken | None:
    """The live token for a bearer string, with its user and account loaded."""
    row = (
        await OAuthToken.filter(token_hash=digest(bearer), revoked_at=None)
        .select_related("user__account", "application")
        .first()
    )
    return row
