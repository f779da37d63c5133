"""Trends (Mastodon's /api/v1/trends/tags and /statuses) from recent engagement: likes,
boosts and replies of the last days, on public works, local and federated, leaving out
works by silenced or suspended accounts and domains. Nothing is precomputed: the few
grouped counts of the window are read on each request (bounded by CANDIDATES)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from quart import Blueprint
from tortoise.expressions import Q
from tortoise.functions import Count

from instance.api.auth import scoped, viewer
from instance.api.body import Params, params
from instance.api.common import base_url, json_page
from instance.api.filtering import apply_filters
from instance.api.status_batch import social_graph, statuses_for
from instance.api.tag_history import tag_entities
from instance.api.visibility import shown_works
from instance.storage.models import Boost, DomainPolicy, FeaturedTag, FollowedTag, Like, Tag, Work

blueprint = Blueprint("api_trends", __name__, url_prefix="/api/v1/trends")

WINDOW_DAYS = 3  # engagement counted over this many days
CANDIDATES = 500  # most engaged works considered, at most


async def _left_out() -> Q:
    """Works whose author is silenced or suspended, or on a silenced or suspended domain."""
    from instance.moderation.domains import accounts_on

    condition = Q(account__silenced=True) | Q(account__suspended=True)
    domains = cast(list[str], await DomainPolicy.filter(
        severity__in=("silence", "suspend"), allow=False).values_list("domain", flat=True))
    on_domains = [accounts_on(d, "account__domain") for d in domains]
    if on_domains:  # local accounts (no domain) must not make NOT(...) NULL
        condition |= Q(account__domain__isnull=False) & Q(*on_domains, join_type=Q.OR)
    return condition


async def _engagement(since: datetime) -> dict[int, int]:
    """work id → likes + boosts + replies since `since`."""
    scores: dict[int, int] = {}
    for model, field, when in ((Like, "work_id", "created_at"), (Boost, "work_id", "created_at"),
                               (Work, "in_reply_to_id", "published_at")):
        query = model.filter(**{f"{when}__gte": since})
        if model is Work:
            query = query.filter(in_reply_to_id__not_isnull=True)
        rows = await query.annotate(n=Count("id")).group_by(field).values(field, "n")
        for row in rows:
            scores[row[field]] = scores.get(row[field], 0) + row["n"]
    return scores


async def trending_works(since: datetime) -> list[tuple[int, int]]:
    """(work id, score) of the public works shown in trends, best first."""
    scores = await _engagement(since)
    best = sorted(scores, key=lambda w: (-scores[w], -w))[:CANDIDATES]
    if not best:
        return []
    kept = cast(list[int], await shown_works().filter(id__in=best, visibility="public")
                .exclude(await _left_out()).values_list("id", flat=True))
    return sorted(((w, scores[w]) for w in kept), key=lambda ws: (-ws[1], -ws[0]))


def _window(p: Params, default: int, maximum: int) -> tuple[int, int]:
    limit = max(1, min(p.integer("limit", default) or default, maximum))
    return limit, max(0, p.integer("offset", 0) or 0)


@blueprint.get("/statuses")
@scoped("read:statuses", public=True)
async def statuses():
    p = await params()
    limit, offset = _window(p, 20, 40)
    since = datetime.now(UTC) - timedelta(days=WINDOW_DAYS)
    reader = viewer()
    hidden = (await social_graph(reader.id))[1] if reader else set()
    shown = [w for w, _ in await trending_works(since)]
    if hidden:  # the reader's blocks and mutes
        pairs = await Work.filter(id__in=shown).values_list("id", "account_id")
        authors = dict(cast(list[tuple[int, int]], pairs))
        shown = [w for w in shown if authors.get(w) not in hidden]
    ids = shown[offset:offset + limit]
    body = await statuses_for(ids, base_url(), reader.id if reader else None)
    return json_page(await apply_filters(body, reader.id if reader else None, "public"))


async def trending_tags(since: datetime) -> list[Tag]:
    """Hashtags by how many accounts posted them plus the engagement with those works
    in the window; only tags of works trends may show."""
    engaged = dict(await trending_works(since))
    recent = cast(list[int], await shown_works().filter(
        visibility="public", published_at__gte=since, tags__id__not_isnull=True
    ).exclude(await _left_out()).order_by("-id").limit(CANDIDATES).values_list("id", flat=True))
    works = set(engaged) | set(recent)
    if not works:
        return []
    rows = await Work.filter(id__in=list(works), tags__id__not_isnull=True).values(
        "id", "account_id", "tags__id")
    posters: dict[int, set[int]] = {}
    score: dict[int, int] = {}
    for row in rows:
        tag = row["tags__id"]
        if row["id"] in recent:
            posters.setdefault(tag, set()).add(row["account_id"])
        score[tag] = score.get(tag, 0) + engaged.get(row["id"], 0)
    totals = {t: score.get(t, 0) + len(posters.get(t, ())) for t in set(score) | set(posters)}
    ranked = sorted(totals, key=lambda t: -totals[t])
    tags = {t.id: t for t in await Tag.filter(id__in=ranked)}
    return sorted((tags[t] for t in ranked if t in tags and totals[t] > 0),
                  key=lambda t: (-totals[t.id], t.name))


@blueprint.get("")
@blueprint.get("/tags")
@scoped("read", public=True)
async def tags():
    p = await params()
    limit, offset = _window(p, 10, 20)
    found = (await trending_tags(datetime.now(UTC) - timedelta(days=WINDOW_DAYS)))[offset:offset + limit]
    reader = viewer()
    following = featuring = None
    if reader is not None:
        following = set(cast(list[int], await FollowedTag.filter(account_id=reader.id)
                             .values_list("tag_id", flat=True)))
        featuring = set(cast(list[int], await FeaturedTag.filter(account_id=reader.id)
                             .values_list("tag_id", flat=True)))
    return json_page(await tag_entities(found, base_url(), following, featuring))
