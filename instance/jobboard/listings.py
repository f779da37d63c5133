"""A listing's life: written as a draft or opened at once, edited while draft or open,
closed or filled by its poster, expired by the periodic job once its deadline passes,
removed by a moderator. Every move follows LISTING_TRANSITIONS and tells
`hooks.listing_changed` inside its transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from instance.errors import Refused
from instance.jobboard import hooks
from instance.jobboard.fields import ListingError, ListingInput, read_listing
from instance.jobs import JobContext
from instance.services import Services
from instance.storage.models import Account, JobApplication, JobListing, ListingState, User
from instance.storage.models.jobboard import LISTING_TRANSITIONS
from instance.storage.models.states import allowed
from instance.text import render
from instance.translation import gettext as _

STAFF = ("admin", "moderator")
EDITABLE = (ListingState.DRAFT, ListingState.OPEN)
ENDINGS = (ListingState.CLOSED, ListingState.FILLED)


class NotAllowedToPost(Refused):
    status = 403
    title = "Not allowed"


class ListingNotFound(Refused):
    status = 404
    title = "No such listing"


class ListingStateError(Refused):
    status = 409
    title = "Not done"


class TooManyListings(Refused):
    status = 429
    title = "Slow down"


MAX_ID = 2**63 - 1  # BIGINT: a larger id in a URL is "not found", never a database error


def now() -> datetime:
    return datetime.now(UTC)


def row_id(value: int, refusal: type[Refused], what: str) -> int:
    """`value` if it can be a row id, else `refusal` ("No such …")."""
    if not 0 < value <= MAX_ID:
        raise refusal(f"No such {what}")
    return value


def may_post(services: Services, user: User) -> bool:
    """The `[jobboard] posting` rule: everyone, approved posters (and staff), or staff."""
    rule = services.config.jobboard.posting
    if user.disabled or not user.approved:
        return False
    if rule == "everyone" or user.role in STAFF:
        return True
    return rule == "approved" and bool((user.settings or {}).get("jobboard_poster"))


def _check_may_post(services: Services, user: User) -> None:
    if not may_post(services, user):
        raise NotAllowedToPost(_("On this server only moderators may post listings")
                               if services.config.jobboard.posting == "staff"
                               else _("On this server only approved posters may post listings"))


async def _check_rate(services: Services, poster_id: int) -> None:
    limit = services.config.jobboard.listings_per_day
    since = now() - timedelta(days=1)
    if await JobListing.filter(poster_id=poster_id, published_at__gte=since).count() >= limit:
        raise TooManyListings(_("You have opened %(limit)s listings in the last 24 hours; try again tomorrow",
                                limit=limit), headers={"Retry-After": "3600"})


def read(services: Services, data: Mapping[str, Any]) -> ListingInput:
    """The form or API fields, checked against this server's bounds."""
    return read_listing(data, description_chars=services.config.jobboard.description_chars,
                        now=now())


async def own_listing(user: User, listing_id: int) -> JobListing:
    """The user's own local listing (staff may act on any local one)."""
    listing = await JobListing.get_or_none(id=row_id(listing_id, ListingNotFound, "listing"),
                                           local=True)
    if listing is None or listing.state == ListingState.REMOVED or (
            listing.poster_id != user.account_id and user.role not in STAFF):
        raise ListingNotFound(_("No such listing of yours"))
    return listing


def _move(listing: JobListing, new: ListingState) -> None:
    if not allowed(LISTING_TRANSITIONS, listing.state, new):
        raise ListingStateError(_("A listing that is %(state)s cannot become %(new)s",
                                  state=listing.state, new=new))
    listing.state = new


