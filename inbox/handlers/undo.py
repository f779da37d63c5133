"""Undo of a Follow, Like, Announce or Block the actor made."""

from __future__ import annotations

from typing import Any

from tortoise.expressions import F

from federation.vocab import id_of
from inbox.common import sender
from inbox.errors import Drop
from instance.services import Services
from instance.storage.models import Account, Block, Boost, Follow, FollowState, Like, Work


async def _find(model: Any, actor: Account, obj: Any, target_field: str, target_id: int | None):
    ident = id_of(obj)
    found = await model.get_or_none(ap_id=ident, **{model_actor(model): actor.id}) if ident else None
    if found is None and target_id is not None:
        found = await model.get_or_none(**{model_actor(model): actor.id, target_field: target_id})
    return found


def model_actor(model: Any) -> str:
    return "follower_id" if model is Follow else "account_id"


async def handle(services: Services, activity: dict) -> None:
    actor = await sender(services, activity)
    obj = activity.get("object")
    kind = obj.get("type") if isinstance(obj, dict) else None
    inner_target = id_of(obj.get("object")) if isinstance(obj, dict) else None
    if kind is None:  # only an id: find what it names
        for model in (Follow, Like, Boost, Block):
            if await model.filter(ap_id=id_of(obj), **{model_actor(model): actor.id}).exists():
                kind = {Follow: "Follow", Like: "Like", Boost: "Announce", Block: "Block"}[model]
                break
    if kind == "Follow":
        target = await Account.get_or_none(ap_id=inner_target, domain=None)
        record = await _find(Follow, actor, obj, "target_id", target.id if target is not None else None)
        if record is None:
            raise Drop("no such follow")
        await Follow.filter(id=record.id).delete()
        if record.state == FollowState.ACCEPTED:
            await Account.filter(id=record.target_id, followers_count__gt=0).update(
                followers_count=F("followers_count") - 1)
        return
    if kind in ("Like", "Announce"):
        model = Like if kind == "Like" else Boost
        work = await Work.get_or_none(ap_id=inner_target) if inner_target else None
        record = await _find(model, actor, obj, "work_id", work.id if work is not None else None)
        if record is None:
            raise Drop(f"no such {kind}")
        await model.filter(id=record.id).delete()
        counter = "likes_count" if kind == "Like" else "boosts_count"
        await Work.filter(id=record.work_id, **{f"{counter}__gt": 0}).update(
            **{counter: F(counter) - 1})
        return
    if kind == "Block":
        target = await Account.get_or_none(ap_id=inner_target, domain=None)
        record = await _find(Block, actor, obj, "target_id", target.id if target is not None else None)
        if record is None:
            raise Drop("no such block")
        await Block.filter(id=record.id).delete()
        return
    raise Drop(f"undo of {kind!r} is not supported")
