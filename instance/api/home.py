"""The home timeline: works by the accounts one follows (and one's own), and public works
carrying a hashtag one follows, merged with their reblogs, newest first by time (a
work's publication, a reblog's creation), as Mastodon orders it. Paging ids may be work
ids or reblog ids; each is turned into its timestamp to continue from."""

from __future__ import annotations

import asyncio
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from tortoise.expressions import Q, Subquery

from instance.api.entities import BOOST_ID_BASE, reblog_entity
from instance.api.errors import ApiError
from instance.api.paging import Page
from instance.api.status_batch import ACCOUNT_FIELDS, fetch, home_graph, statuses_for
from instance.api.visibility import outside_blocked_domains, shown, shown_works
from instance.storage.models import Boost, Work

Item = tuple[datetime, int, int]  # (time, status id, work id)


async def _cursor(status_id: int) -> tuple[datetime, int, bool]:
    """(time, work id bound, bound is inclusive) for a paging id. Works are paged by id
    (the primary key keeps that a short index walk at any depth); reblogs by time."""
    if status_id >= BOOST_ID_BASE:
        found = cast(list[datetime],
                     await Boost.filter(id=status_id - BOOST_ID_BASE).values_list("created_at", flat=True))
        if not found:
            raise ApiError(422, "The paging id does not belong to this timeline")
        newest = cast(list[int], (
            await Work.filter(published_at__lte=found[0])
            .order_by("-published_at")
            .limit(1)
            .values_list("id", flat=True)
        ))
        return found[0], (newest[0] if newest else 0), True
    when = cast(list[datetime | None], await Work.filter(id=status_id).values_list("published_at", flat=True))
    if not when or when[0] is None:
        raise ApiError(422, "The paging id does not belong to this timeline")
    return when[0], status_id, False


async def home_items(account_id: int, paging: Page, only_media: bool) -> list[Item]:
    """The home page's items, newest first."""
    followed, hidden, no_reblogs, tag_ids = await home_graph(account_id)
    wanted = Q(account_id__in=[account_id, *followed], visibility__in=("public", "unlisted", "private"))
    if tag_ids:  # public works, local and federated, carrying a hashtag the person follows
        wanted |= Q(id__in=Subquery(Work.filter(tags__id__in=tag_ids, visibility="public").values("id")))
    works = shown_works().filter(wanted).filter(outside_blocked_domains(account_id))
    if hidden:
        works = works.filter(account_id__not_in=list(hidden))
    if only_media:
        works = works.filter(media__id__not_isnull=True).distinct()
    boosters = [a for a in followed if a not in no_reblogs and a not in hidden]
    boosts = Boost.filter(account_id__in=boosters).filter(
        outside_blocked_domains(account_id), outside_blocked_domains(account_id, "work__account"),
    ) if boosters and not only_media else None
    return await merged_items(works, boosts, paging, hidden)


async def merged_items(works, boosts, paging: Page, hidden: set[int]) -> list[Item]:
    """Works (a filtered query) and reblogs (a Boost query, or None) merged by time. The
    two page queries run at once (on PostgreSQL, on two pooled connections); a reblog
    counts only if its work is shown, public or unlisted, and not by a hidden account."""
    if paging.max_id is not None:
        when, bound, inclusive = await _cursor(paging.max_id)
        works = works.filter(id__lte=bound) if inclusive else works.filter(id__lt=bound)
        boosts = boosts.filter(created_at__lt=when) if boosts is not None else None
    low = paging.min_id if paging.min_id is not None else paging.since_id
    if low is not None:
        when, bound, _ = await _cursor(low)
        works = works.filter(id__gt=bound)
        boosts = boosts.filter(created_at__gt=when) if boosts is not None else None
    oldest_first = paging.min_id is not None
    works = works.order_by("id" if oldest_first else "-id").limit(paging.limit)
    if boosts is not None:
        boosts = (
            boosts.filter(shown("work"), work__visibility__in=("public", "unlisted"))
            .exclude(work__account_id__in=list(hidden) or [0])
            .order_by("created_at" if oldest_first else "-created_at")
            .limit(paging.limit)
            .values_list("id", "created_at", "work_id")
        )
    found_works, found_boosts = await asyncio.gather(
        works.values_list("id", "published_at"), boosts if boosts is not None else _none()
    )
    items: list[Item] = [(when, wid, wid) for wid, when in found_works]
    items += [(when, BOOST_ID_BASE + bid, wid) for bid, when, wid in found_boosts]
    items.sort(key=lambda item: (item[0], item[1]), reverse=not oldest_first)
    items = items[: paging.limit]
    if oldest_first:
        items.reverse()
    return items


async def _none() -> list[Any]:
    return []


async def _reblogs(boost_ids: list[int]) -> dict[int, SimpleNamespace]:
    """The reblogs of a page by id, each with its booster's account."""
    if not boost_ids:
        return {}
    rows = await Boost.filter(id__in=boost_ids).values("id", "ap_id", "created_at", "account_id")
    accounts = {
        a["id"]: SimpleNamespace(**a)
        for a in await fetch("accounts", ACCOUNT_FIELDS, "id", {r["account_id"] for r in rows})
    }
    return {r["id"]: SimpleNamespace(**r, account=accounts.get(r["account_id"])) for r in rows}


async def home_statuses(items: list[Item], base: str, viewer_id: int | None) -> list[dict[str, Any]]:
    """The entities of a page's items; the reblogs' own rows are read alongside."""
    boost_ids = [sid - BOOST_ID_BASE for _, sid, _ in items if sid >= BOOST_ID_BASE]
    statuses, boosts = await asyncio.gather(
        statuses_for(list({i[2] for i in items}), base, viewer_id), _reblogs(boost_ids)
    )
    shown_by_id = {int(s["id"]): s for s in statuses}
    out = []
    for _, sid, wid in items:
        inner = shown_by_id.get(wid)
        if inner is None:
            continue
        if sid < BOOST_ID_BASE:
            out.append(inner)
        elif (boost := boosts.get(sid - BOOST_ID_BASE)) is not None and boost.account is not None:
            out.append(reblog_entity(boost, inner, base))
    return out
