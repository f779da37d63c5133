"""Delivery slots of a failing host, shared by every worker process on one database: a
host that is failing gets at most a few sends in flight in the whole cluster, not a few
per worker. Each slot is a leased row (`host_slots`): taken with one atomic upsert that
succeeds only if the row is absent or its lease has expired (`INSERT … ON CONFLICT DO
UPDATE … WHERE … RETURNING`, the same SQL on PostgreSQL and SQLite ≥ 3.35), given back by
deleting it. A worker that dies mid-request holds its slot until the lease ends."""

from __future__ import annotations

import os
import socket
import time
import uuid

from tortoise import Tortoise

from instance.storage.models import HostSlot
from instance.storage.raw_sql import placeholders


def new_holder() -> str:
    """host:pid:random — which delivery holds a slot (for a reader of the table)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:128]


async def acquire(host: str, slots: int, holder: str, lease_seconds: float,
                  now: float | None = None) -> int | None:
    """Take a free slot of `host` (one of `slots`) for `holder`: its number, or None when
    every slot is leased to someone else."""
    now = time.time() if now is None else now
    connection = Tortoise.get_connection("default")
    p = placeholders(connection.capabilities.dialect, 5)
    statement = (
        f"INSERT INTO host_slots (host, slot, holder, expires_at) "
        f"VALUES ({p[0]}, {p[1]}, {p[2]}, {p[3]}) "
        f"ON CONFLICT (host, slot) DO UPDATE SET holder = excluded.holder, "
        f"expires_at = excluded.expires_at WHERE host_slots.expires_at <= {p[4]} "
        f"RETURNING slot")
    for slot in range(slots):
        rows = await connection.execute_query_dict(
            statement, [host[:255], slot, holder, int(now + lease_seconds) + 1, int(now)])
        if rows:
            return slot
    return None


async def release(host: str, slot: int, holder: str) -> None:
    """Give the slot back (only if this holder still has it: an expired lease may have
    been taken over)."""
    await HostSlot.filter(host=host[:255], slot=slot, holder=holder).delete()
