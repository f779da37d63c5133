"""Announce of a job listing, as a server's jobs actor (@jobs@domain) sends for each
listing that opens: stored when someone here follows that board (or the poster), or
when the board takes all listings. The listing is read from the announcer's origin
only when it is the poster's too; otherwise it is fetched from its own."""

from __future__ import annotations

from federation.joblisting import is_listing
from federation.vocab import id_of
from inbox.common import sender, vouched_object
from inbox.errors import Drop
from inbox.remote_listings import check_wanted, store_listing
from instance.actors.remote import ActorError, get_actor
from instance.services import Services
from instance.storage.models import JobListing


async def handle(services: Services, activity: dict) -> None:
    board = await sender(services, activity)
    obj = await vouched_object(services, activity, board)
    if not is_listing(obj):
        raise Drop("the announced object is not a listing")
    if await JobListing.filter(ap_id=id_of(obj)).exists():
        raise Drop("the listing is already here (its Update keeps it current)")
    try:
        poster = await get_actor(services, id_of(obj.get("attributedTo")) or "")
    except ActorError as exc:
        raise Drop(f"the listing's poster is unavailable: {exc}") from exc
    await check_wanted(services, poster, via=board)
    await store_listing(services, poster, obj)
