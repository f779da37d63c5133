"""Backfill (the `actors.backfill` job): when someone here follows a remote artist, their
recent works (the outbox's first page) and pinned works (the featured collection) are
fetched and stored, so their portfolio here is not empty until their next post.

Bounded (`[federation] backfill_works` items from each collection, one outbox page,
featured pages until the bound) and careful: collections must live on the artist's own
server (whose signed answer vouches for what it embeds), only public or unlisted top-level
works are kept, nobody is notified of old mentions, and a suspended server is not asked."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from federation.client import FetchError
from federation.vocab import as_list, id_of, same_origin, visibility
from inbox.errors import Drop
from inbox.remote_works import OBJECT_TYPES, store_work
from instance.actors.remote import ActorError, fetch_document
from instance.jobs.errors import Retry
from instance.jobs.registry import JobContext
from instance.moderation.gate import url_is_suspended
from instance.services import Services
from instance.storage.models import Account, Work

log = logging.getLogger("impasto.federation")
MAX_PAGES = 5  # of the featured collection
RETRY_AFTER = 15 * 60.0


async def handler(ctx: JobContext, payload: dict) -> None:
    """Payload `{account_id}`: the remote artist to backfill."""
    services = ctx.services
    account = await Account.get_or_none(id=payload.get("account_id"), suspended=False)
    limit = services.config.federation.backfill_works
    if account is None or account.domain is None or limit <= 0:
        return
    if await url_is_suspended(services, account.ap_id):
        return
    try:
        recent = await _items(services, account, account.outbox_url, limit, pages=1)
        pinned = await _items(services, account, account.featured_url, limit, pages=MAX_PAGES)
    except FetchError as exc:
        if exc.status is None or exc.status >= 500:  # the server is down or overloaded
            raise Retry(RETRY_AFTER, f"backfill of {account.ap_id}: {exc}") from exc
        log.info("no backfill", extra={"actor": account.ap_id, "error": str(exc)})
        return
    except ActorError as exc:
        log.info("no backfill", extra={"actor": account.ap_id, "error": str(exc)})
        return
    stored = await _store(services, account, recent)
    pinned_works = await _store(services, account, pinned)
    now = datetime.now(UTC)
    for rank, work in enumerate(pinned_works):  # keep the artist's order of pins
        await Work.filter(id=work.id).update(pinned_at=now - timedelta(seconds=rank))
    log.info("backfilled", extra={"actor": account.ap_id, "works": len(stored) + len(pinned_works)})


async def _items(services: Services, account: Account, url: str | None, limit: int,
                 *, pages: int) -> list[Any]:
    """Up to `limit` items of the collection at `url` (on the artist's own server)."""
    if not url or not same_origin(url, account.ap_id):
        return []
    collection = await fetch_document(services, url)
    items = list(as_list(collection.get("orderedItems") or collection.get("items")))
    page: Any = collection.get("first")
    for _ in range(pages):
        if len(items) >= limit or not page:
            break
        if isinstance(page, str):
            if not same_origin(page, account.ap_id):
                break
            page = await fetch_document(services, page)
        if not isinstance(page, dict):
            break
        items += as_list(page.get("orderedItems") or page.get("items"))
        page = page.get("next")
    return items[:limit]


async def _object(services: Services, account: Account, item: Any) -> dict | None:
    """The work an outbox/featured item stands for: a Create's object or the object
    itself, fetched from the artist's server when only its id is given."""
    if isinstance(item, str) and same_origin(item, account.ap_id):
        item = await fetch_document(services, item)
    if not isinstance(item, dict):
        return None
    if item.get("type") == "Create":
        if id_of(item.get("actor")) != account.ap_id:
            return None
        return await _object(services, account, item.get("object"))
    return item if item.get("type") in OBJECT_TYPES else None


async def _store(services: Services, account: Account, items: list[Any]) -> list[Work]:
    """Store each new public top-level work; one bad item never stops the others."""
    works: list[Work] = []
    for item in items:
        try:
            obj = await _object(services, account, item)
            if obj is None or obj.get("inReplyTo") or \
                    visibility(obj, account.followers_url) not in ("public", "unlisted"):
                continue
            known = await Work.get_or_none(ap_id=id_of(obj), account_id=account.id)
            works.append(known or await store_work(services, account, obj, notify=False))
        except (FetchError, ActorError, Drop) as exc:
            log.info("backfill item skipped", extra={"actor": account.ap_id, "error": str(exc)})
    return works
