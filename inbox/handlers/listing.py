"""Create or Update of a job listing (federation/joblisting.is_listing): stored in the
board's table when this server wants it (inbox/remote_listings.check_wanted), refreshed
when its poster edits, closes, fills or expires it."""

from __future__ import annotations

from federation.vocab import id_of
from inbox.common import sender, vouched_object
from inbox.errors import Drop
from inbox.remote_listings import check_wanted, store_listing
from instance.services import Services
from instance.storage.models import JobListing


async def handle(services: Services, activity: dict) -> None:
    poster = await sender(services, activity)
    obj = await vouched_object(services, activity, poster)
    if id_of(obj.get("attributedTo")) != poster.ap_id:
        raise Drop("only the poster sends a listing's Create or Update")
    held = await JobListing.filter(ap_id=id_of(obj), local=False, poster_id=poster.id).exists()
    if not held:
        await check_wanted(services, poster)
    await store_listing(services, poster, obj)
