"""The job board over ActivityPub: the jobs actor (@jobs@domain, a Service) with its
outbox of Announces and its followers count, and each local listing's Note at its id
(a Tombstone once removed). Browsers asking for these are sent to the board's pages."""

from __future__ import annotations

from quart import Blueprint, redirect, request

from federation import documents
from federation.jsonld import outgoing_context
from instance.actors.jobs_actor import JOBS_WEBFINGER_NAME, jobs_actor
from instance.services import current_services
from instance.storage.models import Account, Follow, FollowState, JobListing, OutboxActivity
from instance.storage.models.jobboard import ListingState
from instance.web.activitypub.signed_fetch import (
    ap_json,
    error,
    signed_fetch_refusal,
    wants_activitypub,
)
from outbox.documents import listing_note, person_for

blueprint = Blueprint("federation_jobboard", __name__)

PAGE_SIZE = 20
PUBLISHED = (ListingState.OPEN, ListingState.CLOSED, ListingState.FILLED, ListingState.EXPIRED)


@blueprint.get("/services/jobs")
async def jobs_actor_document():
    """Always public, like the instance actor: anyone on any server may follow it."""
    services = current_services()
    account = await jobs_actor(services)
    if not wants_activitypub():
        return redirect(services.urls.job_board)
    doc = person_for(services, account)
    doc["preferredUsername"] = JOBS_WEBFINGER_NAME  # Mastodon checks acct:jobs@domain back
    return ap_json({"@context": outgoing_context(), **doc})


@blueprint.get("/services/jobs/outbox")
async def jobs_actor_outbox():
    services = current_services()
    account = await jobs_actor(services)
    ident = services.urls.jobs_actor_outbox
    query = OutboxActivity.filter(account_id=account.id, activity_type="Announce")
    if not request.args.get("page"):
        return ap_json(documents.ordered_collection(ident, await query.count(), f"{ident}?page=true"))
    raw = request.args.get("max_id", "")
    if raw.isdigit():
        query = query.filter(id__lt=int(raw))
    rows = await query.order_by("-id").limit(PAGE_SIZE)
    items = [{k: v for k, v in row.document.items() if k != "@context"} for row in rows]
    next_url = f"{ident}?page=true&max_id={rows[-1].id}" if len(rows) == PAGE_SIZE else None
    return ap_json(documents.ordered_page(f"{ident}?page=true" + (f"&max_id={raw}" if raw else ""),
                                          ident, items, next_url))


@blueprint.get("/services/jobs/followers")
async def jobs_actor_followers():
    """The count only: who follows the board is nobody else's business."""
    services = current_services()
    account = await jobs_actor(services)
    total = await Follow.filter(target_id=account.id, state=FollowState.ACCEPTED).count()
    return ap_json(documents.ordered_collection(services.urls.jobs_actor_followers, total, None))


@blueprint.get("/users/<username>/listings/<int:listing_id>")
async def listing_object(username: str, listing_id: int):
    services = current_services()
    poster = await Account.get_or_none(username=username.lower(), domain=None, suspended=False)
    listing = await JobListing.get_or_none(id=listing_id, poster_id=poster.id, local=True) \
        if poster is not None else None
    if listing is None or listing.state == ListingState.DRAFT:
        return error(404, "no such listing")
    if not wants_activitypub():
        return redirect(services.urls.listing_page(listing.id))
    refusal = await signed_fetch_refusal()
    if refusal is not None:
        return refusal
    if listing.state not in PUBLISHED:
        return ap_json({"@context": outgoing_context(), **documents.tombstone(listing.ap_id or ""),
                        "formerType": "Note"}, status=410)
    return ap_json({"@context": outgoing_context(), **await listing_note(services, listing)})
