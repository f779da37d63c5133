"""Update of an object we hold (its author only) or of the actor's own profile."""

from __future__ import annotations

from federation.vocab import id_of
from inbox.common import sender, vouched_object
from inbox.errors import Drop
from inbox.remote_works import OBJECT_TYPES, store_work
from instance.actors.remote import ACTOR_TYPES, store_actor
from instance.services import Services
from instance.storage.models import Work


async def handle(services: Services, activity: dict) -> None:
    actor = await sender(services, activity)
    obj = await vouched_object(services, activity, actor)
    kind = obj.get("type")
    if kind in ACTOR_TYPES:
        if id_of(obj) != actor.ap_id:
            raise Drop("an actor may only update itself")
        await store_actor(obj, actor.ap_id, services)
        return
    if kind in OBJECT_TYPES:
        if not await Work.filter(ap_id=id_of(obj), account_id=actor.id).exists():
            raise Drop("update of an object we do not hold")
        await store_work(services, actor, obj)
        return
    raise Drop(f"update of a {kind!r} is not supported")