async def create_listing(services: Services, user: User, data: Mapping[str, Any], *,
                         publish: bool) -> JobListing:
    """A new listing from `data`, opened at once when `publish` (else a draft)."""
    _check_may_post(services, user)
    fields = read(services, data)
    if publish:
        await _check_rate(services, user.account_id)
    account: Account = await Account.get(id=user.account_id)
    async with in_transaction() as connection:
        listing = await JobListing.create(
            ap_id=services.urls.listing_placeholder(account.ap_id, uuid.uuid4().hex),
            local=True, poster_id=account.id,
            description=render(fields.description_source, services.config.base_url).html,
            description_source=fields.description_source, **fields.columns(),
            state=ListingState.OPEN if publish else ListingState.DRAFT,
            published_at=now() if publish else None, using_db=connection)
        listing.ap_id = services.urls.listing(account.ap_id, listing.id)
        listing.url = services.urls.listing_page(listing.id)
        await listing.save(update_fields=["ap_id", "url"], using_db=connection)
        if publish:
            await hooks.listing_changed(services, listing, "Create", connection)
    return listing


async def edit_listing(services: Services, user: User, listing_id: int,
                       data: Mapping[str, Any]) -> JobListing:
    """Replace a draft's or an open listing's fields (an open one sends an Update)."""
    listing = await own_listing(user, listing_id)
    if listing.state not in EDITABLE:
        raise ListingStateError(_("A listing that is %(state)s can no longer be edited", state=listing.state))
    fields = read(services, data)
    for name, value in fields.columns().items():
        setattr(listing, name, value)
    listing.description_source = fields.description_source
    listing.description = render(fields.description_source, services.config.base_url).html
    async with in_transaction() as connection:
        if listing.state == ListingState.OPEN:
            listing.edited_at = now()
            await listing.save(using_db=connection)
            await hooks.listing_changed(services, listing, "Update", connection)
        else:
            await listing.save(using_db=connection)
    return listing


async def open_listing(services: Services, user: User, listing_id: int) -> JobListing:
    """Put a draft on the board."""
    _check_may_post(services, user)
    listing = await own_listing(user, listing_id)
    _move(listing, ListingState.OPEN)
    if listing.deadline is not None and listing.deadline <= now():
        raise ListingError(_("The deadline is in the past: edit it before opening the listing"))
    await _check_rate(services, listing.poster_id)
    listing.published_at = now()
    async with in_transaction() as connection:
        await listing.save(update_fields=["state", "published_at"], using_db=connection)
        await hooks.listing_changed(services, listing, "Create", connection)
    return listing


async def end_listing(services: Services, listing: JobListing, state: ListingState,
                      reason: str = "") -> JobListing:
    """Close, fill or expire an open listing (it stays readable, takes no applications)."""
    _move(listing, state)
    listing.closed_at, listing.state_reason = now(), reason[:500]
    async with in_transaction() as connection:
        await listing.save(update_fields=["state", "closed_at", "state_reason"],
                           using_db=connection)
        await hooks.listing_changed(services, listing, "Update", connection)
    return listing


async def close_listing(services: Services, user: User, listing_id: int,
                        state: ListingState = ListingState.CLOSED) -> JobListing:
    """The poster closes a listing (CLOSED) or says it is taken (FILLED)."""
    if state not in ENDINGS:
        raise ListingStateError(_("A listing is ended as closed or filled"))
    return await end_listing(services, await own_listing(user, listing_id), state)


async def remove_listing(services: Services, listing: JobListing, reason: str = "") -> None:
    """A moderator's removal: off every page, a Delete for those who got it; the row stays
    as a tombstone (its applications go with it)."""
    was_public = listing.state != ListingState.DRAFT
    _move(listing, ListingState.REMOVED)
    listing.closed_at, listing.state_reason = now(), reason[:500]
    async with in_transaction() as connection:
        await listing.save(update_fields=["state", "closed_at", "state_reason"],
                           using_db=connection)
        await JobApplication.filter(listing_id=listing.id).using_db(connection).delete()
        if listing.local and was_public:
            await hooks.listing_changed(services, listing, "Delete", connection)


async def expire_due(services: Services) -> int:
    """Expire every open local listing whose deadline has passed; returns how many."""
    due = await JobListing.filter(state=ListingState.OPEN, local=True, deadline__lte=now())
    for listing in due:
        await end_listing(services, listing, ListingState.EXPIRED, "The deadline passed")
    return len(due)


async def expire_job(ctx: JobContext, payload: dict) -> None:
    """The periodic `jobboard.expire` job (instance.jobs.schedule)."""
    await expire_due(ctx.services)
