"""Hashtags: one tag (`following`, `featuring`), following and unfollowing it (its public
works then join the home timeline, instance.api.home), the followed list, and the
featured tags a person shows on their profile (Mastodon's featured_tags)."""

from __future__ import annotations

import re
from typing import Any

from quart import Blueprint, jsonify
from tortoise.exceptions import IntegrityError

from instance.api.auth import me, scoped, viewer
from instance.api.body import params
from instance.api.common import account_or_404, base_url, json_page, parse_id
from instance.api.errors import ApiError
from instance.api.paging import link_header, page
from instance.api.tag_history import tag_entities
from instance.api.visibility import shown_works
from instance.storage.models import FeaturedTag, FollowedTag, Tag
from instance.urls import LocalUrls

blueprint = Blueprint("api_tags", __name__, url_prefix="/api/v1")

NAME = re.compile(r"^\w{1,255}$")
LETTER = re.compile(r"[^\W\d_]")  # a hashtag needs a letter, as in Mastodon
FEATURED_MAX = 10  # as Mastodon
FOLLOWED_MAX = 1000


def _name(text: str) -> str:
    name = text.lstrip("#").lower()
    if not NAME.match(name) or not LETTER.search(name):
        raise ApiError(404, "Record not found")
    return name


async def _tag(text: str, create: bool) -> Tag:
    name = _name(text)
    tag = await Tag.get_or_none(name=name)
    if tag is None and create:
        try:
            tag = await Tag.create(name=name)
        except IntegrityError:  # made by someone else meanwhile
            tag = await Tag.get(name=name)
    if tag is None:
        raise ApiError(404, "Record not found")
    return tag


async def _marks(account_id: int | None) -> tuple[set[int] | None, set[int] | None]:
    if account_id is None:
        return None, None
    following = set(await FollowedTag.filter(account_id=account_id).values_list("tag_id", flat=True))
    featuring = set(await FeaturedTag.filter(account_id=account_id).values_list("tag_id", flat=True))
    return following, featuring  # type: ignore[return-value]


async def _one(tag: Tag) -> dict[str, Any]:
    reader = viewer()
    following, featuring = await _marks(reader.id if reader else None)
    return (await tag_entities([tag], base_url(), following, featuring))[0]


@blueprint.get("/tags/<name>")
@scoped("read", public=True)
async def show(name: str):
    return jsonify(await _one(await _tag(name, create=False)))


@blueprint.post("/tags/<name>/follow")
@scoped("write:follows")
async def follow(name: str):
    tag = await _tag(name, create=True)
    account = me()
    if not await FollowedTag.filter(account_id=account.id, tag_id=tag.id).exists():
        if await FollowedTag.filter(account_id=account.id).count() >= FOLLOWED_MAX:
            raise ApiError(422, f"Validation failed: you can follow at most {FOLLOWED_MAX} hashtags")
        try:
            await FollowedTag.create(account_id=account.id, tag_id=tag.id)
        except IntegrityError:
            pass  # a second request at once: followed either way
    return jsonify(await _one(tag))


@blueprint.post("/tags/<name>/unfollow")
@scoped("write:follows")
async def unfollow(name: str):
    tag = await _tag(name, create=False)
    await FollowedTag.filter(account_id=me().id, tag_id=tag.id).delete()
    return jsonify(await _one(tag))


@blueprint.get("/followed_tags")
@scoped("read:follows")
async def followed_tags():
    p = await params()
    paging = page(p, default=100, maximum=200)
    rows = await paging.rows(FollowedTag.filter(account_id=me().id).select_related("tag"))
    following = {r.tag_id for r in rows}
    body = await tag_entities([r.tag for r in rows], base_url(), following)
    return json_page(body, link_header(base_url(), rows[0].id if rows else None,
                                       rows[-1].id if rows else None))


# --- featured tags ---------------------------------------------------------------------

async def _featured_entities(rows: list[FeaturedTag], account_id: int) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        works = shown_works().filter(account_id=account_id, tags__id=r.tag_id,
                                     visibility__in=("public", "unlisted"))
        count = await works.count()
        last = await works.order_by("-published_at").first()
        out.append({
            "id": str(r.id),
            "name": r.tag.name,
            "url": LocalUrls(base_url()).tag(r.tag.name),  # no per-profile tag page yet
            "statuses_count": str(count),
            "last_status_at": last.published_at.date().isoformat() if last and last.published_at else None,
        })
    return out


@blueprint.get("/featured_tags")
@scoped("read:accounts")
async def featured():
    account = me()
    rows = await FeaturedTag.filter(account_id=account.id).select_related("tag").order_by("id")
    return json_page(await _featured_entities(list(rows), account.id))


@blueprint.post("/featured_tags")
@scoped("write:accounts")
async def feature():
    p = await params()
    account = me()
    raw = p.text("name", max_length=256) or ""
    if not raw.strip():
        raise ApiError(422, "Validation failed: name can't be blank")
    try:
        tag = await _tag(raw, create=True)
    except ApiError:
        raise ApiError(422, "Validation failed: name is not a valid hashtag") from None
    if await FeaturedTag.filter(account_id=account.id, tag_id=tag.id).exists():
        raise ApiError(422, "Validation failed: that hashtag is already featured")
    if await FeaturedTag.filter(account_id=account.id).count() >= FEATURED_MAX:
        raise ApiError(422, f"Validation failed: you can feature at most {FEATURED_MAX} hashtags")
    row = await FeaturedTag.create(account_id=account.id, tag_id=tag.id)
    row.tag = tag
    return jsonify((await _featured_entities([row], account.id))[0])


@blueprint.delete("/featured_tags/<featured_id>")
@scoped("write:accounts")
async def unfeature(featured_id: str):
    done = await FeaturedTag.filter(id=parse_id(featured_id), account_id=me().id).delete()
    if not done:
        raise ApiError(404, "Record not found")
    return jsonify({})


@blueprint.get("/featured_tags/suggestions")
@scoped("read:accounts")
async def suggestions():
    """The person's own most used hashtags (up to 10) not featured yet."""
    account = me()
    featured = set(await FeaturedTag.filter(account_id=account.id).values_list("tag_id", flat=True))
    rows = await shown_works().filter(account_id=account.id).order_by("-id").limit(200).values(
        "tags__id", "tags__name")
    counts: dict[int, int] = {}
    names: dict[int, str] = {}
    for r in rows:
        tid = r["tags__id"]
        if tid is None or tid in featured:
            continue
        counts[tid] = counts.get(tid, 0) + 1
        names[tid] = r["tags__name"]
    best = sorted(counts, key=lambda t: (-counts[t], names[t]))[:10]
    tags = [Tag(id=t, name=names[t]) for t in best]
    following, featuring = await _marks(account.id)
    return json_page(await tag_entities(tags, base_url(), following, featuring))


@blueprint.get("/accounts/<account_id>/featured_tags")
@scoped("read:accounts", public=True)
async def account_featured(account_id: str):
    account = await account_or_404(account_id)
    rows = await FeaturedTag.filter(account_id=account.id).select_related("tag").order_by("id")
    return json_page(await _featured_entities(list(rows), account.id))
