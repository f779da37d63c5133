"""Publishing a work: the one owner of the readiness rule. A work with media stays
`processing` until every attachment is ready at the work's cloak level; then ONE Create
and its delivery jobs are written in the same transaction as the state change.

The media job does not import this module: when an attachment becomes ready it enqueues
a `works.publish` job (`kinds.PUBLISH_WORK`), which is idempotent — however often it
runs, a work is published once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from federation import documents
from instance.attachments.processing import sync_work_cloak
from instance.jobs import Permanent, kinds
from instance.jobs.registry import JobContext
from instance.services import Services
from instance.storage.models import (
    Account,
    MediaAttachment,
    MediaState,
    Notification,
    OutboxActivity,
    Work,
    WorkState,
)
from outbox.documents import note_for
from outbox.fanout import follower_inboxes, inboxes_of, previous_recipients, send


def now() -> datetime:
    return datetime.now(UTC)


async def media_ready(services: Services, work: Work, connection: BaseDBAsyncClient) -> bool:
    """All attached media ready at the work's cloak level (media rendered at another
    level go back to processing: the media integration's rule, docs/media.md)."""
    if await sync_work_cloak(services, work.id, using_db=connection):
        return False
    states = await MediaAttachment.filter(work_id=work.id).using_db(connection).values_list(
        "state", flat=True)
    return all(state == MediaState.READY for state in states)


async def published(services: Services, work: Work, connection: BaseDBAsyncClient) -> None:
    """Counters, then the Create and its deliveries — inside the caller's transaction."""
    await Account.filter(id=work.account_id).using_db(connection).update(
        works_count=F("works_count") + 1, last_work_at=now()
    )
    if work.in_reply_to_id:
        await Work.filter(id=work.in_reply_to_id).using_db(connection).update(
            replies_count=F("replies_count") + 1
        )
    await federate(services, work, "Create", connection)
    await _notify_local(work, connection)


async def _notify_local(work: Work, connection: BaseDBAsyncClient) -> None:
    """Local people mentioned (or replied to) hear of it here; remote ones by delivery."""
    mentioned = await Account.filter(
        ap_id__in=list(work.mentions or []), domain=None
    ).exclude(id=work.account_id).using_db(connection)
    for account in mentioned:
        await Notification.create(recipient_id=account.id, kind="mention",
                                  from_account_id=work.account_id, work_id=work.id,
                                  using_db=connection)


def work_activity(kind: str, activity_id: str, account: Account, work: Work, note: dict) -> dict:
    """The Create or Update of a work's Note as we send it (and as the full archive's
    outbox.json holds it), addressed like the Note."""
    return documents.activity(
        kind, activity_id, account.ap_id, note,
        to=note["to"], cc=note["cc"], published=work.edited_at or work.published_at,
    )


async def federate(services: Services, work: Work, kind: str, connection: BaseDBAsyncClient,
                   also: list[str] | None = None) -> None:
    """Send a Create or Update of `work` to its followers, mentions and earlier recipients
    (and the inboxes in `also`: a poll's remote voters)."""
    account = await Account.get(id=work.account_id, using_db=connection)
    note = await note_for(services, work, connection)
    inboxes: list[str] = []
    if work.visibility != "direct":
        inboxes += await follower_inboxes(account, connection)
    mentioned = await Account.filter(ap_id__in=list(work.mentions or [])).using_db(connection)
    inboxes += inboxes_of(mentioned)
    if kind != "Create":
        inboxes += await previous_recipients(work.ap_id, connection)
    inboxes += also or []
    urls = services.urls
    activity_id = urls.create_activity(work.ap_id) if kind == "Create" else \
        urls.update_activity(work.ap_id, uuid.uuid4().hex)
    activity = work_activity(kind, activity_id, account, work, note)
    await send(services, account, activity, inboxes, object_ap_id=work.ap_id, using_db=connection)


async def publish_if_ready(services: Services, work_id: int) -> bool:
    """Publish a processing work once all its media are ready; True when this call
    published it. Safe to call concurrently and repeatedly: one Create, ever. For a
    published work, images an edit added go out in an Update once processed."""
    states = await MediaAttachment.filter(work_id=work_id).values_list("state", flat=True)
    if any(state != MediaState.READY for state in states):
        if MediaState.PROCESSING not in states:
            await update_if_grown(services, work_id)  # one added image was held or refused
        return False
    async with in_transaction() as connection:
        won = await Work.filter(id=work_id, state=WorkState.PROCESSING).using_db(connection).update(
            state=WorkState.READY, published_at=now()
        )
        if won:
            work = await Work.get(id=work_id, using_db=connection)
            await published(services, work, connection)
            return True
    await update_if_grown(services, work_id)
    return False


async def update_if_grown(services: Services, work_id: int) -> bool:
    """A published work whose images an edit added are processed now (none is still
    processing) and were not in the last Create or Update sent: send an Update. The
    compare-and-set on `edited_at` makes concurrent media jobs send it once."""
    work = await Work.get_or_none(id=work_id, state=WorkState.READY, local=True, deleted_at=None)
    if work is None:
        return False
    processed = [moment for moment in cast(list[datetime | None], await MediaAttachment.filter(
        work_id=work_id, state=MediaState.READY).values_list("processed_at", flat=True)) if moment]
    last = await OutboxActivity.filter(
        object_ap_id=work.ap_id, activity_type__in=("Create", "Update")
    ).order_by("-id").first()
    if not processed or last is None or max(processed) <= last.created_at:
        return False
    async with in_transaction() as connection:
        won = await Work.filter(id=work.id, edited_at=work.edited_at).using_db(connection).update(
            edited_at=now())
        if not won:
            return False
        work = await Work.get(id=work.id, using_db=connection)
        await federate(services, work, "Update", connection)
    return True



async def publish_job(ctx: JobContext, payload: dict) -> None:
    """Payload: {"work_id": int}. Publishes the work if it is ready; a no-op otherwise."""
    try:
        work_id = int(payload["work_id"])
    except (KeyError, TypeError, ValueError):
        raise Permanent(f"bad {kinds.PUBLISH_WORK} payload: {payload!r}") from None
    await publish_if_ready(ctx.services, work_id)
