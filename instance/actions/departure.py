"""When an account leaves — a remote actor's Delete of itself, or a local artist deleting
theirs — its works, follows, likes and boosts go, and everyone else's counters drop as
their Undo would have dropped them. The row stays, suspended, so a replayed Delete is a
no-op and a local name is never handed to somebody else.

A local artist's leaving is also federated: a Delete of the actor goes to every inbox
that knew them (followers, those they followed, every inbox ever sent to), signed with
the key that stays on the row, and the actor URL answers 410 with a Tombstone."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any, cast

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from federation import documents
from federation.vocab import PUBLIC
from instance.actors.accounts import AccountError
from instance.attachments.processing import delete_media
from instance.services import Services
from instance.storage.models import (
    Account,
    Boost,
    Follow,
    FollowState,
    Like,
    MediaAttachment,
    OutboxActivity,
    User,
    Work,
    WorkState,
)
from instance.translation import gettext as _
from outbox import fanout


async def _uncount(model: Any, field: str, ids: list[int]) -> None:
    """Take one off `field` of each row for each time its id is listed (not below zero)."""
    for row_id, times in Counter(ids).items():
        if not await model.filter(id=row_id, **{f"{field}__gte": times}).update(
                **{field: F(field) - times}):
            await model.filter(id=row_id).update(**{field: 0})


async def erase_account(account: Account) -> None:
    """Remove what the account made and how it was linked; run inside a transaction."""
    follows = await Follow.filter(
        Q(follower_id=account.id) | Q(target_id=account.id), state=FollowState.ACCEPTED
    ).values_list("follower_id", "target_id")
    liked = cast(list[int], await Like.filter(account_id=account.id).values_list("work_id", flat=True))
    boosted = cast(list[int], await Boost.filter(account_id=account.id).values_list("work_id", flat=True))
    replied = cast(list[int], await Work.filter(
        account_id=account.id, deleted_at=None, in_reply_to_id__not_isnull=True
    ).values_list("in_reply_to_id", flat=True))
    await Work.filter(account_id=account.id, deleted_at=None).update(
        state=WorkState.DELETED, deleted_at=datetime.now(UTC), content="")
    await Follow.filter(Q(follower_id=account.id) | Q(target_id=account.id)).delete()
    await Like.filter(account_id=account.id).delete()
    await Boost.filter(account_id=account.id).delete()
    await Account.filter(id=account.id).update(suspended=True)
    await _uncount(Account, "following_count", [f for f, t in follows if t == account.id])
    await _uncount(Account, "followers_count", [t for f, t in follows if f == account.id])
    await _uncount(Work, "likes_count", liked)
    await _uncount(Work, "boosts_count", boosted)
    await _uncount(Work, "replies_count", replied)


async def _everyone_who_knew(account: Account) -> list[str]:
    followed = await Follow.filter(follower_id=account.id).values_list("target_id", flat=True)
    inboxes = await fanout.follower_inboxes(account)
    inboxes += fanout.inboxes_of(await Account.filter(id__in=list(followed)))
    for sent_to in await OutboxActivity.filter(account_id=account.id).values_list(
            "delivered_to", flat=True):
        inboxes += list(sent_to or [])
    shared = dict(await Account.filter(inbox_url__in=inboxes, shared_inbox_url__not_isnull=True)
                  .values_list("inbox_url", "shared_inbox_url"))
    return list(dict.fromkeys(shared.get(inbox) or inbox for inbox in inboxes))  # one per server


async def delete_local_account(services: Services, account: Account) -> int:
    """Delete a local artist's account for good; returns how many inboxes are told."""
    if account.domain is not None:
        raise AccountError(_("%(username)s@%(domain)s is not a local account",
                             username=account.username, domain=account.domain))
    if account.deleted_at is not None:
        raise AccountError(_("%(username)s was deleted already", username=account.username))
    actor = account.ap_id
    inboxes = await _everyone_who_knew(account)
    delete = documents.activity("Delete", f"{actor}#delete", actor, actor, to=[PUBLIC])
    media = await MediaAttachment.filter(account_id=account.id)
    async with in_transaction() as connection:
        record = await fanout.send(services, account, delete, inboxes, object_ap_id=actor,
                                   using_db=connection)
        await erase_account(account)
        await User.filter(account_id=account.id).update(disabled=True)
        await Account.filter(id=account.id).update(
            deleted_at=datetime.now(UTC), display_name="", note="", fields_json=[],
            avatar_url=None, header_url=None, discoverable=False, indexable=False)
    for item in media:  # files after the commit (a crash leaves orphans, never dangling rows)
        await delete_media(services, item)
    return len(record.delivered_to or [])
