"""The instance actor (an Application at /actor): it signs our fetches, so peers in
authorized-fetch mode (GoToSocial, bovine, Mastodon secure mode) answer them. Stored as a
local Account whose username cannot collide with an artist's (artists match [a-z0-9_])."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tortoise.exceptions import IntegrityError

from federation.client import Signer
from instance.actors.accounts import generate_key_pair
from instance.services import Services
from instance.storage.models import Account

INSTANCE_ACTOR_USERNAME = "instance.actor"

_cache: dict[tuple[str, str, str], Account] = {}


async def service_account(services: Services, username: str,
                          values: Callable[[], dict[str, Any]]) -> Account:
    """A server-owned local account (no User), created with its own key pair on first
    use from `values()`; cached per server and database. Its username holds a dot, so it
    never collides with an artist's."""
    key = (services.config.base_url, services.config.database_url, username)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    account = await Account.get_or_none(username=username, domain=None)
    if account is None:
        private_pem, public_pem = generate_key_pair()
        try:
            account = await Account.create(username=username, domain=None, public_key_pem=public_pem,
                                           private_key_pem=private_pem, **values())
        except IntegrityError:  # another process created it first
            account = await Account.get(username=username, domain=None)
    _cache[key] = account
    return account


async def instance_actor(services: Services) -> Account:
    """The instance actor's account, created with its own key pair on first use."""
    urls = services.urls
    return await service_account(services, INSTANCE_ACTOR_USERNAME, lambda: dict(
        ap_id=urls.instance_actor, actor_type="Application",
        display_name=services.config.instance.name, url=urls.home,
        inbox_url=urls.instance_actor_inbox, shared_inbox_url=urls.shared_inbox,
        outbox_url=urls.instance_actor_outbox, public_key_id=urls.instance_actor_key_id,
        locked=True, discoverable=False, bot=True))


def signer_for(account: Account) -> Signer:
    assert account.public_key_id and account.private_key_pem, "a local account has keys"
    return Signer(account.public_key_id, account.private_key_pem)


async def instance_signer(services: Services) -> Signer:
    return signer_for(await instance_actor(services))


def forget_cache() -> None:
    """Tests switch databases within one process."""
    _cache.clear()
