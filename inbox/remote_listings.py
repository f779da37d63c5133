"""Storing a listing from another server in the board's own table (`local` false, its
poster the remote actor's Account), and whether this server wants it at all.

Every door checks the same things: `[jobboard] remote_listings` (off, followed, all), a
suspended domain (never stored, whoever relays it), the object's origin (a listing's id
lives on its poster's server), and the fields (federation/joblisting.parse_listing: a
malformed listing is dropped with the reason, nothing half-stored). Silenced domains'
listings are stored but left off the "other servers" tab (instance/jobboard/board.py).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

import nh3
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from federation.joblisting import ListingRejected, parse_listing
from federation.vocab import same_origin
from inbox.common import has_local_followers
from inbox.errors import Drop
from instance.jobboard.fields import tags_index
from instance.moderation.gate import url_is_suspended
from instance.services import Services
from instance.storage.models import Account, JobListing, ListingState
from instance.text import sanitise

ENDED = (ListingState.CLOSED, ListingState.FILLED, ListingState.EXPIRED)


def plain_text(markup: str) -> str:
    """The description's words, for the board's text search."""
    return html.unescape(nh3.clean(markup, tags=set())).strip()


async def check_wanted(services: Services, poster: Account, via: Account | None = None) -> None:
    """Drop unless this server takes listings from `poster` (or relayed by `via`, a
    server's jobs actor): the setting, then domain policy, then who is followed."""
    mode = services.config.jobboard.remote_listings
    if mode == "off":
        raise Drop("this server takes no listings from other servers ([jobboard] remote_listings)")
    for account in (poster, via):
        if account is not None and await url_is_suspended(services, account.ap_id):
            raise Drop("the listing's domain is suspended here")
    if mode == "all":
        return
    if await has_local_followers(poster) or (via is not None and await has_local_followers(via)):
        return
    raise Drop("nobody here follows the poster or a board that announced the listing")


async def store_listing(services: Services, poster: Account, obj: dict) -> JobListing:
    """Create or refresh a remote listing from its object (the caller decided it is
    wanted and checked who sent it)."""
    try:
        doc = parse_listing(obj, description_chars=services.config.jobboard.description_chars)
    except ListingRejected as exc:
        raise Drop(f"malformed listing: {exc}") from exc
    if doc.attributed_to != poster.ap_id or not same_origin(doc.ap_id, poster.ap_id):
        raise Drop("a listing's id must live on its poster's server")
    values = doc.columns()
    values["description"] = sanitise(doc.description)
    values.update(description_source=plain_text(values["description"]),
                  tags_index=tags_index(doc.skills, doc.mediums), url=doc.url or None,
                  edited_at=doc.updated)
    existing = await JobListing.get_or_none(ap_id=doc.ap_id)
    if existing is None:
        try:
            async with in_transaction() as connection:
                return await JobListing.create(
                    ap_id=doc.ap_id, local=False, poster_id=poster.id,
                    published_at=doc.published or datetime.now(UTC),
                    closed_at=doc.updated if doc.state in ENDED else None,
                    held=services.config.jobboard.hold_remote_listings, **values,
                    using_db=connection)
        except IntegrityError:  # the Create and the jobs actor's Announce crossed
            existing = await JobListing.get_or_none(ap_id=doc.ap_id)
            if existing is None:
                raise
    return await _refresh(existing, poster, values)


async def _refresh(listing: JobListing, poster: Account, values: dict) -> JobListing:
    if listing.local or listing.poster_id != poster.id:
        raise Drop("only the poster changes a listing")
    if listing.state == ListingState.REMOVED:
        raise Drop("the listing was removed here")
    if values["state"] in ENDED and listing.state not in ENDED:
        listing.closed_at = values["edited_at"] or datetime.now(UTC)
    for name, value in values.items():
        setattr(listing, name, value)
    await listing.save()
    return listing
