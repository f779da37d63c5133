"""What every delivery of one activity shares, read and built once per process: the
serialised body and the sender's signer. A fan-out to 1,000 inboxes used to load the
activity row, the account row and re-serialise the document 1,000 times.

Bounded (an LRU of recent activities) and short-lived (`TTL`): an activity whose row or
sender was deleted meanwhile stops being delivered once its entry expires."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from dataclasses import dataclass

from federation.client import Signer
from instance.actors.instance_actor import signer_for
from instance.storage import db
from instance.storage.models import Account, OutboxActivity

TTL = 60.0
MAX_ENTRIES = 256


@dataclass(frozen=True)
class Prepared:
    body: bytes
    signer: Signer


_entries: OrderedDict[tuple[int, int], tuple[Prepared, float]] = OrderedDict()


async def prepared(activity_id: int) -> Prepared | None:
    """Body and signer for the activity, or None when it no longer exists."""
    key = (db.generation(), activity_id)
    found = _entries.get(key)
    if found is not None and time.monotonic() < found[1]:
        _entries.move_to_end(key)
        return found[0]
    record = await OutboxActivity.get_or_none(id=activity_id)
    if record is None:
        _entries.pop(key, None)
        return None
    account = await Account.get(id=record.account_id)
    built = Prepared(json.dumps(record.document, separators=(",", ":")).encode(),
                     signer_for(account))
    _entries[key] = (built, time.monotonic() + TTL)
    _entries.move_to_end(key)
    while len(_entries) > MAX_ENTRIES:
        _entries.popitem(last=False)
    return built


def forget() -> None:
    _entries.clear()
