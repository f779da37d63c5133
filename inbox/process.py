"""The `inbox.process` job: run the handler for a stored InboxItem's activity type.

Handlers live one per type in `inbox.handlers`; an unknown type is acknowledged and
dropped. The item ends `processed`, `dropped` (with the reason) or `failed`."""

from __future__ import annotations

import importlib
import logging
from datetime import UTC, datetime

from federation.jsonld import JsonLdError, normalize
from instance.jobs import Permanent
from instance.jobs.registry import JobContext, register
from instance.storage.models import InboxItem

log = logging.getLogger("impasto.inbox")

PROCESS_JOB = "inbox.process"

HANDLERS: dict[str, str] = {
    "Follow": "inbox.handlers.follow",
    "Accept": "inbox.handlers.accept",
    "Reject": "inbox.handlers.reject",
    "Undo": "inbox.handlers.undo",
    "Create": "inbox.handlers.create",
    "Update": "inbox.handlers.update",
    "Delete": "inbox.handlers.delete",
    "Announce": "inbox.handlers.announce",
    "Like": "inbox.handlers.like",
    "Block": "inbox.handlers.block",
    "Flag": "inbox.handlers.flag",
    "Move": "inbox.handlers.move",
}


class Drop(Exception):
    """The activity is understood but not acted on; the message is the reason kept."""


async def _finish(item: InboxItem, state: str, reason: str = "") -> None:
    await InboxItem.filter(id=item.id).update(
        state=state, reason=reason[:2000], processed_at=datetime.now(UTC)
    )


@register(PROCESS_JOB)
async def process(ctx: JobContext, payload: dict) -> None:
    item = await InboxItem.get_or_none(id=payload["item"])
    if item is None:
        raise Permanent("the inbox item is gone")
    if item.state != "received":
        return
    module_name = HANDLERS.get(item.activity_type)
    if module_name is None:
        await _finish(item, "dropped", f"unsupported type {item.activity_type}")
        return
    handler = importlib.import_module(module_name).handle
    try:
        document = normalize(item.document)  # fast path for plain AS2, pyld otherwise
    except JsonLdError as exc:
        await _finish(item, "dropped", f"unreadable JSON-LD: {exc}")
        return
    try:
        await handler(ctx.services, document)
    except Drop as exc:
        await _finish(item, "dropped", str(exc))
        return
    except Permanent as exc:
        await _finish(item, "failed", str(exc))
        raise
    except Exception as exc:
        if ctx.attempt >= ctx.max_attempts:
            await _finish(item, "failed", f"{type(exc).__name__}: {exc}")
        raise
    await _finish(item, "processed")
