"""The authorize page a person sees: log in (throttled), read what the app asks for,
approve or deny (CSRF-protected). Approval gives a single-use code bound to the
redirect URI and the PKCE challenge; out-of-band apps get the code shown on the page."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from quart import Blueprint, redirect, render_template, request

from instance.actors.accounts import verify_password
from instance.api.oauth import scopes as scope_rules
from instance.api.oauth.tokens import OOB, issue_code, redirect_uris
from instance.storage.models import OAuthApplication, User
from instance.web.csrf import check_csrf
from instance.web.session import current_user, log_in

blueprint = Blueprint("oauth_authorize", __name__)
blueprint.before_request(check_csrf)


@blueprint.after_request
async def no_framing(response):
    """The consent page must not be framed (clickjacking) nor cached (codes on it)."""
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response


class Refused(Exception):
    """The request itself is wrong: show a page, never redirect to an unchecked URI."""


async def _request_details() -> dict:
    args = request.args
    app = await OAuthApplication.get_or_none(client_id=args.get("client_id", ""))
    if app is None:
        raise Refused("This application is not registered here (unknown client_id).")
    if args.get("response_type", "code") != "code":
        raise Refused("Only response_type=code is supported.")
    uri = args.get("redirect_uri", "") or redirect_uris(app)[0]
    if uri not in redirect_uris(app):
        raise Refused("The redirect URI is not one this application registered.")
    try:
        wanted = scope_rules.parse(args.get("scope") or args.get("scopes"), default=app.scopes.split()[0])
    except scope_rules.ScopeError as exc:
        raise Refused(str(exc)) from None
    if not scope_rules.subset(wanted, app.scopes.split()):
        raise Refused("The application asks for scopes it did not register.")
    challenge = args.get("code_challenge", "")
    method = args.get("code_challenge_method", "S256" if challenge else "")
    if challenge and (method != "S256" or not 43 <= len(challenge) <= 128):
        raise Refused("PKCE needs code_challenge_method=S256 and a 43–128 character challenge.")
    return {
        "app": app,
        "redirect_uri": uri,
        "scopes": wanted,
        "challenge": challenge,
        "method": method,
        "state": args.get("state", ""),
    }


def _page(step: str, details: dict | None = None, status: int = 200, **extra):
    async def render():
        context = {"step": step, "title": "Authorize an application", **(details or {}), **extra}
        if details:
            context["scopes"] = [(s, scope_rules.describe(s)) for s in details["scopes"]]
        return await render_template("oauth/authorize.html", **context), status

    return render()


@blueprint.route("/oauth/authorize", methods=["GET", "POST"])
async def authorize():
    try:
        details = await _request_details()
    except Refused as exc:
        return await _page("error", None, 400, error=str(exc))
    user = await current_user()
    form = await request.form if request.method == "POST" else {}
    action = form.get("action", "")
    force = request.args.get("force_login", "").lower() in ("1", "true")
    if action == "login":
        return await _login(details, form)
    if user is None or (force and request.method == "GET"):
        return await _page("login", details)
    username = user.account.username
    if action == "deny":
        if details["redirect_uri"] == OOB:
            return await _page("error", None, 403, error="You denied the application access.")
        return redirect(_with_query(details["redirect_uri"], error="access_denied", state=details["state"]))
    if action == "approve":
        code = await issue_code(
            details["app"],
            user,
            details["scopes"],
            details["redirect_uri"],
            details["challenge"],
            details["method"],
        )
        if details["redirect_uri"] == OOB:
            return await _page("code", details, code=code)
        return redirect(_with_query(details["redirect_uri"], code=code, state=details["state"]))
    return await _page("consent", details, username=username)


async def _login(details: dict, form) -> object:
    from instance.web.auth import login_throttle

    username = form.get("username", "").strip().lstrip("@").lower()
    keys = (f"ip:{request.remote_addr or 'unknown'}", f"user:{username}")
    wait = await login_throttle.retry_after(*keys)
    if wait:
        return await _page(
            "login", details, 429, error=f"Too many failed attempts. Try again in {int(wait) + 1} seconds."
        )
    user = (
        await User.filter(account__username=username, account__domain=None).select_related("account").first()
    )
    if user is None or not verify_password(user.password_hash, form.get("password", "")):
        await login_throttle.failed(*keys)
        return await _page("login", details, 401, error="That username and password do not match.")
    if not user.can_log_in:
        return await _page("login", details, 403, error="This account cannot log in.")
    await login_throttle.succeeded(keys[1])
    log_in(user)
    await User.filter(id=user.id).update(last_login_at=datetime.now(UTC))
    return await _page("consent", details, username=user.account.username)


def _with_query(uri: str, **values: str) -> str:
    query = urlencode({k: v for k, v in values.items() if v})
    return uri + ("&" if "?" in uri else "?") + query
