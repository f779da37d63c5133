"""Search on the web (`/search?q=…`): artists by name or handle, tags, and works by title,
tag or medium (and the artist's availability, whose badge each artist result shows).
A remote handle (@name@server) is looked up on its server through
WebFinger and the guarded client when a signed-in person asks; a failure is a sentence
on the page, and a suspended server is never asked."""

from __future__ import annotations

from quart import Blueprint, render_template, request
from tortoise.expressions import Q

from instance.actors.lookup import LookupRefused
from instance.actors.remote import find_acct
from instance.jobboard.availability import LABELS as AVAILABILITY_LABELS
from instance.moderation.domains import silenced_accounts_filter
from instance.services import current_services
from instance.storage.models import Account, ArtistAvailability
from instance.web import jobboard_text
from instance.web.i18n import gettext
from instance.web.pages import public_works
from instance.web.session import current_user
from instance.web.social import parse_handle
from instance.web.work_filters import (
    AVAILABLE,
    SORTS,
    WorkFilters,
    medium_choices,
    page_of,
    tags_matching,
)

blueprint = Blueprint("search", __name__)

ARTISTS = 20


async def artists_matching(text: str) -> list[Account]:
    """Discoverable artists whose handle starts with, or whose name contains, `text`."""
    name = text.strip().lstrip("@").split("@", 1)[0]
    if not name:
        return []
    return await (
        Account.filter(Q(username__istartswith=name) | Q(display_name__icontains=text.strip()),
                       suspended=False, discoverable=True)
        .exclude(ap_id=current_services().urls.instance_actor)
        .order_by("domain", "username").limit(ARTISTS)
    )


async def _handle_lookup(text: str) -> tuple[Account | None, str | None]:
    """An exact @name@server: found here, or looked up on its server for a signed-in
    person. Returns the account, or why there is none (a sentence)."""
    handle = parse_handle(text)
    if handle is None:
        return None, None
    services = current_services()
    username, server = handle
    local = server == services.config.instance.domain.lower()
    known = await Account.get_or_none(username=username.lower() if local else username,
                                      domain=None if local else server, suspended=False)
    if known is not None or local:
        return known, None if known else f"There is no artist @{username} here."
    if await current_user() is None:
        return None, f"Log in to look up @{username}@{server} on {server}."
    try:
        return await find_acct(services, username, server), None
    except LookupRefused as exc:
        return None, exc.message


async def availability_badges(artists: list[Account]) -> dict[int, tuple[str, str]]:
    """Each artist's availability (status, label) for the badge beside their name."""
    rows = await ArtistAvailability.filter(account_id__in=[a.id for a in artists])
    return {r.account_id: (r.status, jobboard_text.availability_text(r.status)) for r in rows
            if r.status in AVAILABILITY_LABELS}


@blueprint.get("/search")
async def search():
    filters = WorkFilters.from_args(request.args)
    q = filters.q
    exact, lookup_error = await _handle_lookup(q) if q else (None, None)
    if exact is not None or lookup_error is not None:  # a full handle: that one artist
        artists = [exact] if exact is not None else []
    else:
        artists = await artists_matching(q) if q else []
    show_works = bool(q) and exact is None and lookup_error is None
    works: list = []
    more = False
    if show_works:
        query = public_works().exclude(await silenced_accounts_filter())
        works, more = await page_of(query, filters)
    return await render_template(
        "search.html", q=q, filters=filters, artists=artists,
        badges=await availability_badges(artists) if artists else {}, lookup_error=lookup_error,
        tags=await tags_matching(q) if q else [], works=works, more=more, show_works=show_works,
        search=True, sorts=SORTS, available_choices=AVAILABLE, mediums=await medium_choices(public_works()),
        title=gettext("Search: %(query)s", query=q) if q else gettext("Search"),
    )
