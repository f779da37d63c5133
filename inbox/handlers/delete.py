"""Delete (or Tombstone) of a work by its author (with our cached copies of its images),
or of the actor itself (its works, follows and interactions go; the account is kept as
suspended so replays stay no-ops)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from federation.vocab import id_of
from inbox.common import object_id
from inbox.errors import Drop
from instance.actions.departure import erase_account
from instance.attachments.processing import delete_media
from instance.services import Services
from instance.storage.models import Account, MediaAttachment, Work, WorkState


async def handle(services: Services, activity: dict) -> None:
    actor_id = id_of(activity.get("actor"))
    target = object_id(activity)
    actor = await Account.get_or_none(ap_id=actor_id)
    if actor is None:
        raise Drop("unknown actor")
    if target == actor.ap_id:
        async with in_transaction():
            await erase_account(actor)
        return
    work = await Work.get_or_none(ap_id=target, deleted_at=None)
    if work is None:
        raise Drop("nothing to delete")
    if work.account_id != actor.id:
        raise Drop("only the author deletes a work")
    async with in_transaction():
        await Work.filter(id=work.id).update(state=WorkState.DELETED, deleted_at=datetime.now(UTC),
                                             content="", title="", summary="")
        if work.in_reply_to_id:
            await Work.filter(id=work.in_reply_to_id, replies_count__gt=0).update(
                replies_count=F("replies_count") - 1)
    for media in await MediaAttachment.filter(work_id=work.id):  # our cached copies too
        await delete_media(services, media)
