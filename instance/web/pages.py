"""Public pages: explore, tags, an artist's portfolio, a work, a collection, and the
artist's Atom feed."""

from __future__ import annotations

from typing import Any, cast

from quart import Blueprint, Response, abort, redirect, render_template, request, url_for

from instance.actions.collections import cover_of
from instance.actions.pins import MAX_PINNED
from instance.emoji.store import web_map
from instance.moderation.domains import silenced_accounts_filter
from instance.services import current_services
from instance.storage.models import (
    Account,
    Boost,
    Collection,
    CollectionItem,
    Follow,
    Like,
    User,
    Work,
    WorkState,
)
from instance.storage.models.accounts import PortfolioLayout
from instance.storage.visibility import can_see, outside_blocked_domains
from instance.web.i18n import gettext
from instance.web.render import ordered_media
from instance.web.session import current_user
from instance.web.work_filters import AVAILABLE, SORTS, WorkFilters, medium_choices, page_of

blueprint = Blueprint("pages", __name__)

PAGE_SIZE = 24


def public_works():
    """Works anyone may see: published, public, not hidden, by an active account."""
    return Work.filter(
        state=WorkState.READY,
        visibility="public",
        hidden=False,
        deleted_at=None,
        account__suspended=False,
        in_reply_to_id=None,
    )


async def viewer_state(work: Work) -> dict:
    """Whether the logged-in viewer liked or boosted the work (for its buttons)."""
    me = await current_user()
    if me is None:
        return {"liked": False, "boosted": False}
    return {
        "liked": await Like.filter(account_id=me.account_id, work_id=work.id).exists(),
        "boosted": await Boost.filter(account_id=me.account_id, work_id=work.id).exists(),
    }


async def search_opt_out(account: Account) -> bool:
    """The artist asked search engines not to index their pages (a setting)."""
    settings = cast(list[dict[str, Any] | None],
                    await User.filter(account_id=account.id).values_list("settings", flat=True))
    return bool(settings) and (settings[0] or {}).get("search_engines") == "deny"


async def public_replies(work: Work) -> list[Work]:
    return (
        await Work.filter(
            in_reply_to=work,
            state=WorkState.READY,
            hidden=False,
            deleted_at=None,
            visibility__in=("public", "unlisted"),
        )
        .order_by("id")
        .prefetch_related("account")
    )


def _before_id() -> int | None:
    raw = request.args.get("before", "")
    return int(raw) if raw.isdigit() else None


async def _page(query, artist: Account | None = None):
    """A page of works, newest first. With `artist` (a portfolio: every work is theirs)
    the account is set on each work instead of loaded again, one query fewer."""
    before = _before_id()
    if before is not None:
        query = query.filter(id__lt=before)
    related = (ordered_media(),) if artist else (ordered_media(), "account")
    works = await query.order_by("-id").limit(PAGE_SIZE + 1).prefetch_related(*related)
    if artist is not None:
        for work in works:
            work.account = artist
    more = len(works) > PAGE_SIZE
    return works[:PAGE_SIZE], (works[PAGE_SIZE - 1].id if more else None)


@blueprint.get("/")
async def home():
    """Explore: this server's public works, filtered by medium, tag or the artist's
    availability, recent or most liked."""
    filters = WorkFilters.from_args(request.args)
    local = public_works().filter(local=True)
    works, more = await page_of(local, filters)
    heading = gettext("Most liked works") if filters.sort == "liked" else gettext("Recent works")
    return await render_template(
        "explore.html", works=works, filters=filters, more=more, sorts=SORTS,
        available_choices=AVAILABLE, mediums=await medium_choices(local), title=gettext("Explore"),
        heading=heading,
    )


@blueprint.get("/about")
async def about():
    """Who runs this server and by which rules: description, rules, staff, the AI policy in
    plain words and the moderated servers with their public reasons."""
    from instance.moderation import about as facts

    config = current_services().config
    return await render_template(
        "about.html", title=gettext("About %(name)s", name=config.instance.name), rules=config.instance.rules,
        contact_email=config.instance.contact_email, staff=await facts.staff(),
        ai_policy=facts.ai_policy_in_words(config), servers=await facts.moderated_servers(),
        mode=config.registration.mode,
    )


