"""CSRF protection for browser forms: one random token per session, checked on every
unsafe request to the web pages (API, OAuth token and inbox endpoints authenticate
otherwise and are not covered)."""

from __future__ import annotations

import hmac
import secrets

from quart import abort, request, session

from instance.translation import gettext

FIELD = "csrf_token"


def csrf_token() -> str:
    token = session.get(FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[FIELD] = token
    return token


async def check_csrf() -> None:
    """Before-request hook for web blueprints: refuse unsafe requests without the token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    form = await request.form
    sent = form.get(FIELD) or request.headers.get("X-CSRF-Token", "")
    expected = session.get(FIELD, "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description=gettext("The form expired or came from another site; reload the page and "
                                       "try again."))
