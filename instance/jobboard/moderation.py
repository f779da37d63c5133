"""Moderators' decisions on listings, one function each, shared by the admin pages and
`impasto jobs-board`: release or reject a listing from another server held for approval
(`[jobboard] hold_remote_listings`), and remove any listing (a local one's Delete goes
to everyone who got it). Each decision leaves an audit entry."""

from __future__ import annotations

from instance.errors import Refused
from instance.jobboard.listings import ListingNotFound, remove_listing, row_id
from instance.services import Services
from instance.storage.models import Account, AuditEntry, JobListing, ListingState
from instance.translation import gettext as _

MAX_REASON = 500


class NotHeld(Refused):
    status = 404
    title = "No such held listing"


async def held_listings(limit: int = 200) -> list[JobListing]:
    """Listings from other servers waiting for a moderator, oldest first."""
    return await JobListing.filter(local=False, held=True).exclude(
        state=ListingState.REMOVED).order_by("created_at", "id").limit(limit) \
        .prefetch_related("poster")


async def _held(listing_id: int) -> JobListing:
    listing = await JobListing.get_or_none(
        id=row_id(listing_id, NotHeld, "held listing"), local=False, held=True)
    if listing is None or listing.state == ListingState.REMOVED:
        raise NotHeld(_("No held listing from another server with id %(listing_id)s", listing_id=listing_id))
    return listing


async def _audit(actor: Account | None, action: str, listing: JobListing, reason: str) -> None:
    await AuditEntry.create(actor=actor, action=action, target=listing.ap_id or str(listing.id),
                            detail={"listing": listing.id, "title": listing.title[:200],
                                    "reason": reason})


async def release_listing(listing_id: int, actor: Account | None = None) -> JobListing:
    """Approve a held listing: it joins the "other servers" tab."""
    listing = await _held(listing_id)
    listing.held = False
    await listing.save(update_fields=["held", "updated_at"])
    await _audit(actor, "listing.release", listing, "")
    return listing


async def reject_listing(services: Services, listing_id: int, actor: Account | None = None,
                         reason: str = "") -> JobListing:
    """Refuse a held listing: it never shows, and its id stays a tombstone, so the same
    listing arriving again is not held a second time."""
    listing = await _held(listing_id)
    reason = reason.strip()[:MAX_REASON]
    await remove_listing(services, listing, reason or "Not approved by a moderator")
    await _audit(actor, "listing.reject", listing, reason)
    return listing


async def moderate_remove(services: Services, listing_id: int, actor: Account | None = None,
                          reason: str = "") -> JobListing:
    """A moderator removes any listing (local: a Delete federates; its applications go)."""
    listing = await JobListing.get_or_none(id=row_id(listing_id, ListingNotFound, "listing"))
    if listing is None or listing.state == ListingState.REMOVED:
        raise ListingNotFound(_("No such listing"))
    reason = reason.strip()[:MAX_REASON]
    await remove_listing(services, listing, reason)
    await _audit(actor, "listing.remove", listing, reason)
    return listing
