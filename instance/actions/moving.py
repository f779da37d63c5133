"""Moving accounts: aliases (the accounts an artist moves in from, listed as alsoKnownAs),
moving out (movedTo, a Move to every follower, local followers re-follow at once), and
the one rule for taking local followers along, used by the move out and by a received
Move alike. A move is refused before anything is written unless the new account lists
the old one among its aliases, as Mastodon checks."""

from __future__ import annotations

import logging
import re
import uuid
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from federation import documents
from instance.actions import social
from instance.actors.remote import ActorError, find_acct, get_actor
from instance.errors import Refused
from instance.services import Services
from instance.storage.models import Account, Follow
from instance.translation import gettext as _
from instance.translation import lazy_gettext
from outbox.fanout import follower_inboxes, send

log = logging.getLogger("impasto.actions")

MAX_ALIASES = 10
HANDLE = re.compile(r"^@?([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+(?::\d+)?)$")
LOCAL_NAME = re.compile(r"^@?[A-Za-z0-9_.-]+$")


class MoveError(Refused):
    """An alias or a move that cannot be done; the message says why."""

    title = lazy_gettext("Not moved")


async def resolve_account(services: Services, text: str) -> Account:
    """`@name@host`, `@name` (here) or an actor URL → the Account, fetched fresh when it
    is remote (its aliases must be current). Lookups go through the SSRF-guarded client;
    a name that cannot be found is a MoveError (or the LookupRefused saying why)."""
    text = text.strip()
    if not text:
        raise MoveError(_("Write the account as @name@server.example or as its URL."))
    handle = HANDLE.match(text)
    if LOCAL_NAME.match(text):  # @name alone: an account on this server
        return await find_acct(services, text.lstrip("@"), None)
    if handle is not None:
        ap_id = (await find_acct(services, handle.group(1), handle.group(2).lower())).ap_id
    elif urlsplit(text).scheme in ("http", "https") and urlsplit(text).netloc:
        if text.startswith(services.urls.local_prefix):
            local = await Account.get_or_none(ap_id=text, domain=None)
            if local is None:
                raise MoveError(_("There is no account at %(text)s on this server.", text=text[:100]),
                                status=404)
            return local
        ap_id = text
    else:
        raise MoveError(_("“%(text)s” is neither @name@server.example nor a URL.", text=text[:100]))
    local = await Account.get_or_none(ap_id=ap_id, domain=None)
    if local is not None:
        return local
    try:
        return await get_actor(services, ap_id, refresh=True)
    except ActorError as exc:
        log.info("cannot fetch account", extra={"account": ap_id, "error": str(exc)})
        raise MoveError(_("%(text)s could not be fetched as an account from its server.",
                          text=text[:100])) from exc


async def add_alias(services: Services, account: Account, text: str) -> Account:
    """List the account at `text` as one this account moves in from (alsoKnownAs), and
    tell followers with an Update."""
    found = await resolve_account(services, text)
    if found.id == account.id:
        raise MoveError(_("An account cannot be an alias of itself."))
    aliases = list(account.also_known_as or [])
    if found.ap_id in aliases:
        return account
    if len(aliases) >= MAX_ALIASES:
        raise MoveError(_("At most %(max_aliases)s aliases; remove one first.", max_aliases=MAX_ALIASES))
    return await social.update_profile(services, account,
                                       also_known_as=[*aliases, found.ap_id])


async def remove_alias(services: Services, account: Account, ap_id: str) -> Account:
    aliases = list(account.also_known_as or [])
    if ap_id not in aliases:
        raise MoveError(_("That account is not among your aliases."), status=404)
    return await social.update_profile(services, account,
                                       also_known_as=[a for a in aliases if a != ap_id])


async def move_account(services: Services, account: Account, text: str) -> Account:
    """Move `account` (local) to the account at `text`. Refused, with nothing written, if
    the target is this account, has moved itself, or does not list this account in
    alsoKnownAs. Then, in one transaction: movedTo is set, an Update of the actor and the
    Move (actor = object = the old account, target = the new one, as Mastodon sends it)
    are queued for every follower's inbox (shared inboxes first); after it, local
    followers follow the new account. Returns the new account."""
    target = await resolve_account(services, text)
    if target.id == account.id:
        raise MoveError(_("You cannot move to the account you are moving from."))
    if target.suspended or target.deleted_at is not None:
        raise MoveError(_("%(ap_id)s is not available.", ap_id=target.ap_id))
    if target.moved_to_id is not None:
        raise MoveError(_("%(ap_id)s has itself moved to another account; move there.", ap_id=target.ap_id))
    if account.ap_id not in (target.also_known_as or []):
        here = services.config.instance.domain
        raise MoveError(
            _("@%(new)s does not list this account (@%(old)s) as one it moves in from yet. On "
              "@%(new)s, add @%(old)s as an alias (Settings → Moving), then move again.",
              new=f"{target.username}@{target.domain or here}", old=f"{account.username}@{here}"))
    async with in_transaction() as connection:
        await Account.filter(id=account.id).using_db(connection).update(moved_to_id=target.id)
        await account.refresh_from_db(using_db=connection)
        await social.send_profile_update(services, account, connection)
        move = documents.activity(
            "Move", services.urls.move_activity(account.ap_id, uuid.uuid4().hex),
            account.ap_id, account.ap_id)
        move["target"] = target.ap_id
        inboxes = await follower_inboxes(account, connection)
        await send(services, account, move, inboxes, object_ap_id=account.ap_id,
                   using_db=connection)
    await move_local_followers(services, account, target)
    return target


async def move_local_followers(services: Services, old: Account, new: Account) -> int:
    """The one rule for followers on this server when `old` moves to `new`: each stops
    following `old` and follows `new` (a request, if `new` is locked or remote). One the
    new account refuses (it blocks them, or is them) only stops following the old one.
    Returns how many now follow (or asked to follow) the new account."""
    follows = await Follow.filter(target_id=old.id, follower__domain=None).prefetch_related(
        "follower")
    moved = 0
    for follow in follows:
        follower = follow.follower
        await social.unfollow(services, follower, old)
        if follower.id == new.id:
            continue
        try:
            await social.follow(services, follower, new)
            moved += 1
        except Refused as exc:
            log.info("follower not moved", extra={"follower": follower.ap_id,
                                                   "error": exc.message})
    return moved