@blueprint.get("/tags/<tag>")
async def tag(tag: str):
    name = tag.lower().lstrip("#")
    query = public_works().filter(tags__name=name).exclude(await silenced_accounts_filter())
    me = await current_user()
    if me is not None:  # a domain the viewer blocked is left out (instance.storage.visibility)
        query = query.filter(outside_blocked_domains(me.account_id))
    works, next_before = await _page(query)
    return await render_template(
        "explore.html", works=works, next_before=next_before, title=f"#{name}", heading=f"#{name}"
    )


async def _work_emoji(item: Work, replies: list[Work]) -> dict:
    """The custom emoji a work page shows: each text's own origin's."""
    return await web_map(
        (item.account.domain, (item.title, item.summary, item.content, item.account.display_name)),
        *((r.account.domain, (r.content,)) for r in replies))


async def _local_account(username: str) -> Account:
    account = await Account.get_or_none(username=username.lower(), domain=None, suspended=False)
    if account is None:
        abort(404, description=gettext("There is no artist called @%(username)s here.", username=username))
    return account


async def _collection_works(artist: Account, collection_ids: list[int]) -> dict[int, list[Work]]:
    """Each collection's works the viewer may see (`instance.storage.visibility`), in the
    artist's order, images prefetched: one query for them all."""
    me = await current_user()
    viewer = me.account if me is not None else None
    items = await CollectionItem.filter(collection_id__in=collection_ids).order_by("position", "id")
    works = {work.id: work for work in await Work.filter(
        id__in={item.work_id for item in items}, account_id=artist.id, deleted_at=None,
        in_reply_to_id=None).prefetch_related(ordered_media())}
    shown: dict[int, list[Work]] = {cid: [] for cid in collection_ids}
    for item in items:
        work = works.get(item.work_id)
        if work is not None and await can_see(work, viewer):
            work.account = artist
            shown[item.collection_id].append(work)
    return shown


def _page_number() -> int:
    """`?page=N` of a paged list (1 when absent or not a number; at most 1000)."""
    raw = request.args.get("page", "")
    return min(int(raw), 1000) if raw.isdigit() and int(raw) > 0 else 1


async def _visible_collection_works(artist: Account, collection_id: int) -> list[Work]:
    """The collection's works the viewer may see, in the artist's order, without their
    images: a page loads only its own (`_with_media`)."""
    me = await current_user()
    viewer = me.account if me is not None else None
    ids = cast(list[int], await CollectionItem.filter(collection_id=collection_id)
               .order_by("position", "id").values_list("work_id", flat=True))
    works = {work.id: work for work in await Work.filter(
        id__in=ids, account_id=artist.id, deleted_at=None, in_reply_to_id=None)}
    shown = []
    for work_id in ids:
        work = works.get(work_id)
        if work is not None and await can_see(work, viewer):
            shown.append(work)
    return shown


async def _with_media(artist: Account, works: list[Work]) -> dict[int, Work]:
    """These works again with their served images, one query for them all."""
    loaded = await Work.filter(id__in=[work.id for work in works]).prefetch_related(
        ordered_media()) if works else []
    for work in loaded:
        work.account = artist
    return {work.id: work for work in loaded}


