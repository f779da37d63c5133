"""Move: the actor moved to `target`, which must list the actor in alsoKnownAs; local
followers follow the new account (the rule is instance/actions/moving.py's)."""

from __future__ import annotations

from federation.vocab import id_of
from inbox.common import sender
from inbox.errors import Drop
from instance.actions.moving import move_local_followers
from instance.actors.remote import ActorError, get_actor
from instance.services import Services
from instance.storage.models import Account


async def handle(services: Services, activity: dict) -> None:
    actor = await sender(services, activity)
    if id_of(activity.get("object")) not in (None, actor.ap_id):
        raise Drop("an actor may only move itself")
    target_id = id_of(activity.get("target"))
    if not target_id:
        raise Drop("no target")
    try:
        target = await get_actor(services, target_id, refresh=True)
    except ActorError as exc:
        raise Drop(f"cannot fetch the new account: {exc}") from exc
    if actor.ap_id not in (target.also_known_as or []):
        raise Drop("the new account does not claim the old one (alsoKnownAs)")
    await Account.filter(id=actor.id).update(moved_to_id=target.id)
    await move_local_followers(services, actor, target)
