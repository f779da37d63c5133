"""Tokens, codes and client secrets: random, shown once, stored only as SHA-256 hashes
(a leaked database does not give anyone a working token)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
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


TOKEN_CACHE_SECONDS = 60.0
TOKEN_CACHE_SIZE = 10_000
_tokens: OrderedDict[str, tuple[float, OAuthToken]] = OrderedDict()


async def _still_live(token_id: int) -> bool | None:
    """One narrow query per request: True live, False revoked/gone, None when the user
    changed state (disabled, unapproved, suspended: reload to answer precisely)."""
    from tortoise import Tortoise

    rows = await Tortoise.get_connection("default").execute_query_dict(
        "SELECT t.revoked_at, u.disabled, u.approved, a.suspended FROM oauth_tokens t "
        "LEFT JOIN users u ON u.id = t.user_id LEFT JOIN accounts a ON a.id = u.account_id "
        f"WHERE t.id = {int(token_id)}"
    )
    if not rows or rows[0]["revoked_at"] is not None:
        return False
    row = rows[0]
    if row["disabled"] is None:  # an app-only token
        return True
    return None if (row["disabled"] or not row["approved"] or row["suspended"]) else True


async def find_token(bearer: str) -> OAuthToken | None:
    """The live token for a bearer string, with its user and account loaded.

    Loading the token with its user, account and application through the ORM costs a
    few milliseconds, so the objects are kept a minute per process; revocation and
    suspension are still checked on every request (one indexed query)."""
    key = digest(bearer)
    now = time.monotonic()
    cached = _tokens.get(key)
    if cached is not None and cached[0] > now:
        live = await _still_live(cached[1].id)
        if live:
            return cached[1]
        _tokens.pop(key, None)
        if live is False:
            return None
    row = (
        await OAuthToken.filter(token_hash=key, revoked_at=None)
        .select_related("user__account", "application")
        .first()
    )
    if row is not None:
        _tokens[key] = (now + TOKEN_CACHE_SECONDS, row)
        _tokens.move_to_end(key)
        while len(_tokens) > TOKEN_CACHE_SIZE:
            _tokens.popitem(last=False)
    return row


def forget_token(bearer: str) -> None:
    _tokens.pop(digest(bearer), None)
