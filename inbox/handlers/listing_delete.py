"""Delete of a remote job listing by its poster: it leaves the board (kept as a removed
tombstone so a late Create or Announce cannot bring it back), with the applications
artists here sent to it."""

from __future__ import annotations

from federation.vocab import id_of
from inbox.common import object_id
from inbox.errors import Drop
from instance.jobboard.listings import remove_listing
from instance.services import Services
from instance.storage.models import Account, JobListing, ListingState


async def handle(services: Services, activity: dict) -> None:
    listing = await JobListing.get_or_none(ap_id=object_id(activity), local=False)
    if listing is None:
        raise Drop("no such listing here")
    actor = await Account.get_or_none(ap_id=id_of(activity.get("actor")))
    if actor is None or listing.poster_id != actor.id:
        raise Drop("only the poster deletes a listing")
    if listing.state == ListingState.REMOVED:
        raise Drop("already removed")
    await remove_listing(services, listing, "Deleted by its poster")
