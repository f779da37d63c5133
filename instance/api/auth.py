"""Who is calling: the bearer token, its user and its scopes, checked on every endpoint
by the `scoped(...)` decorator (a view without it is a bug; a test walks the URL map)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from quart import g, request

from instance.api.errors import ApiError
from instance.api.oauth import scopes as scope_rules
from instance.api.oauth.tokens import find_token
from instance.storage.models import Account, OAuthToken, User

View = Callable[..., Awaitable[Any]]
AnyView = TypeVar("AnyView", bound=Callable[..., Any])


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.args.get("access_token") or None  # the streaming API's query form


async def load_token() -> OAuthToken | None:
    """The request's valid token (cached on g); 401 for a wrong or revoked one."""
    if "token" in g:
        return g.token
    raw = bearer()
    token = None
    if raw:
        token = await find_token(raw)
        if token is None:
            raise ApiError(401, "The access token is invalid")
        user = token.user
        if user is not None and (user.disabled or not user.approved or user.account.suspended):
            raise ApiError(403, "Your login is currently disabled")
    g.token = token
    return token


def scoped(*needed: str, public: bool = False) -> Callable[[View], View]:
    """Require a token covering one of `needed` with a user behind it; `public=True`
    also lets anonymous callers in (a token, if sent, must still be valid and cover it)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = await load_token()
            if token is None:
                if public:
                    return await view(*args, **kwargs)
                raise ApiError(401, "The access token is invalid")
            if needed and not scope_rules.allows(scope_rules.expand(token.scopes), *needed):
                raise ApiError(403, "This action is outside the authorized scopes")
            if token.user is None and not public:
                raise ApiError(422, "This method requires an authenticated user")
            return await view(*args, **kwargs)

        return with_required_scopes(wrapper, needed)

    return decorate


def current_user() -> User | None:
    token: OAuthToken | None = g.get("token")
    return token.user if token is not None else None


def with_required_scopes(view: AnyView, needed: tuple[str, ...]) -> AnyView:
    """Mark `view` with the scopes it needs (`required_scopes`; a test reads it on every
    endpoint)."""
    view.required_scopes = needed  # type: ignore[attr-defined]
    return view


def calling_user() -> User:
    """The token's user, in a view behind `scoped(...)` without `public=True` (it has
    already refused tokens without a user)."""
    user = current_user()
    assert user is not None, "calling_user() outside a scoped(...) view"
    return user


def viewer() -> Account | None:
    """The calling account, or None for anonymous and app-only tokens."""
    user = current_user()
    return user.account if user is not None else None


def me() -> Account:
    account = viewer()
    if account is None:
        raise ApiError(422, "This method requires an authenticated user")
    return account
