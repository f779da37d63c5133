"""App registration (POST /api/v1/apps), RFC 8414 metadata, the token endpoint (code
with PKCE, client credentials, password behind [api] password_grant) and revocation."""

from __future__ import annotations

import base64
import binascii
import time
from datetime import UTC, datetime

from quart import Blueprint, jsonify, request

from instance.actors.accounts import verify_password
from instance.api.auth import load_token, scoped
from instance.api.body import params
from instance.api.errors import ApiError
from instance.api.oauth import scopes as scope_rules
from instance.api.oauth.tokens import (
    OOB,
    digest,
    forget_token,
    issue_token,
    new_secret,
    pkce_ok,
    redirect_uris,
    same,
)
from instance.push.keys import vapid_keys
from instance.services import current_services
from instance.storage.models import OAuthApplication, OAuthAuthorization, OAuthToken, User

blueprint = Blueprint("oauth_api", __name__)


class OAuthError(ApiError):
    """RFC 6749 error body: {"error": code, "error_description": text}."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(status, code)
        self.description = description


@blueprint.errorhandler(OAuthError)
async def oauth_error(exc: OAuthError):
    return jsonify(error=exc.message, error_description=exc.description), exc.status


def _valid_redirect(uri: str) -> bool:
    if uri == OOB:
        return True
    scheme, sep, rest = uri.partition(":")
    return bool(sep and scheme and rest and "#" not in uri and scheme.lower() not in ("javascript", "data"))


@blueprint.post("/api/v1/apps")
async def create_app():
    p = await params()
    name = p.text("client_name", max_length=255).strip()
    if not name:
        raise ApiError(422, "Validation failed: client_name can't be blank")
    uris_text = p.text("redirect_uris", OOB, max_length=4000) or OOB
    uris = [u.strip() for u in uris_text.replace("\r", "\n").split("\n") if u.strip()]
    if not uris or not all(_valid_redirect(u) for u in uris):
        raise ApiError(422, "Validation failed: redirect_uris must be absolute URIs")
    scopes = scope_rules.parse(p.text("scopes", max_length=1000))
    secret = new_secret()
    app = await OAuthApplication.create(
        name=name,
        website=p.text("website", max_length=2048),
        client_id=new_secret(24),
        client_secret=digest(secret),
        redirect_uris="\n".join(uris),
        scopes=" ".join(scopes),
    )
    body = _app_entity(app, (await vapid_keys()).server_key)
    body.update(client_id=app.client_id, client_secret=secret, client_secret_expires_at=0)
    return jsonify(body)


def _app_entity(app: OAuthApplication, vapid_key: str) -> dict:
    uris = redirect_uris(app)
    return {
        "id": str(app.id),
        "name": app.name,
        "website": app.website or None,
        "scopes": app.scopes.split(),
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
        "vapid_key": vapid_key,  # the Web Push server key (instance.push.keys)
    }


@blueprint.get("/api/v1/apps/verify_credentials")
@scoped(public=True)
async def verify_app():
    token = await load_token()
    if token is None:
        raise ApiError(401, "The access token is invalid")
    return jsonify(_app_entity(token.application, (await vapid_keys()).server_key))


@blueprint.get("/.well-known/oauth-authorization-server")
async def metadata():
    config = current_services().config
    base = config.base_url
    grants = ["authorization_code", "client_credentials"]
    if config.api.password_grant:
        grants.append("password")
    return jsonify(
        {
            "issuer": base + "/",
            "service_documentation": base + "/about",
            "authorization_endpoint": base + "/oauth/authorize",
            "token_endpoint": base + "/oauth/token",
            "revocation_endpoint": base + "/oauth/revoke",
            "app_registration_endpoint": base + "/api/v1/apps",
            "scopes_supported": sorted(scope_rules.ALL_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": grants,
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        }
    )


async def _client(p, *, secret_required: bool) -> OAuthApplication:
    """The calling application, by client_secret_post or client_secret_basic."""
    client_id, secret = p.text("client_id", max_length=200), p.text("client_secret", max_length=200)
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError(401, "invalid_client", "Client authentication failed") from None
    app = await OAuthApplication.get_or_none(client_id=client_id) if client_id else None
    if app is None or ((secret or secret_required) and not same(digest(secret), app.client_secret)):
        raise OAuthError(
            401,
            "invalid_client",
            "Client authentication failed due to unknown client, "
            "no client authentication included, or unsupported authentication method.",
        )
    return app


def _requested(p, app: OAuthApplication) -> list[str]:
    try:
        wanted = scope_rules.parse(
            p.text("scope", max_length=1000) or p.text("scopes", max_length=1000),
            default=app.scopes.split()[0] if app.scopes else "read",
        )
    except scope_rules.ScopeError as exc:
        raise OAuthError(400, "invalid_scope", str(exc)) from None
    if not scope_rules.subset(wanted, app.scopes.split()):
        raise OAuthError(400, "invalid_scope", "The requested scope is not registered for this application.")
    return wanted


def _token_body(token: str, row: OAuthToken) -> dict:
    return {
        "access_token": token,
        "token_type": "Bearer",
        "scope": row.scopes,
        "created_at": int(row.created_at.timestamp()) if row.created_at else int(time.time()),
    }


@blueprint.after_request
async def no_store(response):
    """RFC 6749 §5.1: answers carrying tokens or secrets must not be cached."""
    if request.path in ("/oauth/token", "/api/v1/apps"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


@blueprint.post("/oauth/token")
async def token():
    p = await params()
    grant = p.text("grant_type", max_length=64)
    if grant == "authorization_code":
        return await _code_grant(p)
    if grant == "client_credentials":
        app = await _client(p, secret_required=True)
        raw, row = await issue_token(app, None, _requested(p, app))
        return jsonify(_token_body(raw, row))
    if grant == "password":
        return await _password_grant(p)
    raise OAuthError(400, "unsupported_grant_type", "The authorization grant type is not supported.")


async def _code_grant(p):
    code = p.text("code", max_length=200)
    row = (
        await OAuthAuthorization.filter(code_hash=digest(code)).select_related("application", "user").first()
        if code
        else None
    )
    app = await _client(p, secret_required=not (row and row.code_challenge))
    invalid = OAuthError(
        400,
        "invalid_grant",
        "The provided authorization grant is invalid, expired, "
        "revoked, does not match the redirection URI, or was issued to another client.",
    )
    if row is None or row.application_id != app.id or row.used or row.expires_at < datetime.now(UTC):
        raise invalid
    if p.text("redirect_uri", max_length=2048) not in ("", row.redirect_uri):
        raise invalid
    if not pkce_ok(row.code_challenge, row.code_challenge_method, p.text("code_verifier", max_length=200)):
        raise invalid
    # Single use even under a race: only the request that flips `used` gets a token.
    if not await OAuthAuthorization.filter(id=row.id, used=False).update(used=True):
        raise invalid
    user = row.user
    if not user.can_log_in:
        raise invalid
    raw, token_row = await issue_token(app, user, row.scopes.split())
    return jsonify(_token_body(raw, token_row))


async def _password_grant(p):
    from instance.web.auth import login_throttle

    config = current_services().config
    if not config.api.password_grant:
        raise OAuthError(
            400,
            "unsupported_grant_type",
            "The password grant is turned off here; use the authorization code flow.",
        )
    app = await _client(p, secret_required=True)
    name = p.text("username", max_length=320).strip().lstrip("@").lower()
    keys = (f"ip:{request.remote_addr or 'unknown'}", f"user:{name}")
    wait = await login_throttle.retry_after(*keys)
    if wait:
        raise ApiError(
            429,
            f"Too many failed attempts. Try again in {int(wait) + 1} seconds.",
            {"Retry-After": str(int(wait) + 1)},
        )
    query = (
        User.filter(email=name) if "@" in name else User.filter(account__username=name, account__domain=None)
    )
    user = await query.first()
    if user is None or not verify_password(user.password_hash, p.text("password", max_length=1000)):
        await login_throttle.failed(*keys)
        raise OAuthError(400, "invalid_grant", "The username and password do not match.")
    if not user.can_log_in:
        raise OAuthError(400, "invalid_grant", "This login is disabled or waiting for approval.")
    await login_throttle.succeeded(keys[1])
    raw, row = await issue_token(app, user, _requested(p, app))
    return jsonify(_token_body(raw, row))


@blueprint.post("/oauth/revoke")
async def revoke():
    p = await params()
    app = await _client(p, secret_required=True)
    raw = p.text("token", max_length=200)
    if raw:
        forget_token(raw)
        await OAuthToken.filter(token_hash=digest(raw), application_id=app.id, revoked_at=None).update(
            revoked_at=datetime.now(UTC)
        )
    return jsonify({})
