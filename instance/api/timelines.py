"""Timelines (home, public, tag) and the bookmarks and favourites lists. Home is read
from the follow graph at request time: the ids of a page first, then the page's
statuses in a handful of batch queries."""

from __future__ import annotations

import asyncio

from quart import Blueprint

from instance.api.auth import me, scoped, viewer
from instance.api.body import params
from instance.api.common import base_url, json_page
from instance.api.filtering import active_filters, apply_filters
from instance.api.paging import Page, link_header, page
from instance.api.status_batch import social_graph, statuses_for
from instance.api.visibility import outside_blocked_domains, shown_works
from instance.storage.models import Bookmark, Like, WorkState

blueprint = Blueprint("api_timelines", __name__, url_prefix="/api/v1")


async def _page_of(query, paging: Page, hidden: set[int] | None = None):
    """Ids for the page, then the entities; Link header from the page's own ids."""
    reader = viewer()
    if hidden is None:
        hidden = (await social_graph(reader.id))[1] if reader else set()
    if hidden:
        query = query.filter(account_id__not_in=list(hidden))
    if reader is not None:
        query = query.filter(outside_blocked_domains(reader.id))
    ids = list(await paging.apply(query, "id").values_list("id", flat=True))
    if paging.min_id is not None:
        ids.reverse()
    body = await statuses_for(ids, base_url(), reader.id if reader else None)
    body = await apply_filters(body, reader.id if reader else None, "public")
    return json_page(body, link_header(base_url(), ids[0] if ids else None, ids[-1] if ids else None))


async def _public(query):
    """Public timelines leave out silenced accounts and domains (followers still see them
    in home)."""
    from instance.moderation.domains import silenced_accounts_filter

    return query.exclude(await silenced_accounts_filter())


def _filters(query, p):
    if p.flag("only_media"):
        query = query.filter(media__id__not_isnull=True).distinct()
    return query


@blueprint.get("/timelines/home")
@scoped("read:statuses")
async def home():
    from instance.api.home import home_items, home_statuses

    p = await params()
    account = me()
    items, filters = await asyncio.gather(
        home_items(account.id, page(p), p.flag("only_media")), active_filters(account.id, "home")
    )
    statuses = await home_statuses(items, base_url(), account.id)
    body = await apply_filters(statuses, account.id, "home", filters)
    first, last = (items[0][1], items[-1][1]) if items else (None, None)
    return json_page(body, link_header(base_url(), first, last))


@blueprint.get("/timelines/public")
@scoped("read:statuses", public=True)
async def public():
    p = await params()
    query = await _public(shown_works().filter(visibility="public"))
    if p.flag("local"):
        query = query.filter(local=True)
    elif p.flag("remote"):
        query = query.filter(local=False)
    return await _page_of(_filters(query, p), page(p))


@blueprint.get("/timelines/tag/<hashtag>")
@scoped("read:statuses", public=True)
async def tag(hashtag: str):
    p = await params()
    name = hashtag.lower().lstrip("#")[:255]
    query = await _public(shown_works().filter(visibility="public", tags__name=name))
    if p.flag("local"):
        query = query.filter(local=True)
    elif p.flag("remote"):
        query = query.filter(local=False)
    return await _page_of(_filters(query, p), page(p))


async def _saved(model, scope_owner: int):
    p = await params()
    paging = page(p, default=20, maximum=40)
    rows = await paging.rows(model.filter(account_id=scope_owner, work__state=WorkState.READY,
                                                work__deleted_at=None))
    body = await statuses_for([r.work_id for r in rows], base_url(), scope_owner)
    return json_page(
        body, link_header(base_url(), rows[0].id if rows else None, rows[-1].id if rows else None)
    )


@blueprint.get("/bookmarks")
@scoped("read:bookmarks")
async def bookmarks():
    return await _saved(Bookmark, me().id)


@blueprint.get("/favourites")
@scoped("read:favourites")
async def favourites():
    return await _saved(Like, me().id)
