"""Every domain policy held in memory, so the inbox, fetches and deliveries ask no query.

Why this design: the policy table is small (a few thousand rows even with imported
blocklists) and read on every request, while changes are rare. Each process keeps the
whole table and reloads it when
- this process changed a policy (`changed()`: at once, after the change committed), or
- another process did: every change bumps the `POLICY_STAMP` row, which
  `site_settings.refresh` already reads before each request and job claim (one query it
  made anyway), so the change is seen at the next request there, or
- `TTL` seconds passed (a safety net for processes that never refresh, and for rows
  written by hand), or the process connected to a database again.
LISTEN/NOTIFY would be PostgreSQL only; a TTL alone would leave a suspension open for
the whole TTL in other processes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.signals import Signals

from instance import site_settings
from instance.moderation.domain_names import domain_and_parents
from instance.single_flight import SingleFlight
from instance.storage import db
from instance.storage.models import DomainPolicy

TTL = 30.0
VERDICTS = 4096  # bound of a snapshot's remembered verdicts
_clock = time.monotonic  # tests move it forward


@dataclass
class Snapshot:
    """The table as one process last read it."""

    blocks: dict[str, DomainPolicy] = field(default_factory=dict)  # domain → block policy
    allowed: frozenset[str] = frozenset()  # allowlist-mode entries
    stamp: int | None = None
    generation: int = -1
    loaded_at: float = 0.0
    # (domain, allowlist mode) → suspended?: asked per delivery, answered once per domain
    verdicts: dict[tuple[str, bool], bool] = field(default_factory=dict)

    def covering(self, domain: str) -> DomainPolicy | None:
        """The most specific block policy over `domain` (lower-cased): its own, else a parent's."""
        return next((self.blocks[c] for c in domain_and_parents(domain) if c in self.blocks), None)

    def allows(self, domain: str) -> bool:
        """Allowlist mode: is `domain` (lower-cased) or a parent on the allowlist?"""
        return any(candidate in self.allowed for candidate in domain_and_parents(domain))

    def remember(self, key: tuple[str, bool], verdict: bool) -> bool:
        if len(self.verdicts) >= VERDICTS:
            self.verdicts.clear()
        self.verdicts[key] = verdict
        return verdict


_current: list[Snapshot | None] = [None]
_loads: SingleFlight[int, Snapshot] = SingleFlight()


def _fresh(snapshot: Snapshot | None) -> bool:
    return (snapshot is not None and snapshot.generation == db.generation()
            and snapshot.stamp == site_settings.seen_stamp(site_settings.POLICY_STAMP)
            and _clock() - snapshot.loaded_at < TTL)


async def snapshot() -> Snapshot:
    """The policies in force, read again only when stale (once for all who ask meanwhile)."""
    held = _current[0]
    if _fresh(held):
        assert held is not None
        return held
    return await _loads.run(db.generation(), _load)


async def _load() -> Snapshot:
    held = _current[0]
    if _fresh(held):  # loaded while this load waited to start
        assert held is not None
        return held
    stamp = site_settings.seen_stamp(site_settings.POLICY_STAMP)
    generation, started = db.generation(), _clock()
    rows = await DomainPolicy.all()
    loaded = Snapshot(
        blocks={row.domain: row for row in rows if not row.allow},
        allowed=frozenset(row.domain for row in rows if row.allow),
        stamp=stamp, generation=generation, loaded_at=started,
    )
    _current[0] = loaded
    return loaded


def forget() -> None:
    """Drop this process's copy: the next question reads the table again."""
    _current[0] = None


async def changed(connection: BaseDBAsyncClient | None = None) -> None:
    """Call in the transaction that changed policies: bumps the stamp other processes
    watch, and drops this process's copy."""
    await site_settings.bump_stamp(connection, site_settings.POLICY_STAMP)
    forget()


async def _on_write(_sender: Any, _instance: DomainPolicy, *args: Any) -> None:
    """A policy saved or deleted through the model (`create`, `save`, `delete`), wherever
    it was written; query-set updates and deletes call `changed()` themselves."""
    using_db = args[1] if len(args) > 2 else args[0] if args else None
    await changed(using_db)


def install() -> None:
    """Register the listeners (idempotent: Tortoise keeps one copy of a listener)."""
    DomainPolicy.register_listener(Signals.post_save, _on_write)
    DomainPolicy.register_listener(Signals.post_delete, _on_write)


install()
