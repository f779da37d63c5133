"""Fixed-window counters in the database, so a limit holds across every web process on
one database (two processes must not each give a client its full rate).

One atomic upsert per hit (`INSERT … ON CONFLICT DO UPDATE … RETURNING`, the same SQL on
PostgreSQL and SQLite ≥ 3.35): no read-modify-write race between processes. Windows are
aligned to the epoch, as Mastodon's are; `reset` is when the current one ends. A sliding
limit (login throttling) counts in short windows kept for its whole span (`keep`) and sums
the recent ones (`recent`)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from tortoise import Tortoise

from instance.storage.models import RateCounter
from instance.storage.raw_sql import placeholders

KEY_LENGTH = 200


@dataclass(frozen=True)
class Hit:
    count: int  # hits in the current window, this one included
    reset: float  # epoch seconds when the window ends


def _window(seconds: float, now: float) -> tuple[int, int]:
    start = int(now // seconds * seconds)
    return start, int(start + seconds)


async def hit(key: str, seconds: float, now: float | None = None, keep: float = 0.0) -> Hit:
    """Count one hit of `key` in its current window of `seconds`; the window's row is kept
    `keep` seconds past its end (for a sliding sum over `recent` windows)."""
    now = time.time() if now is None else now
    start, end = _window(seconds, now)
    connection = Tortoise.get_connection("default")
    dialect = connection.capabilities.dialect
    p = placeholders(dialect, 3)
    # On PostgreSQL this one statement's commit need not wait for the WAL flush: a count
    # lost in a crash costs nothing, and an fsync on every API request cost more than the
    # request (bench/api.py). The setting is local to the statement's own transaction.
    source = (f"SELECT {p[0]}, {p[1]}, 1, {p[2]} FROM "
              f"(SELECT set_config('synchronous_commit', 'off', true)) AS lazy"
              if dialect == "postgres" else f"VALUES ({p[0]}, {p[1]}, 1, {p[2]})")
    rows = await connection.execute_query_dict(
        f"INSERT INTO rate_counters (key, window_start, count, expires_at) {source} "
        f"ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counters.count + 1 "
        f"RETURNING count",
        [key[:KEY_LENGTH], start, int(end + keep)],
    )
    return Hit(count=int(rows[0]["count"]), reset=float(end))


async def recent(key: str, since: float) -> list[tuple[int, int]]:
    """(window start, hits) of each window of `key` that starts at or after `since`,
    oldest first, without counting one."""
    rows = await RateCounter.filter(key=key[:KEY_LENGTH], window_start__gte=int(since)) \
        .order_by("window_start").values_list("window_start", "count")
    return [(int(start), int(count)) for start, count in rows]


async def clear(*keys: str) -> None:
    await RateCounter.filter(key__in=[k[:KEY_LENGTH] for k in keys]).delete()


async def prune(now: float | None = None) -> int:
    """Drop the windows that have ended (and outlived their `keep`)."""
    now = time.time() if now is None else now
    return await RateCounter.filter(expires_at__lte=int(now)).delete()
