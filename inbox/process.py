"""The `inbox.process` job: run the handler for a stored InboxItem's activity type.

Handlers live one per type in `inbox.handlers`; an unknown type is acknowledged and
dropped. The item ends `processed`, `dropped` (with the reason) or `failed`. Only the
network and the database get further attempts; a handler's bug fails the item at once,
its traceback in the log."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import DBConnectionError, OperationalError

from federation.client import FetchError
from federation.jobapplication import is_reply_to
from federation.joblisting import is_listing
from federation.jsonld import JsonLdError, normalize
from federation.vocab import id_of
from inbox.errors import Drop
from inbox.handlers import (
    accept,
    announce,
    block,
    create,
    delete,
    flag,
    follow,
    like,
    listing,
    listing_announce,
    listing_answer,
    listing_delete,
    listing_reply,
    move,
    reject,
    undo,
    update,
)
from instance.jobs import Permanent, Retry
from instance.jobs.registry import JobContext
from instance.services import Services
from instance.storage.models import InboxItem, InboxState, JobApplication, JobListing

log = logging.getLogger("impasto.inbox")

# Failures that another attempt may not meet; any other exception is a bug.
TRANSIENT: tuple[type[Exception], ...] = (
    Retry, FetchError, OSError, TimeoutError, DBConnectionError, OperationalError)

ActivityHandler = Callable[[Services, dict[str, Any]], Awaitable[None]]

HANDLERS: dict[str, ActivityHandler] = {
    "Follow": follow.handle,
    "Accept": accept.handle,
    "Reject": reject.handle,
    "Undo": undo.handle,
    "Create": create.handle,
    "Update": update.handle,
    "Delete": delete.handle,
    "Announce": announce.handle,
    "Like": like.handle,
    "Block": block.handle,
    "Flag": flag.handle,
    "Move": move.handle,
}

# Activities about job listings go to their own handlers (see `handler_for`).
LISTING_HANDLERS: dict[str, ActivityHandler] = {
    "Create": listing.handle,
    "Update": listing.handle,
    "Announce": listing_announce.handle,
    "Delete": listing_delete.handle,
    "Reply": listing_reply.handle,  # a Create of a reply to a local listing: an application
    "Answer": listing_answer.handle,  # a poster's reply to a local artist's application
}


async def handler_for(kind: str, document: dict[str, Any],
                      local_prefix: str) -> ActivityHandler | None:
    """The handler of an activity: a listing's own (an embedded listing, a Delete of a
    listing held here, a reply to a local listing, a poster's reply to a local artist's
    application) or the one of its type."""
    obj = document.get("object")
    if kind in ("Create", "Update", "Announce") and is_listing(obj):
        return LISTING_HANDLERS[kind]
    parent = is_reply_to(obj) if kind == "Create" else None
    if parent and await JobListing.filter(ap_id=parent, local=True).exists():
        return LISTING_HANDLERS["Reply"]
    if parent and parent.startswith(local_prefix) and await JobApplication.filter(
            ap_id=parent).exists():
        return LISTING_HANDLERS["Answer"]
    if kind == "Delete" and await JobListing.filter(ap_id=id_of(obj) or "", local=False).exists():
        return LISTING_HANDLERS["Delete"]
    return HANDLERS.get(kind)


async def _finish(item: InboxItem, state: InboxState, reason: str = "") -> None:
    await InboxItem.filter(id=item.id).update(
        state=state, reason=reason[:2000], processed_at=datetime.now(UTC)
    )


async def process(ctx: JobContext, payload: dict) -> None:
    item = await InboxItem.get_or_none(id=payload["item"])
    if item is None:
        raise Permanent("the inbox item is gone")
    if item.state != InboxState.RECEIVED:
        return
    if item.activity_type not in HANDLERS:
        await _finish(item, InboxState.DROPPED, f"unsupported type {item.activity_type}")
        return
    try:
        document = normalize(item.document)  # fast path for plain AS2, pyld otherwise
    except JsonLdError as exc:
        await _finish(item, InboxState.DROPPED, f"unreadable JSON-LD: {exc}")
        return
    handler = await handler_for(item.activity_type, document, ctx.services.urls.local_prefix)
    if handler is None:
        await _finish(item, InboxState.DROPPED, f"unsupported type {item.activity_type}")
        return
    try:
        await handler(ctx.services, document)
    except Drop as exc:
        await _finish(item, InboxState.DROPPED, str(exc))
        return
    except Permanent as exc:
        await _finish(item, InboxState.FAILED, str(exc))
        raise
    except TRANSIENT as exc:  # the network or the database: attempts are for these
        if ctx.attempt >= ctx.max_attempts:
            await _finish(item, InboxState.FAILED, f"{type(exc).__name__}: {exc}")
        raise
    except Exception as exc:  # a bug: retrying cannot fix it, so end the item now
        log.exception("inbox handler failed", extra={
            "item": item.id, "activity": item.activity_id, "type": item.activity_type})
        reason = f"handler error {type(exc).__name__}: {exc}"
        await _finish(item, InboxState.FAILED, reason)
        raise Permanent(reason) from exc
    await _finish(item, InboxState.PROCESSED)
