"""Grouped notifications (Mastodon 4.3's /api/v2/notifications): likes and boosts of one
work, and the follows of one day, are one group; every other notification is its own.
The group key is `instance.actions.notifications.group_key`'s, so v1 and v2 agree.

A page walks the notifications newest first (oldest first after `min_id`) and stops
before the group that would be one too many, so paging by notification id never skips
or repeats a notification; a group's count is what it holds on that page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from quart import Blueprint, jsonify

from instance.actions.notification_policy import listed
from instance.actions.notifications import (
    GROUPED_KINDS,
    UNREAD_CAP,
    group_key,
    marker_id,
    visible,
)
from instance.api.auth import calling_user, me, scoped
from instance.api.body import Params, as_id, params
from instance.api.common import base_url, json_page
from instance.api.entities import account_entity, iso
from instance.api.errors import ApiError
from instance.api.filtering import apply_filters
from instance.api.notifications import _review, of_kinds
from instance.api.paging import Page, link_header, page
from instance.api.status_batch import statuses_for
from instance.storage.models import Notification, User

blueprint = Blueprint("api_notifications_v2", __name__, url_prefix="/api/v2/notifications")

DEFAULT_GROUPED = (*GROUPED_KINDS, "follow")
SAMPLE_ACCOUNTS = 8  # as Mastodon
SCAN_FACTOR = 10  # notifications read per group asked for, at most


def _key(row: Notification, grouped: tuple[str, ...]) -> str:
    key = group_key(row, follows=True)
    return key if row.kind in grouped else f"ungrouped-{row.id}"


def _filtered(query: Any, p: Params) -> Any:
    query = of_kinds(query, p)
    account_id = as_id(p.text("account_id", max_length=20) or "")
    if account_id is not None:
        query = query.filter(from_account_id=account_id)
    return query


def _grouped_types(p: Params) -> tuple[str, ...]:
    asked = p.list("grouped_types")
    return tuple(t for t in asked if t in DEFAULT_GROUPED) if asked else DEFAULT_GROUPED


async def _shown(rows: list[Notification], viewer_id: int) -> tuple[list[Notification], dict[int, Any]]:
    """The rows a person is shown (a status hidden by a filter drops its notification,
    as in v1) and the status entities by id."""
    statuses = await statuses_for(sorted({r.work_id for r in rows if r.work_id}), base_url(), viewer_id)
    statuses = await apply_filters(statuses, viewer_id, "notifications")
    by_id = {int(s["id"]): s for s in statuses}
    kept = [r for r in rows if not r.work_id or r.work_id in by_id or r.kind.startswith("impasto.")]
    return kept, by_id


def _group(key: str, rows: list[Notification]) -> dict[str, Any]:
    """One NotificationGroup; `rows` newest first."""
    newest = rows[0]
    samples: list[str] = []
    for r in rows:
        if str(r.from_account_id) not in samples and len(samples) < SAMPLE_ACCOUNTS:
            samples.append(str(r.from_account_id))
    body: dict[str, Any] = {
        "group_key": key,
        "notifications_count": len(rows),
        "type": newest.kind,
        "most_recent_notification_id": str(newest.id),
        "page_min_id": str(rows[-1].id),
        "page_max_id": str(newest.id),
        "latest_page_notification_at": iso(newest.created_at),
        "sample_account_ids": samples,
        "status_id": str(newest.work_id) if newest.work_id else None,
    }
    if newest.kind.startswith("impasto."):
        body["impasto_review"] = _review(newest)
    return body


def _answer(groups: list[tuple[str, list[Notification]]], by_id: dict[int, Any]) -> dict[str, Any]:
    accounts: dict[int, Any] = {}
    for _, rows in groups:
        for r in rows:
            accounts.setdefault(r.from_account_id, r.from_account)
    wanted = {r.work_id for _, rows in groups for r in rows if r.work_id}
    return {
        "accounts": [account_entity(a, base_url()) for a in accounts.values()],
        "statuses": [s for i, s in by_id.items() if i in wanted],
        "notification_groups": [_group(k, rows) for k, rows in groups],
    }


@blueprint.get("")
@scoped("read:notifications")
async def list_groups():
    p = await params()
    paging = page(p, default=40, maximum=80)
    grouped = _grouped_types(p)
    scan = Page(paging.limit * SCAN_FACTOR, paging.max_id, paging.since_id, paging.min_id)
    user = await User.get(id=calling_user().id)  # the token's user is cached a minute
    mine = await listed(visible(user.account_id), user)
    rows = list(await scan.apply(_filtered(mine, p).select_related("from_account")))
    kept, by_id = await _shown(rows, me().id)
    groups: dict[str, list[Notification]] = {}
    consumed: list[Notification] = []
    for row in kept:
        key = _key(row, grouped)
        if key not in groups and len(groups) >= paging.limit:
            break
        groups.setdefault(key, []).append(row)
        consumed.append(row)
    if len(consumed) < len(kept):  # stopped early: the page ends at the last row taken
        rows = [r for r in rows if (r.id >= consumed[-1].id if paging.min_id is None
                                    else r.id <= consumed[-1].id)]
    ordered = sorted(((k, sorted(v, key=lambda r: -r.id)) for k, v in groups.items()),
                     key=lambda kv: -kv[1][0].id)
    ids = [r.id for r in rows]
    headers = link_header(base_url(), max(ids), min(ids)) if ids else {}
    return json_page(_answer(ordered, by_id), headers)


async def _group_query(key: str) -> Any:
    """The person's notifications in the group `key`; 404 for a key that cannot be one."""
    kind, _, rest = key.rpartition("-")
    number = as_id(rest)
    user = await User.get(id=calling_user().id)
    query = await listed(visible(user.account_id), user)
    if number is None:
        raise ApiError(404, "Record not found")
    if kind in GROUPED_KINDS:
        return query.filter(kind=kind, work_id=number)
    if kind == "ungrouped":
        return query.filter(id=number)
    if kind == "follow":
        start = datetime.fromtimestamp(number * 86400, UTC)
        return query.filter(kind="follow", created_at__gte=start,
                            created_at__lt=start + timedelta(days=1))
    raise ApiError(404, "Record not found")


