"""The home timeline: works by the accounts one follows (and one's own), and public works
carrying a hashtag one follows, merged with their reblogs, newest first by time (a
work's publication, a reblog's creation), as Mastodon orders it. Paging ids may be work
ids or reblog ids; each is turned into its timestamp to continue from."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from tortoise import Tortoise

from instance.api.entities import BOOST_ID_BASE, reblog_entity
from instance.api.errors import ApiError
from instance.api.paging import Page
from instance.api.status_batch import ACCOUNT_FIELDS, as_datetime, fetch, home_graph, statuses_for
from instance.api.visibility import outside_blocked_domains_sql, shown_sql
from instance.storage.models import Boost, Work
from instance.storage.raw_sql import int_list, placeholders, raw_rows

Item = tuple[datetime, int, int]  # (time, status id, work id)
# A works-page condition (`merged_items`): the work w has at least one attachment.
WITH_MEDIA_SQL = "EXISTS (SELECT 1 FROM media_attachments m WHERE m.work_id = w.id)"


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
    """The home page's items, newest first. Its page queries are written by hand (with
    `shown_sql` and `outside_blocked_domains_sql`, the visibility rule's own SQL):
    building them in the ORM was the largest share of a page's CPU."""
    followed, hidden, no_reblogs, tag_ids = await home_graph(account_id)
    wanted = (f"w.account_id IN ({int_list([account_id, *followed])}) "
              "AND w.visibility IN ('public', 'unlisted', 'private')")
    if tag_ids:  # public works, local and federated, carrying a hashtag the person follows
        wanted = (f"({wanted}) OR w.id IN (SELECT wt.works_id FROM work_tags wt JOIN works t "
                  f"ON t.id = wt.works_id WHERE wt.tag_id IN ({int_list(tag_ids)}) "
                  "AND t.visibility = 'public')")
    works = [shown_sql("w", "a"), outside_blocked_domains_sql(account_id, "a"), f"({wanted})"]
    if hidden:
        works.append(f"w.account_id NOT IN ({int_list(hidden)})")
    if only_media:
        works.append(WITH_MEDIA_SQL)
    boosters = [a for a in followed if a not in no_reblogs and a not in hidden]
    reblogs = reblog_conditions(boosters, hidden, account_id) if boosters and not only_media else None
    return await merged_items(works, reblogs, paging)


def reblog_conditions(boosters: list[int], hidden: set[int], viewer_id: int | None) -> list[str]:
    """The WHERE conditions of a reblogs page (reblog b, booster ba, work w, its author a):
    reblogs by `boosters` of works that are shown, public or unlisted, and not by a hidden
    account; with `viewer_id`, neither booster nor author on a domain that person blocked.
    Integers only are inlined."""
    conditions = [f"b.account_id IN ({int_list(boosters)})", shown_sql("w", "a"),
                  "w.visibility IN ('public', 'unlisted')"]
    if hidden:
        conditions.append(f"w.account_id NOT IN ({int_list(hidden)})")
    if viewer_id is not None:
        conditions += [outside_blocked_domains_sql(viewer_id, "ba"),
                       outside_blocked_domains_sql(viewer_id, "a")]
    return conditions


async def _reblog_page(conditions: list[str] | None, bounds: Bounds,
                       limit: int) -> list[tuple[int, datetime, int]]:
    """(reblog id, time, work id) of one page of reblogs; none without `conditions`."""
    if conditions is None:
        return []
    conditions, times = list(conditions), []
    marks = iter(placeholders(Tortoise.get_connection("default").capabilities.dialect, 2))
    for when, compare in ((bounds.boosts_before, "<"), (bounds.boosts_after, ">")):
        if when is not None:
            conditions.append(f"b.created_at {compare} {next(marks)}")
            times.append(when)
    # CROSS JOIN: SQLite joins in the order written (reblogs first, newest first, instead
    # of from every ready work); PostgreSQL plans it as any inner join.
    rows = await raw_rows(
        "SELECT b.id, b.created_at, b.work_id FROM boosts b CROSS JOIN works w "
        "CROSS JOIN accounts a CROSS JOIN accounts ba WHERE w.id = b.work_id "
        f"AND a.id = w.account_id AND ba.id = b.account_id AND {' AND '.join(conditions)} "
        f"ORDER BY b.created_at{'' if bounds.oldest_first else ' DESC'} LIMIT {int(limit)}", times)
    return [(bid, as_datetime(when), wid) for bid, when, wid in rows]


@dataclass(frozen=True)
class Bounds:
    """Where a page starts: works by id, reblogs by time (from the paging ids)."""

    oldest_first: bool
    works_below: int | None = None
    inclusive: bool = False  # works_below itself is on the page
    works_above: int | None = None
    boosts_before: datetime | None = None
    boosts_after: datetime | None = None


async def _bounds(paging: Page) -> Bounds:
    below = inclusive = before = above = after = None
    if paging.max_id is not None:
        before, below, inclusive = await _cursor(paging.max_id)
    low = paging.min_id if paging.min_id is not None else paging.since_id
    if low is not None:
        after, above, _ = await _cursor(low)
    return Bounds(paging.min_id is not None, below, bool(inclusive), above, before, after)


def _merge(works: list[tuple[datetime, int]], boosts: list[tuple[int, datetime, int]],
           limit: int, oldest_first: bool) -> list[Item]:
    """One page of works (time, id) and reblogs (id, time, work id) by time, newest first."""
    items: list[Item] = [(when, wid, wid) for when, wid in works]
    items += [(when, BOOST_ID_BASE + bid, wid) for bid, when, wid in boosts]
    items.sort(key=lambda item: (item[0], item[1]), reverse=not oldest_first)
    items = items[:limit]
    if oldest_first:
        items.reverse()
    return items


async def merged_items(works: list[str], reblogs: list[str] | None, paging: Page) -> list[Item]:
    """One page of works (WHERE conditions over a work w and its author a, written with
    `shown_sql`) and reblogs (`reblog_conditions`, or None) merged by time; the two page
    queries run at once (on PostgreSQL, on two pooled connections)."""
    bounds = await _bounds(paging)
    found_works, found_reblogs = await asyncio.gather(
        _work_page(works, bounds, paging.limit), _reblog_page(reblogs, bounds, paging.limit)
    )
    return _merge(found_works, found_reblogs, paging.limit, bounds.oldest_first)


async def _work_page(conditions: list[str], bounds: Bounds, limit: int) -> list[tuple[datetime, int]]:
    """(time, work id) of one page of works, paged by id (the primary key keeps that a
    short index walk at any depth)."""
    conditions = list(conditions)
    if bounds.works_below is not None:
        conditions.append(f"w.id {'<=' if bounds.inclusive else '<'} {int(bounds.works_below)}")
    if bounds.works_above is not None:
        conditions.append(f"w.id > {int(bounds.works_above)}")
    rows = await raw_rows(
        "SELECT w.id, w.published_at FROM works w JOIN accounts a ON a.id = w.account_id "
        f"WHERE {' AND '.join(conditions)} ORDER BY w.id{'' if bounds.oldest_first else ' DESC'} "
        f"LIMIT {int(limit)}")
    return [(as_datetime(when), wid) for wid, when in rows]


async def _reblogs(boost_ids: list[int]) -> dict[int, SimpleNamespace]:
    """The reblogs of a page by id, each with its booster's account."""
    if not boost_ids:
        return {}
    rows = await fetch("boosts", ("id", "ap_id", "created_at", "account_id"), "id", boost_ids)
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
