"""Create{Note/Image/Article/Page/Question}: store the work when someone here follows
the author, is addressed, or is replied to. Objects not from the actor's origin are
fetched from their own."""

from __future__ import annotations

from federation.vocab import id_of
from inbox.common import has_local_followers, sender, vouched_object
from inbox.errors import Drop
from inbox.remote_polls import receive_vote
from inbox.remote_works import addresses_local, store_work
from instance.services import Services
from instance.storage.models import Work


async def handle(services: Services, activity: dict) -> None:
    actor = await sender(services, activity)
    obj = await vouched_object(services, activity, actor)
    if await receive_vote(services, actor, obj):
        return
    parent = id_of(obj.get("inReplyTo"))
    local_prefix = services.urls.local_prefix
    wanted = (
        await has_local_followers(actor)
        or addresses_local(obj, activity, local_prefix)
        or (parent and await Work.filter(ap_id=parent, local=True).exists())
    )
    if not wanted:
        raise Drop("nobody here follows or is addressed")
    await store_work(services, actor, obj)
