"""Scheduled statuses (Mastodon's ScheduledStatus): the entity, and GET (list, one),
PUT (a new scheduled_at) and DELETE of /api/v1/scheduled_statuses/:id. They are made by
POST /api/v1/statuses with `scheduled_at` (instance/api/statuses.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from quart import Blueprint, jsonify

from instance.actions.scheduled import own, reschedule
from instance.api.auth import me, scoped
from instance.api.body import Params, params
from instance.api.common import base_url, json_page, parse_id
from instance.api.entities import iso, media_entity
from instance.api.errors import ApiError
from instance.api.paging import link_header, page
from instance.services import current_services
from instance.storage.models import MediaAttachment, ScheduledStatus

blueprint = Blueprint("api_scheduled_statuses", __name__, url_prefix="/api/v1/scheduled_statuses")


def parse_when(p: Params) -> datetime | None:
    """`scheduled_at` as an aware time, None when absent; 422 when it is not a time."""
    raw = p.text("scheduled_at", max_length=64).strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(422, "Validation failed: scheduled_at must be an ISO 8601 time") from None


async def scheduled_entity(row: ScheduledStatus) -> dict[str, Any]:
    kept = row.params
    media_ids = [int(i) for i in kept.get("media_ids") or []]
    media = await MediaAttachment.filter(id__in=media_ids) if media_ids else []
    return {
        "id": str(row.id),
        "scheduled_at": iso(row.scheduled_at),
        "params": {
            "text": kept.get("content_source", ""),
            "poll": kept.get("poll"),
            "media_ids": [str(i) for i in media_ids] or None,
            "sensitive": kept.get("sensitive"),
            "spoiler_text": kept.get("summary") or None,
            "visibility": kept.get("visibility"),
            "in_reply_to_id": str(kept["in_reply_to_id"]) if kept.get("in_reply_to_id") else None,
            "language": kept.get("language"),
            "application_id": None,
            "scheduled_at": None,
            "idempotency": None,
            "with_rate_limit": False,
        },
        "media_attachments": [media_entity(m, base_url()) for m in media],
    }


@blueprint.get("")
@scoped("read:statuses")
async def list_scheduled():
    paging = page(await params(), default=20, maximum=40)
    rows = await paging.rows(ScheduledStatus.filter(account_id=me().id))
    return json_page([await scheduled_entity(r) for r in rows],
                     link_header(base_url(), rows[0].id if rows else None,
                                 rows[-1].id if rows else None))


@blueprint.get("/<row_id>")
@scoped("read:statuses")
async def get_scheduled(row_id: str):
    return jsonify(await scheduled_entity(await own(me(), parse_id(row_id))))


@blueprint.route("/<row_id>", methods=["PUT"])
@scoped("write:statuses")
async def update_scheduled(row_id: str):
    when = parse_when(await params())
    if when is None:
        raise ApiError(422, "Validation failed: scheduled_at is required")
    row = await reschedule(current_services(), me(), parse_id(row_id), when)
    return jsonify(await scheduled_entity(row))


@blueprint.delete("/<row_id>")
@scoped("write:statuses")
async def delete_scheduled(row_id: str):
    row = await own(me(), parse_id(row_id))
    await row.delete()
    return jsonify({})
