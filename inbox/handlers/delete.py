"""Delete (or Tombstone) of a work by its author, or of the actor itself (its works,
follows and interactions go; the account is kept as suspended so replays stay no-ops)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from federation.vocab import id_of
from inbox.common import object_id
from inbox.process import Drop
from instance.storage.models import Account, Boost, Follow, Like, Work


async def _uncount(model: Any, field: str, ids: list[int]) -> None:
    """Take one off `field` of each row for each time its id is listed (not below zero)."""
    for row_id, times in Counter(ids).items():
        if not await model.filter(id=row_id, **{f"{field}__gte": times}).update(
                **{field: F(field) - times}):
            await model.filter(id=row_id).update(**{field: 0})


async def handle(services: Any, activity: dict) -> None:
    actor_id = id_of(activity.get("actor"))
    target = object_id(activity)
    actor = await Account.get_or_none(ap_id=actor_id)
    if actor is None:
        raise Drop("unknown actor")
    if target == actor.ap_id:
        async with in_transaction():
            follows = await Follow.filter(
                Q(follower_id=actor.id) | Q(target_id=actor.id), state="accepted"
            ).values_list("follower_id", "target_id")
            liked = await Like.filter(account_id=actor.id).values_list("work_id", flat=True)
            boosted = await Boost.filter(account_id=actor.id).values_list("work_id", flat=True)
            replied = await Work.filter(account_id=actor.id, deleted_at=None,
                                        in_reply_to_id__not_isnull=True).values_list(
                "in_reply_to_id", flat=True)
            await Work.filter(account_id=actor.id, deleted_at=None).update(
                state="deleted", deleted_at=datetime.now(UTC), content="")
            await Follow.filter(follower_id=actor.id).delete()
            await Follow.filter(target_id=actor.id).delete()
            await Like.filter(account_id=actor.id).delete()
            await Boost.filter(account_id=actor.id).delete()
            await Account.filter(id=actor.id).update(suspended=True)
            # Others' counters drop as their Undo / Reject / Delete would have dropped them.
            await _uncount(Account, "following_count", [f for f, t in follows if t == actor.id])
            await _uncount(Account, "followers_count", [t for f, t in follows if f == actor.id])
            await _uncount(Work, "likes_count", liked)
            await _uncount(Work, "boosts_count", boosted)
            await _uncount(Work, "replies_count", replied)
        return
    work = await Work.get_or_none(ap_id=target, deleted_at=None)
    if work is None:
        raise Drop("nothing to delete")
    if work.account_id != actor.id:
        raise Drop("only the author deletes a work")
    async with in_transaction():
        await Work.filter(id=work.id).update(state="deleted", deleted_at=datetime.now(UTC),
                                             content="", title="", summary="")
        if work.in_reply_to_id:
            await Work.filter(id=work.in_reply_to_id, replies_count__gt=0).update(
                replies_count=F("replies_count") - 1)
