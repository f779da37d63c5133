"""Like of a local work: count it and notify the artist."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from federation.vocab import id_of
from inbox.common import object_id, refuses, sender
from inbox.errors import Drop
from instance.services import Services
from instance.storage.models import Account, Like, Notification, Work


async def handle(services: Services, activity: dict) -> None:
    actor = await sender(services, activity)
    work = await Work.get_or_none(ap_id=object_id(activity), local=True, deleted_at=None)
    if work is None:
        raise Drop("not a work of ours")
    if await refuses(work.account_id, actor):
        raise Drop("the artist blocks or mutes this account")
    try:
        await Like.create(ap_id=id_of(activity), account_id=actor.id, work_id=work.id)
    except IntegrityError:
        raise Drop("already liked") from None
    await Work.filter(id=work.id).update(likes_count=F("likes_count") + 1)
    author = await Account.get(id=work.account_id)
    await Notification.create(recipient_id=author.id, kind="favourite",
                              from_account_id=actor.id, work_id=work.id)
