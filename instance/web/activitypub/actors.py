"""Actors and what hangs off them: Person and instance-actor documents, outbox,
followers, following, featured and portfolio collections (paged OrderedCollections),
and work objects (followers-only and direct ones to signed requests from their audience).
Browsers asking for these URLs are sent to the HTML pages."""

from __future__ import annotations

from typing import cast

from quart import Blueprint, Response, redirect, request

from federation import documents
from federation.jsonld import outgoing_context
from instance.actors.instance_actor import instance_actor
from instance.services import current_services
from instance.storage.models import (
    Account,
    Collection,
    CollectionItem,
    CustomEmoji,
    Follow,
    FollowState,
    OutboxActivity,
    Work,
    WorkState,
)
from instance.web.activitypub.signed_fetch import (
    ap_json,
    error,
    signed_fetch_refusal,
    signed_requester,
    wants_activitypub,
)
from outbox.documents import emoji_tags, moved_to_of, note_for, person_for, profile_emoji, server_fields

blueprint = Blueprint("federation_actors", __name__)

PAGE_SIZE = 20


async def _artist(username: str) -> Account | None:
    return await Account.get_or_none(username=username.lower(), domain=None, suspended=False)


def _max_id() -> int | None:
    raw = request.args.get("max_id", "")
    return int(raw) if raw.isdigit() else None


def _requested_page() -> int | None:
    """The `?page=N` asked for (1 for anything that is not a positive number), or None for
    the collection itself."""
    raw = request.args.get("page", "")
    if not raw:
        return None
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


@blueprint.get("/actor")
async def application_actor():
    """Always public: peers fetch it to verify our signed fetches."""
    account = await instance_actor(current_services())
    if not wants_activitypub():
        return redirect("/")
    return ap_json({"@context": outgoing_context(), **person_for(current_services(), account)})


@blueprint.get("/emojis/<int:emoji_id>")
async def local_emoji(emoji_id: int):
    """The Emoji document an outgoing Emoji tag's id names (Mastodon serves the same)."""
    row = await CustomEmoji.get_or_none(id=emoji_id, domain=None, disabled=False)
    docs = emoji_tags(current_services(), [row]) if row is not None else []
    if not docs:
        return error(404, "no such emoji")
    return ap_json({"@context": outgoing_context(), **docs[0]})


@blueprint.get("/actor/outbox")
async def application_outbox():
    ident = current_services().urls.instance_actor_outbox
    return ap_json(documents.ordered_collection(ident, 0, None))


@blueprint.get("/users/<username>")
async def actor(username: str):
    account = await _artist(username)
    if account is None:
        gone = await Account.get_or_none(username=username.lower(), domain=None,
                                         deleted_at__not_isnull=True)
        if gone is not None:  # the artist left: say so for good, to anyone
            doc = {**documents.tombstone(gone.ap_id), "formerType": "Person",
                   "deleted": documents.iso(gone.deleted_at)}
            return ap_json({"@context": outgoing_context(), **doc}, status=410)
        return error(404, "no such account")
    if not wants_activitypub():
        return redirect(f"/@{account.username}")
    refusal = await signed_fetch_refusal()
    if refusal is not None:
        return refusal
    streams = cast(list[str], await Collection.filter(account_id=account.id).order_by(
        "position").values_list("ap_id", flat=True))
    doc = person_for(current_services(), account, list(streams),
                     extra_fields=await server_fields(account),
                     emoji=await profile_emoji(current_services(), account),
                     moved_to=await moved_to_of(account))
    return ap_json({"@context": outgoing_context(), **doc})


async def _collection(username: str, kind: str):
    """The account behind a collection URL, or the refusal to send (404, signed fetch)."""
    account = await _artist(username)
    if account is None:
        return None, error(404, "no such account")
    refusal = await signed_fetch_refusal()
    if refusal is not None:
        return None, refusal
    return account, None


@blueprint.get("/users/<username>/outbox")
async def outbox(username: str):
    account, refusal = await _collection(username, "outbox")
    if refusal is not None:
        return refusal
    ident = account.outbox_url
    query = OutboxActivity.filter(account_id=account.id, public=True,
                                  activity_type__in=("Create", "Announce"))
    if not request.args.get("page"):
        return ap_json(documents.ordered_collection(ident, await query.count(), f"{ident}?page=true"))
    max_id = _max_id()
    if max_id is not None:
        query = query.filter(id__lt=max_id)
    rows = await query.order_by("-id").limit(PAGE_SIZE)
    live = {w.ap_id: w for w in await _visible().filter(
        ap_id__in=[r.object_ap_id for r in rows if r.object_ap_id])}
    items = []
    for row in rows:
        doc = {k: v for k, v in row.document.items() if k != "@context"}
        if row.activity_type == "Create":  # the work as it is now (edits), if still shown
            work = live.get(row.object_ap_id or "")
            if work is None:
                continue
            doc["object"] = await note_for(current_services(), work)
        items.append(doc)
    next_url = f"{ident}?page=true&max_id={rows[-1].id}" if len(rows) == PAGE_SIZE else None
    page_id = f"{ident}?page=true" + (f"&max_id={max_id}" if max_id else "")
    return ap_json(documents.ordered_page(page_id, ident, items, next_url))


async def _follow_collection(username: str, followers: bool):
    account, refusal = await _collection(username, "followers" if followers else "following")
    if refusal is not None:
        return refusal
    ident = account.followers_url if followers else account.following_url
    field = "target_id" if followers else "follower_id"
    other = "follower__ap_id" if followers else "target__ap_id"
    query = Follow.filter(**{field: account.id}, state=FollowState.ACCEPTED)
    page = _requested_page()
    if page is None:
        return ap_json(documents.ordered_collection(ident, await query.count(), f"{ident}?page=1"))
    window = query.order_by("-id").offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    rows = await window.values_list(other, flat=True)
    next_url = f"{ident}?page={page + 1}" if len(rows) == PAGE_SIZE else None
    return ap_json(documents.ordered_page(f"{ident}?page={page}", ident, list(rows), next_url))


