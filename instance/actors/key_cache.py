"""Senders' public keys in memory: every signed request reads its key, and keys rarely
change. A bounded LRU with a TTL, per process.

A stale entry is harmless for correctness: a key that no longer verifies makes the
verifier ask again with `refresh=True`, which bypasses this cache, fetches the actor once
and stores the new key here. What this process writes to an account's key (a fetch, a key
moved to another actor) drops the entry at once; other processes hold theirs at most `TTL`
(so an actor erased, or a key blanked, in another process still verifies here that long;
the domain gate is not cached here and takes effect at once).
"""

from __future__ import annotations

import time
from collections import OrderedDict

from federation.signatures import PublicKeyInfo
from instance.storage import db

TTL = 120.0
MAX_ENTRIES = 10_000

_entries: OrderedDict[str, tuple[PublicKeyInfo, float]] = OrderedDict()
_generation = [-1]


def get(key_id: str) -> PublicKeyInfo | None:
    """The cached key, or None when absent or expired."""
    if _generation[0] != db.generation():
        _entries.clear()
        _generation[0] = db.generation()
        return None
    found = _entries.get(key_id)
    if found is None:
        return None
    info, expires = found
    if time.monotonic() >= expires:
        del _entries[key_id]
        return None
    _entries.move_to_end(key_id)
    return info


def put(key_id: str, info: PublicKeyInfo) -> None:
    if _generation[0] != db.generation():
        _entries.clear()
        _generation[0] = db.generation()
    _entries[key_id] = (info, time.monotonic() + TTL)
    _entries.move_to_end(key_id)
    while len(_entries) > MAX_ENTRIES:
        _entries.popitem(last=False)


def drop(key_id: str | None = None, owner: str | None = None) -> None:
    """Forget one key id, and/or every key of one owner (actor id)."""
    if key_id is not None:
        _entries.pop(key_id, None)
    if owner is not None:
        for cached in [k for k, (info, _) in _entries.items() if info.owner == owner]:
            del _entries[cached]


def clear() -> None:
    _entries.clear()
