"""Follow of a local account: pending for a locked one (its artist approves), accepted
at once otherwise (Accept sent through the same action the UI uses). A Follow of an
account that blocks the follower or has moved away is answered with a Reject, as
Mastodon does."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from federation.vocab import id_of
from inbox.common import local_account, object_id, sender
from inbox.errors import Drop
from instance.actions import social
from instance.services import Services
from instance.storage.models import Block, Follow, FollowState, Notification


async def handle(services: Services, activity: dict) -> None:
    follower = await sender(services, activity)
    target = await local_account(object_id(activity))
    if target is None or target.suspended:
        raise Drop("no such local account")
    if target.moved_to_id is not None or await Block.filter(
            account_id=target.id, target_id=follower.id).exists():
        known = await Follow.get_or_none(follower_id=follower.id, target_id=target.id)
        if known is None:  # the row the Reject answers; an accepted one is uncounted by it
            await Follow.create(ap_id=id_of(activity), follower_id=follower.id,
                                target_id=target.id, state=FollowState.PENDING)
        else:
            await Follow.filter(id=known.id).update(ap_id=id_of(activity))
        await social.reject_follow(services, target, follower)
        return
    existing = await Follow.get_or_none(follower_id=follower.id, target_id=target.id)
    if existing is None:
        try:
            existing = await Follow.create(ap_id=id_of(activity), follower_id=follower.id,
                                           target_id=target.id, state=FollowState.PENDING)
        except IntegrityError:
            raise Drop("duplicate follow") from None
    elif existing.ap_id != id_of(activity):
        await Follow.filter(id=existing.id).update(ap_id=id_of(activity))
    if target.locked and existing.state != FollowState.ACCEPTED:
        await Notification.create(recipient_id=target.id, kind="follow_request",
                                  from_account_id=follower.id)
        return
    first = existing.state != FollowState.ACCEPTED
    await social.accept_follow(services, target, follower)  # re-Accept a repeated Follow too
    if first:
        await Notification.create(recipient_id=target.id, kind="follow",
                                  from_account_id=follower.id)