@blueprint.get("/unread_count")
@scoped("read:notifications")
async def unread_count():
    """How many groups hold an unread notification (at most 1000), as Mastodon's v2."""
    p = await params()
    user = await User.get(id=calling_user().id)  # the token's user is cached a minute
    query = _filtered(await listed(visible(user.account_id).filter(read_at=None), user), p)
    marker = marker_id(user.settings)
    if marker is not None:
        query = query.filter(id__gt=marker)
    grouped = _grouped_types(p)
    rows = await query.order_by("-id").limit(UNREAD_CAP * SCAN_FACTOR)
    return jsonify({"count": min(len({_key(r, grouped) for r in rows}), UNREAD_CAP)})


@blueprint.get("/<key>")
@scoped("read:notifications")
async def get_group(key: str):
    rows = list(await (await _group_query(key)).select_related("from_account").order_by("-id").limit(80))
    kept, by_id = await _shown(rows, me().id)
    if not kept:
        raise ApiError(404, "Record not found")
    return jsonify(_answer([(key, kept)], by_id))


@blueprint.get("/<key>/accounts")
@scoped("read:notifications")
async def group_accounts(key: str):
    rows = list(await (await _group_query(key)).select_related("from_account").order_by("-id").limit(80))
    if not rows:
        raise ApiError(404, "Record not found")
    seen: dict[int, Any] = {}
    for r in rows:
        seen.setdefault(r.from_account_id, r.from_account)
    return json_page([account_entity(a, base_url()) for a in seen.values()])


@blueprint.post("/<key>/dismiss")
@scoped("write:notifications")
async def dismiss_group(key: str):
    ids = await (await _group_query(key)).values_list("id", flat=True)
    if not ids:
        raise ApiError(404, "Record not found")
    await Notification.filter(id__in=list(ids)).update(dismissed=True)
    return jsonify({})