@blueprint.get("/users/<username>/followers")
async def followers(username: str):
    return await _follow_collection(username, True)


@blueprint.get("/users/<username>/following")
async def following(username: str):
    return await _follow_collection(username, False)


PUBLIC_VISIBILITIES = ("public", "unlisted")


def _visible():
    return Work.filter(state=WorkState.READY, deleted_at=None, hidden=False,
                       visibility__in=PUBLIC_VISIBILITIES)


def _paged(ident: str, total: int, page: int | None, items: list) -> dict:
    """Page `page` of a collection numbered `?page=N`, or (page None) the collection with
    its first page embedded as an object: Mastodon's FetchFeaturedCollectionService reads
    `first` and takes an embedded page as is, other peers follow `next`."""
    number = page or 1
    next_url = f"{ident}?page={number + 1}" if number * PAGE_SIZE < total else None
    page_doc = documents.ordered_page(f"{ident}?page={number}", ident, items, next_url)
    if page is not None:
        return page_doc
    del page_doc["@context"]
    doc = documents.ordered_collection(ident, total, None)
    doc["first"] = page_doc
    return doc


@blueprint.get("/users/<username>/collections/featured")
async def featured(username: str):
    account, refusal = await _collection(username, "featured")
    if refusal is not None:
        return refusal
    page = _requested_page()
    query = _visible().filter(account_id=account.id, pinned_at__not_isnull=True)
    window = query.order_by("-pinned_at", "-id").offset(((page or 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    items = [await note_for(current_services(), w) for w in await window]
    doc = _paged(account.featured_url, await query.count(), page, items)
    doc["@context"] = outgoing_context()  # the embedded notes use Mastodon's terms
    return ap_json(doc)


@blueprint.get("/users/<username>/collections/<int:collection_id>")
async def portfolio(username: str, collection_id: int):
    account, refusal = await _collection(username, "portfolio")
    if refusal is not None:
        return refusal
    collection = await Collection.get_or_none(id=collection_id, account_id=account.id)
    if collection is None:
        return error(404, "no such collection")
    page = _requested_page()
    query = CollectionItem.filter(
        collection_id=collection.id, work__state=WorkState.READY, work__deleted_at=None, work__hidden=False,
        work__visibility__in=PUBLIC_VISIBILITIES,
    )
    window = query.order_by("position", "id").offset(((page or 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ids = await window.values_list("work__ap_id", flat=True)
    doc = _paged(collection.ap_id, await query.count(), page, list(ids))
    if page is None:
        doc.update(name=collection.title, summary=collection.description or None,
                   attributedTo=account.ap_id)
    return ap_json({k: v for k, v in doc.items() if v is not None})


async def _work_for_requester(username: str, work_id: int) -> tuple[Work | None, Response | None]:
    """The work at this URL if whoever signed the request may read it, else the answer to
    give. Followers-only and direct works need a signature from their audience: an
    accepted follower (followers-only) or a mentioned actor; others get 404, as if the
    work did not exist."""
    account = await _artist(username)
    work = await Work.get_or_none(id=work_id, account_id=account.id, state=WorkState.READY,
                                  deleted_at=None, hidden=False) if account is not None else None
    if work is None:
        return None, error(404, "no such work")
    if work.visibility in PUBLIC_VISIBILITIES:
        return work, await signed_fetch_refusal()
    requester, refusal = await signed_requester()
    if refusal is not None:
        return None, refusal
    if requester is None or not await _in_audience(work, requester):
        return None, error(404, "no such work")
    return work, None


async def _in_audience(work: Work, actor_id: str) -> bool:
    if actor_id in (work.mentions or []):
        return True
    return work.visibility == "private" and await Follow.filter(
        target_id=work.account_id, follower__ap_id=actor_id, state=FollowState.ACCEPTED).exists()


@blueprint.get("/users/<username>/works/<int:work_id>")
async def work_object(username: str, work_id: int):
    if not wants_activitypub():
        account = await _artist(username)
        work = await _visible().get_or_none(id=work_id, account_id=account.id) \
            if account is not None else None
        return redirect(work.url or "/") if work else error(404, "no such work")
    work, refusal = await _work_for_requester(username, work_id)
    if refusal is not None:
        return refusal
    assert work is not None  # _work_for_requester gives a work whenever it gives no refusal
    return ap_json({"@context": outgoing_context(), **await note_for(current_services(), work)})


@blueprint.get("/users/<username>/works/<int:work_id>/activity")
async def work_activity(username: str, work_id: int):
    work, refusal = await _work_for_requester(username, work_id)
    if refusal is not None:
        return refusal
    assert work is not None  # _work_for_requester gives a work whenever it gives no refusal
    row = await OutboxActivity.get_or_none(ap_id=current_services().urls.create_activity(work.ap_id))
    if row is None:
        return error(404, "no such activity")
    return ap_json(row.document)


@blueprint.get("/users/<username>/boosts/<int:boost_id>")
async def boost_activity(username: str, boost_id: int):
    account = await _artist(username)
    row = await OutboxActivity.get_or_none(
        ap_id=current_services().urls.announce_activity(account.ap_id, boost_id), account_id=account.id
    ) if account is not None else None
    if row is None:
        return error(404, "no such activity")
    refusal = await signed_fetch_refusal()
    return refusal or ap_json(row.document)


