"""Notifications: list (types[] / exclude_types[], paging), get, dismiss, clear.
Dismissed notifications stay stored (moderation may need them) but are never listed."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, jsonify

from instance.actions.notification_policy import listed
from instance.actions.notifications import REVIEW, REVIEW_REQUEST, count_unread, group_key, visible
from instance.api.auth import calling_user, me, scoped
from instance.api.body import Params, params
from instance.api.common import base_url, json_page, parse_id
from instance.api.entities import account_entity, iso
from instance.api.errors import ApiError
from instance.api.filtering import apply_filters
from instance.api.paging import link_header, page
from instance.api.status_batch import statuses_for
from instance.storage.models import Notification, User

blueprint = Blueprint("api_notifications", __name__, url_prefix="/api/v1/notifications")

TYPES = (
    "mention",
    "poll",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "admin.sign_up",
    "admin.report",
    REVIEW,
    REVIEW_REQUEST,
)


async def entities(rows: list[Notification], viewer_id: int) -> list[dict[str, Any]]:
    shown = await statuses_for([r.work_id for r in rows if r.work_id], base_url(), viewer_id)
    shown = await apply_filters(shown, viewer_id, "notifications")
    by_id = {int(s["id"]): s for s in shown}
    return [
        {
            "id": str(r.id),
            "type": r.kind,
            "group_key": group_key(r, follows=True),
            "created_at": iso(r.created_at),
            "account": account_entity(r.from_account, base_url()),
            "status": by_id.get(r.work_id) if r.work_id else None,
            **({"impasto_review": _review(r)} if r.kind in (REVIEW, REVIEW_REQUEST) else {}),
        }
        for r in rows
        # a review is about an upload: it is sent even while its work is unpublished
        if not r.work_id or r.work_id in by_id or r.kind in (REVIEW, REVIEW_REQUEST)
    ]


def _review(row: Notification) -> dict[str, Any]:
    """A moderator's decision on one of the person's uploads, or an artist's request
    for a review (to staff); docs/client-api.md."""
    detail = row.detail or {}
    if row.kind == REVIEW_REQUEST:
        shown = {"note": detail.get("note", "")}
    else:
        shown = {"decision": detail.get("decision"), "reason": detail.get("reason", "")}
    return {"media_id": str(row.media_id) if row.media_id else None, **shown}


def of_kinds(query: Any, p: Params) -> Any:
    """`query` narrowed by the request's `types[]` and `exclude_types[]` (unknown ones ignored,
    as Mastodon does); shared by the v1 and v2 lists."""
    types = [t for t in p.list("types") if t in TYPES]
    if types:
        query = query.filter(kind__in=types)
    excluded = [t for t in p.list("exclude_types") if t in TYPES]
    if excluded:
        query = query.filter(kind__not_in=excluded)
    return query


async def _mine():
    """The caller's notifications in the normal list (the policy's filtered ones are
    requests, instance/api/notification_requests.py)."""
    user = await User.get(id=calling_user().id)  # the token's user is cached a minute
    return await listed(visible(user.account_id), user)


@blueprint.get("")
@scoped("read:notifications")
async def list_notifications():
    p = await params()
    query = await _mine()
    query = of_kinds(query, p)
    account_id = p.text("account_id", max_length=20)
    if account_id:
        query = query.filter(from_account_id=parse_id(account_id))
    paging = page(p, default=40, maximum=80)
    rows = await paging.rows(query.select_related("from_account"))
    body = await entities(rows, me().id)
    return json_page(
        body, link_header(base_url(), rows[0].id if rows else None, rows[-1].id if rows else None)
    )


@blueprint.get("/unread_count")
@scoped("read:notifications")
async def unread_count():
    fresh = await User.get(id=calling_user().id)  # the token's user is cached a minute
    return jsonify({"count": await count_unread(fresh)})


@blueprint.get("/<notification_id>")
@scoped("read:notifications")
async def get_notification(notification_id: str):
    row = await (await _mine()).filter(id=parse_id(notification_id)).select_related("from_account").first()
    if row is None:
        raise ApiError(404, "Record not found")
    found = await entities([row], me().id)
    if not found:
        raise ApiError(404, "Record not found")
    return jsonify(found[0])


@blueprint.post("/<notification_id>/dismiss")
@scoped("write:notifications")
async def dismiss(notification_id: str):
    done = await Notification.filter(id=parse_id(notification_id), recipient_id=me().id).update(
        dismissed=True
    )
    if not done:
        raise ApiError(404, "Record not found")
    return jsonify({})


@blueprint.post("/clear")
@scoped("write:notifications")
async def clear():
    await Notification.filter(recipient_id=me().id, dismissed=False).update(dismissed=True)
    return jsonify({})
