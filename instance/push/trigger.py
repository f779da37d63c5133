"""Queue Web Push messages when a notification is written: one `push.notify` job per
push subscription of the recipient, in the same transaction as the notification.

Notifications are created in many places (inbox handlers, actions, moderation, the
review queue); a post_save listener on `Notification` catches every `create()` without
each of them knowing about push. `install()` registers it (build_services calls it in
every process). Rows made with `bulk_create` fire no listener (today only the staff's
review requests, which have no push alert); code that needs pushes for such rows calls
`queue_for()`. Whether the subscription wants this type and sender is
decided by the job (policy needs follow lookups), not here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.signals import Signals

from instance.jobs.kinds import PUSH_NOTIFICATION
from instance.storage.models import Job, Notification, WebPushSubscription

MAX_ATTEMPTS = 6  # 10 s, 20 s, 40 s, 80 s, 160 s of backoff, then the message is dropped


async def queue_for(notifications: Iterable[Notification],
                    using_db: BaseDBAsyncClient | None = None) -> int:
    """Queue a push job for each (notification, subscription of its recipient)."""
    by_recipient: dict[int, list[int]] = {}
    for row in notifications:
        if row.id is not None:
            by_recipient.setdefault(row.recipient_id, []).append(row.id)
    if not by_recipient:
        return 0
    subscriptions = await WebPushSubscription.filter(
        account_id__in=list(by_recipient), token__revoked_at__isnull=True,
    ).using_db(using_db).values_list("id", "account_id", "endpoint")
    now = datetime.now(UTC)
    jobs = [
        Job(kind=PUSH_NOTIFICATION, payload={"notification_id": nid, "subscription_id": sid},
            lane=f"push:{urlsplit(endpoint).netloc.lower()}", max_attempts=MAX_ATTEMPTS,
            next_attempt_at=now)
        for sid, account_id, endpoint in subscriptions
        for nid in by_recipient[account_id]
    ]
    if jobs:
        await Job.bulk_create(jobs, using_db=using_db)
    return len(jobs)


async def _on_save(_sender: Any, instance: Notification, created: bool,
                   using_db: BaseDBAsyncClient | None, _update_fields: Any) -> None:
    if created:
        await queue_for([instance], using_db)


def install() -> None:
    """Register the listener (idempotent: Tortoise keeps one copy of a listener)."""
    Notification.register_listener(Signals.post_save, _on_save)
