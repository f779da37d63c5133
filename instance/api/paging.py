"""Mastodon paging: `limit`, `max_id`, `since_id`, `min_id` on every list, and a Link
header with rel="next" (older, max_id) and rel="prev" (newer, min_id)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from quart import request

from instance.api.body import Params, as_id
from instance.api.errors import ApiError

PAGING_KEYS = ("max_id", "since_id", "min_id", "limit")


@dataclass(frozen=True)
class Page:
    limit: int
    max_id: int | None
    since_id: int | None
    min_id: int | None

    def apply(self, query, field: str = "id"):
        """Filter and order a query; with min_id the page is the oldest after it, so the
        caller reverses the rows (`rows()` does) to keep newest-first order."""
        if self.max_id is not None:
            query = query.filter(**{f"{field}__lt": self.max_id})
        if self.since_id is not None:
            query = query.filter(**{f"{field}__gt": self.since_id})
        if self.min_id is not None:
            return query.filter(**{f"{field}__gt": self.min_id}).order_by(field).limit(self.limit)
        return query.order_by(f"-{field}").limit(self.limit)

    async def rows(self, query, field: str = "id") -> list:
        found = list(await self.apply(query, field))
        if self.min_id is not None:
            found.reverse()
        return found


def _id(p: Params, name: str) -> int | None:
    raw = p.get(name)
    if raw is None or raw == "":
        return None
    value = as_id(raw)
    if value is None:
        raise ApiError(422, f"{name} must be an id")
    return value


def page(p: Params, default: int = 20, maximum: int = 40) -> Page:
    limit = p.integer("limit", default) or default
    return Page(max(1, min(limit, maximum)), _id(p, "max_id"), _id(p, "since_id"), _id(p, "min_id"))


def link_header(base_url: str, newest: int | str | None, oldest: int | str | None) -> dict[str, str]:
    """The Link header for a page whose first/last cursor values are given."""
    if newest is None or oldest is None:
        return {}
    kept = [(k, v) for k in request.args for v in request.args.getlist(k) if k not in PAGING_KEYS]
    limit = request.args.get("limit")
    if limit:
        kept.append(("limit", limit))
    url = base_url + request.path
    next_q = urlencode([*kept, ("max_id", str(oldest))])
    prev_q = urlencode([*kept, ("min_id", str(newest))])
    return {"Link": f'<{url}?{next_q}>; rel="next", <{url}?{prev_q}>; rel="prev"'}
