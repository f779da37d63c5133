"""Server-side content filters (Mastodon's v2 filters) applied to status entities: a
`hide` filter removes a matching status, a `warn` filter adds a FilterResult to its
`filtered`. One query when the reader has no filters (timelines are the hot path)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import Q

from instance.api.entities import iso
from instance.storage.models import ContentFilter, FilterAction, FilterKeyword, FilterStatus
from instance.storage.raw_sql import raw_rows

CONTEXTS = ("home", "notifications", "public", "thread", "account")
TAGS = re.compile(r"<[^>]+>")


def keyword_pattern(keyword: str, whole_word: bool) -> re.Pattern[str]:
    """Mastodon's matching: case-insensitive; a whole word may not touch a word character
    on a side where the keyword itself starts or ends with one."""
    body = re.escape(keyword)
    if whole_word:
        if re.match(r"\w", keyword):
            body = r"(?<!\w)" + body
        if re.search(r"\w$", keyword):
            body = body + r"(?!\w)"
    return re.compile(body, re.IGNORECASE)


def keyword_entity(k: FilterKeyword) -> dict[str, Any]:
    return {"id": str(k.id), "keyword": k.keyword, "whole_word": k.whole_word}


def status_entity(s: FilterStatus) -> dict[str, Any]:
    return {"id": str(s.id), "status_id": str(s.work_id)}


def filter_entity(row: ContentFilter, keywords: list[FilterKeyword],
                  statuses: list[FilterStatus]) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "title": row.title,
        "context": list(row.contexts),
        "expires_at": iso(row.expires_at),
        "filter_action": row.action,
        "keywords": [keyword_entity(k) for k in keywords],
        "statuses": [status_entity(s) for s in statuses],
    }


@dataclass
class Active:
    row: ContentFilter
    entity: dict[str, Any]
    patterns: list[tuple[str, re.Pattern[str]]]
    work_ids: set[int]


async def active_filters(viewer_id: int, context: str) -> list[Active]:
    """The reader's unexpired filters for `context`, with compiled keywords. Most readers
    have none: a narrow hand-written read says so before any ORM query is built."""
    if not await raw_rows(f"SELECT id FROM filters WHERE owner_id = {int(viewer_id)}"):
        return []
    rows = await ContentFilter.filter(
        Q(expires_at=None) | Q(expires_at__gt=datetime.now(UTC)), owner_id=viewer_id
    )
    rows = [r for r in rows if context in (r.contexts or [])]
    if not rows:
        return []
    ids = [r.id for r in rows]
    keywords = await FilterKeyword.filter(content_filter_id__in=ids).order_by("id")
    statuses = await FilterStatus.filter(content_filter_id__in=ids).order_by("id")
    out = []
    for r in rows:
        mine_k = [k for k in keywords if k.content_filter_id == r.id]
        mine_s = [s for s in statuses if s.content_filter_id == r.id]
        out.append(Active(r, filter_entity(r, mine_k, mine_s),
                          [(k.keyword, keyword_pattern(k.keyword, k.whole_word)) for k in mine_k],
                          {s.work_id for s in mine_s}))
    return out


def _text(status: dict[str, Any]) -> str:
    """What keywords are matched against: warning, text, title and alt texts."""
    parts = [status.get("spoiler_text") or "", TAGS.sub(" ", status.get("content") or "")]
    parts.append((status.get("impasto") or {}).get("title") or "")
    parts += [m.get("description") or "" for m in status.get("media_attachments") or []]
    return "\n".join(parts)


def results(status: dict[str, Any], filters: list[Active]) -> list[dict[str, Any]]:
    """FilterResults for one (non-reblog) status entity."""
    text = _text(status)
    found = []
    for f in filters:
        words = [k for k, pattern in f.patterns if pattern.search(text)]
        hit = int(status["id"]) in f.work_ids
        if words or hit:
            found.append({"filter": f.entity, "keyword_matches": words or None,
                          "status_matches": [status["id"]] if hit else None})
    return found


async def apply_filters(statuses: list[dict[str, Any]], viewer_id: int | None,
                        context: str, filters: list[Active] | None = None) -> list[dict[str, Any]]:
    """`statuses` without those a `hide` filter matches, the rest with `filtered` set.
    A reblog is judged by the status it carries; one's own statuses are never filtered.
    `filters`: the viewer's `active_filters`, when the caller read them alongside the page."""
    if viewer_id is None or not statuses:
        return statuses
    if filters is None:
        filters = await active_filters(viewer_id, context)
    if not filters:
        return statuses
    kept = []
    for status in statuses:
        inner = status.get("reblog") or status
        if int(inner["account"]["id"]) == viewer_id:
            kept.append(status)
            continue
        found = results(inner, filters)
        if any(r["filter"]["filter_action"] == FilterAction.HIDE for r in found):
            continue
        inner["filtered"] = found
        kept.append(status)
    return kept
