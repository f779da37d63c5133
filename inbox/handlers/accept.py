"""Accept{Follow}: our pending follow of the actor becomes accepted."""

from __future__ import annotations

from tortoise.expressions import F

from federation.vocab import id_of
from inbox.common import sender
from inbox.errors import Drop
from instance.services import Services
from instance.storage.models import Account, Follow, FollowState


async def handle(services: Services, activity: dict) -> None:
    actor = await sender(services, activity)
    obj = activity.get("object")
    follow_id = id_of(obj)
    query = Follow.filter(target_id=actor.id, follower__domain=None)
    record = await query.filter(ap_id=follow_id).first() if follow_id else None
    if record is None and isinstance(obj, dict) and obj.get("type") == "Follow":
        follower = await Account.get_or_none(ap_id=id_of(obj.get("actor")), domain=None)
        if follower is not None:
            record = await query.filter(follower_id=follower.id).first()
    if record is None:
        raise Drop("no matching follow request")
    if record.state == FollowState.ACCEPTED:
        return
    await Follow.filter(id=record.id).update(state=FollowState.ACCEPTED)
    await Account.filter(id=record.follower_id).update(following_count=F("following_count") + 1)
    await Account.filter(id=actor.id).update(followers_count=F("followers_count") + 1)
