"""Block of a local account by a remote actor: follows both ways end; the artist is not
notified (as on Mastodon)."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from federation.vocab import id_of
from inbox.common import local_account, object_id, sender
from inbox.errors import Drop
from instance.services import Services
from instance.storage.models import Account, Block, Follow, FollowState


async def handle(services: Services, activity: dict) -> None:
    actor = await sender(services, activity)
    target = await local_account(object_id(activity))
    if target is None:
        raise Drop("no such local account")
    try:
        await Block.create(ap_id=id_of(activity), account_id=actor.id, target_id=target.id)
    except IntegrityError:
        raise Drop("already blocked") from None
    for follower, followed in ((actor, target), (target, actor)):
        follow = await Follow.get_or_none(follower_id=follower.id, target_id=followed.id)
        if follow is None or not await Follow.filter(id=follow.id).delete():
            continue
        if follow.state == FollowState.ACCEPTED:  # counted when accepted: uncounted as it ends
            await Account.filter(id=follower.id, following_count__gt=0).update(
                following_count=F("following_count") - 1)
            await Account.filter(id=followed.id, followers_count__gt=0).update(
                followers_count=F("followers_count") - 1)
