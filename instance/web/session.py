"""Who is logged in: the signed session cookie holds the user id and a per-user session
version, so a password change logs out every other browser."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from itsdangerous import URLSafeTimedSerializer
from quart import Quart, g, redirect, request, session, url_for
from quart.sessions import SecureCookieSessionInterface

from instance.storage.models import User


def _fingerprint(user: User) -> str:
    """Changes whenever the password does: old cookies stop working."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def log_in(user: User) -> None:
    session.clear()
    session["uid"] = user.id
    session["pw"] = _fingerprint(user)
    session.permanent = True


def log_out() -> None:
    session.clear()


async def current_user() -> User | None:
    """The logged-in, active user of this request (cached on `g`)."""
    if "user" in g:
        return g.user
    user = None
    uid = session.get("uid")
    if isinstance(uid, int):
        candidate = await User.filter(id=uid).prefetch_related("account").first()
        if (
            candidate is not None
            and session.get("pw") == _fingerprint(candidate)
            and candidate.can_log_in
        ):
            user = candidate
    g.user = user
    return user


async def signed_in_user() -> User:
    """The logged-in user, in a view behind `login_required` or `permission_required` (they have
    already sent everyone else to the login page)."""
    user = await current_user()
    assert user is not None, "signed_in_user() outside login_required/permission_required"
    return user


def login_required(view: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(view)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if await current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return await view(*args, **kwargs)

    return wrapper


def permission_required(permission: str | None) -> Callable[
        [Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
    """Admin pages: log in first, then hold `permission` (None: any staff permission), as
    decided by instance/moderation/permissions.py; a refusal is a 403 page in words."""
    from instance.moderation import permissions

    def decorate(view: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(view)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = await current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if permission is None:
                permissions.require_staff(user)
            else:
                permissions.require(user, permission)
            return await view(*args, **kwargs)

        return wrapper

    return decorate


class SigningSessionInterface(SecureCookieSessionInterface):
    """Quart's cookie sessions, with the signing serializer built once per secret key
    instead of on every request (Quart builds it anew each time)."""

    _built: tuple[tuple[Any, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Quart) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if self._built is None or self._built[0] != keys:
            self._built = (keys, super().get_signing_serializer(app))
        return self._built[1]
