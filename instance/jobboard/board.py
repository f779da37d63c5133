"""The board: which listings show, in what order, under which filters; one reading of the
filters for the page, its Atom feed and the API. Also an artist's saved listings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlencode

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from instance.jobboard.listings import ListingNotFound, row_id
from instance.moderation.domains import silenced_accounts_filter
from instance.storage.models import JobListing, ListingState, SavedListing
from instance.storage.models.jobboard import ListingKind, LocationMode
from instance.translation import gettext as _

PAGE_SIZE = 20
MAX_PAGE = 500
SHOWN = (ListingState.OPEN,)  # what the board lists: open listings only
READABLE = (ListingState.OPEN, ListingState.CLOSED, ListingState.FILLED, ListingState.EXPIRED)
ORIGINS = ("here", "other")


@dataclass(frozen=True)
class BoardFilter:
    """The board's filters as query parameters; unknown or malformed values are ignored
    (a filter link that no longer parses shows the unfiltered board, never an error)."""

    q: str = ""
    kind: str = ""
    where: str = ""  # a LocationMode value
    tag: str = ""  # a skill or a medium
    min_pay: int | None = None
    currency: str = ""
    location: str = ""  # part of the city or the country
    no_ai_work: bool = False
    no_ai_training: bool = False
    origin: str = "here"  # this server's listings, or other servers' (federation)

    @classmethod
    def read(cls, args: Mapping[str, Any]) -> BoardFilter:
        def text(name: str, limit: int = 100) -> str:
            value = args.get(name)
            return str(value).strip()[:limit] if isinstance(value, str | int) else ""

        pay = text("min_pay", 15).replace(",", "")
        return cls(
            q=text("q", 200),
            kind=text("kind") if text("kind") in {k.value for k in ListingKind} else "",
            where=text("where") if text("where") in {m.value for m in LocationMode} else "",
            tag=" ".join(text("tag").lower().lstrip("#").split()),
            min_pay=int(pay) if pay.isascii() and pay.isdigit() else None,
            currency=text("currency", 3).upper() if text("currency", 3).isalpha() else "",
            location=text("location"),
            no_ai_work=text("no_ai_work").lower() in ("1", "true", "on"),
            no_ai_training=text("no_ai_training").lower() in ("1", "true", "on"),
            origin=text("origin") if text("origin") in ORIGINS else "here",
        )

    def query_string(self, **changes: Any) -> str:
        """These filters (with `changes`) as a query string, defaults left out."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | changes
        kept = {k: ("1" if v is True else v) for k, v in values.items()
                if v not in ("", None, False) and not (k == "origin" and v == "here")}
        return urlencode(kept)

    @property
    def active(self) -> bool:
        return self.query_string() != ""

    @property
    def narrowing(self) -> int:
        """How many filters beyond the text search are set (the page says so)."""
        return sum(1 for f in fields(self) if f.name not in ("q", "origin")
                   and getattr(self, f.name) not in ("", None, False))


def board_query(f: BoardFilter) -> QuerySet[JobListing]:
    """Open listings under `f`, newest first, from active posters."""
    query = JobListing.filter(state__in=SHOWN, held=False, poster__suspended=False,
                              local=(f.origin == "here"))
    if f.q:
        query = query.filter(Q(title__icontains=f.q) | Q(description_source__icontains=f.q)
                             | Q(organisation_name__icontains=f.q)
                             | Q(tags_index__icontains=f.q))
    if f.kind:
        query = query.filter(kind=f.kind)
    if f.where:
        query = query.filter(location_mode=f.where)
    if f.tag:
        query = query.filter(tags_index__icontains=f",{f.tag},")
    if f.min_pay is not None:
        # pays at least this much: the top of the range reaches it (pay on request is left out)
        query = query.filter(pay_on_request=False).filter(
            Q(pay_max__gte=f.min_pay) | Q(pay_max__isnull=True, pay_min__gte=f.min_pay))
    if f.currency:
        query = query.filter(pay_currency=f.currency)
    if f.location:
        query = query.filter(Q(city__icontains=f.location) | Q(country__icontains=f.location))
    if f.no_ai_work:
        query = query.filter(no_ai_work=True)
    if f.no_ai_training:
        query = query.filter(no_ai_training=True)
    return query.order_by("-published_at", "-id")


async def shown_query(f: BoardFilter) -> QuerySet[JobListing]:
    """`board_query` with domain policy: the "other servers" tab leaves out listings of
    silenced accounts and silenced domains (suspended ones are never stored), and those
    past their deadline (their server expires them, but may never say so)."""
    query = board_query(f)
    if f.origin == "other":
        query = query.exclude(await silenced_accounts_filter("poster")).filter(
            Q(deadline__isnull=True) | Q(deadline__gt=datetime.now(UTC)))
    return query


async def board_page(f: BoardFilter, page: int) -> tuple[list[JobListing], bool]:
    """One page of the board (1-based) and whether there is a next one."""
    page = min(max(page, 1), MAX_PAGE)
    rows = await (await shown_query(f)).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1) \
        .select_related("poster")
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


async def readable_listing(listing_id: int, viewer_account_id: int | None) -> JobListing:
    """A listing anyone may read (a draft only by its poster); 404 otherwise."""
    listing = await JobListing.filter(id=row_id(listing_id, ListingNotFound, "listing")) \
        .select_related("poster").first()
    if listing is None or listing.poster.suspended:
        raise ListingNotFound(_("No such listing"))
    if listing.state == ListingState.DRAFT and listing.poster_id == viewer_account_id:
        return listing
    if listing.state not in READABLE or listing.held:
        raise ListingNotFound(_("No such listing"))
    return listing


async def open_listings_of(account_id: int, limit: int = 10) -> list[JobListing]:
    """A poster's open listings, newest first (their profile shows them)."""
    return await JobListing.filter(poster_id=account_id, state=ListingState.OPEN,
                                   held=False).order_by("-published_at").limit(limit)


async def save(account_id: int, listing_id: int) -> None:
    """Keep a listing for later (saving twice is a no-op)."""
    await readable_listing(listing_id, account_id)
    try:
        await SavedListing.create(account_id=account_id, listing_id=listing_id)
    except IntegrityError:
        pass


async def unsave(account_id: int, listing_id: int) -> None:
    await SavedListing.filter(account_id=account_id,
                              listing_id=row_id(listing_id, ListingNotFound, "listing")).delete()


async def saved(account_id: int) -> list[JobListing]:
    """The artist's saved listings that can still be read, most recently saved first."""
    ids = await SavedListing.filter(account_id=account_id).order_by("-created_at", "-id") \
        .values_list("listing_id", flat=True)
    rows = {row.id: row for row in await JobListing.filter(
        id__in=ids, state__in=READABLE, held=False).select_related("poster")}
    return [rows[i] for i in ids if i in rows]


async def saved_among(account_id: int, rows: list[JobListing]) -> set[int]:
    """Which of these listings the artist saved (one query for a page of cards)."""
    if not rows:
        return set()
    ids = await SavedListing.filter(account_id=account_id, listing_id__in=[r.id for r in rows]
                                    ).values_list("listing_id", flat=True)
    return set(cast(list[int], ids))


async def is_saved(account_id: int, listing_id: int) -> bool:
    return await SavedListing.filter(account_id=account_id, listing_id=listing_id).exists()
