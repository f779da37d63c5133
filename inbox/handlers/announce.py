"""Announce (boost): of a local work → counted and notified; of a remote work → the
work is fetched from its origin (never trusted as embedded) when someone here follows
the booster; a boosted job listing goes to the board (inbox/remote_listings)."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from federation.client import FetchError
from federation.joblisting import is_listing
from federation.vocab import id_of
from inbox.common import has_local_followers, object_id, raise_if_transient, refuses, sender
from inbox.errors import Drop
from inbox.remote_listings import check_wanted, store_listing
from inbox.remote_works import author_id, store_work
from instance.actors.remote import ActorError, fetch_document, get_actor
from instance.services import Services
from instance.storage.models import Account, Boost, JobListing, Notification, Work


async def _remote_work(services: Services, ident: str, booster: Account) -> Work | None:
    """The boosted work, fetched from its origin; None when it was a job listing (then
    stored on the board, as if the booster had announced it like a jobs actor)."""
    known = await Work.get_or_none(ap_id=ident, deleted_at=None)
    if known is not None:
        return known
    try:
        obj = await fetch_document(services, ident)
        author_ap_id = author_id(obj)
        if author_ap_id is None:
            raise Drop("the boosted object names no author on its origin")
        author = await get_actor(services, author_ap_id)
    except FetchError as exc:
        raise_if_transient(exc, ident)
        raise Drop(f"cannot fetch the boosted object: {exc}") from exc
    except ActorError as exc:
        raise Drop(f"cannot fetch the boosted object: {exc}") from exc
    if id_of(obj) != ident:
        raise Drop("the boosted object's origin served another id")
    if is_listing(obj):
        if await JobListing.filter(ap_id=ident).exists():
            raise Drop("the boosted listing is already here")
        await check_wanted(services, author, via=booster)
        await store_listing(services, author, obj)
        return None
    return await store_work(services, author, obj)


async def handle(services: Services, activity: dict) -> None:
    actor = await sender(services, activity)
    ident = object_id(activity)
    work = await Work.get_or_none(ap_id=ident, local=True, deleted_at=None)
    if work is None:
        if not await has_local_followers(actor):
            raise Drop("nobody here follows the booster")
        work = await _remote_work(services, ident, actor)
        if work is None:
            return  # a job listing, now on the board's other-servers tab
    elif await refuses(work.account_id, actor):
        raise Drop("the artist blocks or mutes this account")
    try:
        await Boost.create(ap_id=id_of(activity), account_id=actor.id, work_id=work.id)
    except IntegrityError:
        raise Drop("already boosted") from None
    await Work.filter(id=work.id).update(boosts_count=F("boosts_count") + 1)
    if work.local:
        author = await Account.get(id=work.account_id)
        await Notification.create(recipient_id=author.id, kind="reblog",
                                  from_account_id=actor.id, work_id=work.id)
