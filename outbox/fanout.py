"""Publishing an activity: the OutboxActivity row and its delivery jobs (one per distinct
inbox, or batches of inboxes for a send to many), written in ONE transaction so a crash
never leaves an activity half-sent. `send` is the one public way in (actions and inbox
handlers both use it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from federation.delivery_policy import MAX_ATTEMPTS
from federation.vocab import PUBLIC, audience
from instance.jobs import kinds
from instance.services import Services
from instance.storage.models import Account, Follow, FollowState, OutboxActivity

# A send to this many inboxes or more goes out in `outbox.deliver_batch` jobs of at most
# BATCH_SIZE inboxes (outbox.batch): a job per inbox cost about a third of each delivery
# in claims, finishes and pool traffic. Fewer keep a job per inbox, each in its lane.
BATCH_FROM = 32
BATCH_SIZE = 250


def delivery_lane(payload: dict) -> str:
    """Deliveries to one host share a lane: a worker gives one host at most half its slots."""
    return urlsplit(payload["inbox"]).netloc.lower()


async def follower_inboxes(account: Account, using_db: BaseDBAsyncClient | None = None) -> list[str]:
    """Distinct inboxes of the account's accepted remote followers (shared where known)."""
    rows = await (
        Follow.filter(target_id=account.id, state=FollowState.ACCEPTED, follower__domain__not_isnull=True)
        .using_db(using_db)
        .values_list("follower__shared_inbox_url", "follower__inbox_url")
    )
    return list(dict.fromkeys(shared or own for shared, own in rows if shared or own))


def inboxes_of(accounts: Iterable[Account | None]) -> list[str]:
    """Inboxes of remote accounts (local ones need no HTTP)."""
    found: dict[str, None] = {}
    for account in accounts:
        if account is not None and account.domain is not None:
            inbox = account.shared_inbox_url or account.inbox_url
            if inbox:
                found[inbox] = None
    return list(found)


async def previous_recipients(
    object_ap_id: str | None, using_db: BaseDBAsyncClient | None = None
) -> list[str]:
    """Every inbox that was sent an activity about `object_ap_id` (for Update/Delete/Undo);
    None matches the activities recorded without an object."""
    found: dict[str, None] = {}
    lists = await OutboxActivity.filter(object_ap_id=object_ap_id).using_db(using_db).values_list(
        "delivered_to", flat=True
    )
    for inboxes in lists:
        for inbox in inboxes or []:
            found[inbox] = None
    return list(found)


async def send(
    services: Services,
    account: Account,
    activity: dict[str, Any],
    inboxes: Iterable[str | None],
    *,
    object_ap_id: str | None = None,
    using_db: BaseDBAsyncClient | None = None,
) -> OutboxActivity:
    """Record `activity` (by `account`) and queue its delivery to each distinct remote
    inbox. Pass `using_db` to join the caller's transaction."""
    base = services.urls.local_prefix
    targets = list(dict.fromkeys(i for i in inboxes if i and not i.startswith(base)))
    if using_db is None:
        async with in_transaction() as connection:
            return await _write(services, account, activity, targets, object_ap_id, connection)
    return await _write(services, account, activity, targets, object_ap_id, using_db)


async def _write(
    services: Services,
    account: Account,
    activity: dict[str, Any],
    targets: list[str],
    object_ap_id: str | None,
    connection: BaseDBAsyncClient,
) -> OutboxActivity:
    obj = activity.get("object")
    public = PUBLIC in audience(activity) or (
        isinstance(obj, dict) and PUBLIC in audience(obj)
    )
    record = await OutboxActivity.create(
        ap_id=activity["id"],
        account_id=account.id,
        activity_type=activity["type"],
        object_ap_id=object_ap_id,
        document=activity,
        public=public,
        delivered_to=targets,
        using_db=connection,
    )
    if not (services.config.federation.enabled and targets):
        return record
    if len(targets) < BATCH_FROM:
        await queue_deliveries(services, record.id, targets, using_db=connection)
        return record
    await services.jobs.enqueue_many(
        kinds.DELIVER_BATCH,
        [{"activity": record.id, "inboxes": targets[start:start + BATCH_SIZE]}
         for start in range(0, len(targets), BATCH_SIZE)],
        max_attempts=MAX_ATTEMPTS,
        using_db=connection,
    )
    return record


async def queue_deliveries(services: Services, activity_id: int, inboxes: list[str], *,
                           delay: float = 0.0, using_db: BaseDBAsyncClient | None = None) -> None:
    """One `outbox.deliver` job per inbox, each in its host's lane."""
    await services.jobs.enqueue_many(
        kinds.DELIVER,
        [{"activity": activity_id, "inbox": inbox} for inbox in inboxes],
        max_attempts=MAX_ATTEMPTS,
        lane_of=delivery_lane,
        delay=delay,
        using_db=using_db,
    )
