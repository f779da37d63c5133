"""Hashtag entities with Mastodon's `history` (per UTC day, newest first: how many public
works carried the tag and how many accounts posted them), shared by the tag, followed
tag, featured tag and trends endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from instance.api.visibility import shown_works
from instance.storage.models import Tag
from instance.urls import LocalUrls

HISTORY_DAYS = 7


def today() -> datetime:
    now = datetime.now(UTC)
    return datetime(now.year, now.month, now.day, tzinfo=UTC)


Uses = dict[int, set[tuple[int, int]]]  # day index (0 today) → {(work id, account id)}


async def uses_by_day(tag_ids: list[int], days: int = HISTORY_DAYS) -> dict[int, Uses]:
    """tag id → day index (0 today) → {(work id, account id)} of public works."""
    found: dict[int, Uses] = {t: {} for t in tag_ids}
    if not tag_ids:
        return found
    start = today() - timedelta(days=days - 1)
    rows = await shown_works().filter(
        tags__id__in=tag_ids, visibility="public", published_at__gte=start
    ).values("id", "account_id", "published_at", "tags__id")
    midnight = today()
    for row in rows:
        when = row["published_at"]
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        day = max(0, (midnight.date() - when.astimezone(UTC).date()).days)
        found.setdefault(row["tags__id"], {}).setdefault(day, set()).add((row["id"], row["account_id"]))
    return found


def history(by_day: Uses, days: int = HISTORY_DAYS) -> list[dict[str, str]]:
    midnight = today()
    return [
        {
            "day": str(int((midnight - timedelta(days=d)).timestamp())),
            "uses": str(len(by_day.get(d, ()))),
            "accounts": str(len({a for _, a in by_day.get(d, ())})),
        }
        for d in range(days)
    ]


async def tag_entities(tags: list[Tag], base: str, following: set[int] | None = None,
                       featuring: set[int] | None = None) -> list[dict[str, Any]]:
    """Tag entities in the order given; `following`/`featuring` (tag ids) are the
    caller's, None for an anonymous caller (the fields are then left out)."""
    counts = await uses_by_day([t.id for t in tags])
    out = []
    for t in tags:
        body: dict[str, Any] = {"id": str(t.id), "name": t.name, "url": LocalUrls(base).tag(t.name),
                                "history": history(counts.get(t.id, {}))}
        if following is not None:
            body["following"] = t.id in following
        if featuring is not None:
            body["featuring"] = t.id in featuring
        out.append(body)
    return out
