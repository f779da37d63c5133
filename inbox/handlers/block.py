"""Block of a local account by a remote actor: follows both ways end; the artist is not
notified (as on Mastodon)."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError

from federation.vocab import id_of
from inbox.common import local_account, object_id, sender
from inbox.process import Drop
from instance.storage.models import Block, Follow


async def handle(services: Any, activity: dict) -> None:
    actor = await sender(services, activity)
    target = await local_account(object_id(activity))
    if target is None:
        raise Drop("no such local account")
    try:
        await Block.create(ap_id=id_of(activity), account_id=actor.id, target_id=target.id)
    except IntegrityError:
        raise Drop("already blocked") from None
    await Follow.filter(follower_id=actor.id, target_id=target.id).delete()
    await Follow.filter(follower_id=target.id, target_id=actor.id).delete()