@blueprint.get("/@<username>/collections/<int:collection_id>")
async def collection(username: str, collection_id: int):
    """A collection's public page: its title, description and the works the viewer may
    see, in the artist's order, as the portfolio grid shows them, PAGE_SIZE to a page
    (`?page=N`, with links to the next and the previous)."""
    account = await _local_account(username)
    found = await Collection.get_or_none(id=collection_id, account_id=account.id)
    if found is None:
        abort(404, description=gettext("@%(username)s has no such collection.",
                                       username=account.username))
    visible = await _visible_collection_works(account, found.id)
    page = _page_number()
    shown = visible[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    cover = cover_of(found, visible)
    loaded = await _with_media(account, [*shown, *([cover] if cover is not None else [])])
    shown, cover = [loaded[work.id] for work in shown], loaded.get(cover.id) if cover else None
    return await render_template(
        "collection.html", account=account, collection=found, works=shown, cover=cover,
        page=page, next_page=page + 1 if len(visible) > page * PAGE_SIZE else None,
        layout=account.portfolio_layout if account.portfolio_layout in set(PortfolioLayout) else "grid",
        noindex=await search_opt_out(account), title=found.title,
    )


@blueprint.get("/@<username>")
async def profile(username: str):
    account = await _local_account(username)
    works, next_before = await _page(public_works().filter(account=account), artist=account)
    pinned = (
        await public_works()
        .filter(account=account, pinned_at__not_isnull=True)
        .order_by("-pinned_at")
        .limit(MAX_PINNED)
        .prefetch_related(ordered_media())
    )
    for work in pinned:
        work.account = account
    collections = await account.collections.filter(featured=True).order_by("position")
    shown = await _collection_works(account, [c.id for c in collections]) if collections else {}
    covers = {c.id: cover_of(c, shown[c.id]) for c in collections}
    me = await current_user()
    following = None
    if me is not None and me.account_id != account.id:
        following = await Follow.filter(follower_id=me.account_id, target=account).first()
    return await render_template(
        "profile.html",
        account=account,
        emoji=await web_map((None, (account.display_name, account.note))),
        works=works,
        pinned=pinned,
        collections=collections,
        covers=covers,
        following=following,
        moved_to=await Account.get_or_none(id=account.moved_to_id) if account.moved_to_id else None,
        next_before=next_before,
        layout=account.portfolio_layout if account.portfolio_layout in set(PortfolioLayout) else "grid",
        noindex=await search_opt_out(account),
        title=account.display_name or account.username,
    )


@blueprint.get("/@<username>/<int:work_id>")
async def work(username: str, work_id: int):
    account = await _local_account(username)
    item = await Work.get_or_none(
        id=work_id,
        account=account,
        state=WorkState.READY,
        hidden=False,
        deleted_at=None,
        visibility__in=("public", "unlisted"),
    ).prefetch_related(ordered_media(), "tags", "account")
    if item is None:
        abort(404, description=gettext("This work does not exist or is not public."))
    replies = await public_replies(item)
    return await render_template(
        "work.html",
        work=item,
        account=account,
        replies=replies,
        emoji=await _work_emoji(item, replies),
        noindex=await search_opt_out(account),
        **await viewer_state(item),
        title=item.title or gettext("A work by %(name)s", name=account.display_name or account.username),
    )


@blueprint.get("/works/<int:work_id>")
async def any_work(work_id: int):
    """A work by id: a local one goes to its canonical page; a remote one that reached us
    is shown here (its media only ever as our cleaned variants)."""
    item = await Work.get_or_none(
        id=work_id,
        state=WorkState.READY,
        hidden=False,
        deleted_at=None,
        visibility__in=("public", "unlisted"),
        account__suspended=False,
    ).prefetch_related(ordered_media(), "tags", "account")
    if item is None:
        abort(404, description=gettext("This work does not exist or is not public."))
    if item.account.domain is None:
        return redirect(url_for("pages.work", username=item.account.username, work_id=item.id))
    replies = await public_replies(item)
    return await render_template(
        "work.html",
        work=item,
        account=item.account,
        replies=replies,
        emoji=await _work_emoji(item, replies),
        title=item.title or gettext("A work"),
        **await viewer_state(item),
    )


@blueprint.get("/@<username>.atom")
async def feed(username: str):
    account = await _local_account(username)
    works = (
        await public_works()
        .filter(account=account)
        .order_by("-id")
        .limit(40)
        .prefetch_related(ordered_media())
    )
    body = await render_template(
        "feed.atom", account=account, works=works, base_url=current_services().config.base_url
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")
