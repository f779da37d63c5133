"""A direct reply to a local job listing: an application from an artist on another
server, sent from any app (federation/jobapplication.py). Recorded as a JobApplication
with the artist's actor, message and links, under the same rules as a local one: the
listing is open and takes applications through Impasto, one per artist, a daily bound."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from federation.jobapplication import ApplicationRejected, parse_application
from inbox.common import sender, vouched_object
from inbox.errors import Drop
from instance.services import Services
from instance.storage.models import JobApplication, JobListing, ListingState
from instance.storage.models.jobboard import ApplyVia
from instance.text import sanitise


async def handle(services: Services, activity: dict) -> None:
    artist = await sender(services, activity)
    obj = await vouched_object(services, activity, artist)
    settings = services.config.jobboard
    try:
        doc = parse_application(obj, max_links=settings.works_per_application)
    except ApplicationRejected as exc:
        raise Drop(f"not an application: {exc}") from exc
    if doc.author != artist.ap_id:
        raise Drop("an application is sent by its author")
    listing = await JobListing.get_or_none(ap_id=doc.listing, local=True)
    if listing is None or listing.state != ListingState.OPEN or listing.held:
        raise Drop("the listing is not open for applications")
    if listing.apply_via != ApplyVia.IMPASTO:
        raise Drop(f"the listing takes applications at {listing.apply_target}")
    if listing.poster_id == artist.id:
        raise Drop("a poster does not apply to their own listing")
    since = datetime.now(UTC) - timedelta(days=1)
    if await JobApplication.filter(applicant_id=artist.id, created_at__gte=since).count() \
            >= settings.applications_per_day:
        raise Drop("the artist sent too many applications today")
    try:
        async with in_transaction() as connection:
            await JobApplication.create(
                ap_id=doc.ap_id, listing_id=listing.id, applicant_id=artist.id,
                message=sanitise(doc.message), links=doc.links, using_db=connection)
            await JobListing.filter(id=listing.id).using_db(connection).update(
                applications_count=F("applications_count") + 1)
    except IntegrityError:
        raise Drop("this artist has already applied to this listing") from None
