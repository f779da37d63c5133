"""Which notifications are unread, and marking them read: one rule for the web page, the
header's count and the Mastodon API (`unread_count` and the notifications read marker).

A notification is unread while its `read_at` is empty and its id is above the person's
notifications marker (Mastodon's `last_read_id`, kept in `User.settings["markers"]` so
every client of theirs sees the same position). "Mark all as read" moves that marker to
the newest notification; opening one notification from the web sets its `read_at`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from instance.attachments.review import REVIEW_NOTIFICATION as REVIEW
from instance.attachments.review import REVIEW_REQUEST_NOTIFICATION as REVIEW_REQUEST
from instance.storage.models import Notification, User
from instance.storage.visibility import outside_blocked_domains

MARKER_TIMELINES = ("home", "notifications")
UNREAD_CAP = 1000  # Mastodon caps unread_count at 1000 too
GROUPED_KINDS = ("favourite", "reblog")
__all__ = ["REVIEW", "REVIEW_REQUEST", "count_unread", "group_key", "mark_all_read", "mark_read", "visible"]


def visible(account_id: int) -> Any:
    """The notifications a person is shown: not dismissed, not from a suspended account
    nor from a domain the person blocked."""
    return Notification.filter(recipient_id=account_id, dismissed=False,
                               from_account__suspended=False).filter(
        outside_blocked_domains(account_id, "from_account"))


def marker_id(settings: dict[str, Any] | None, timeline: str = "notifications") -> int | None:
    """The stored `last_read_id` of one timeline, or None."""
    value = (((settings or {}).get("markers") or {}).get(timeline) or {}).get("last_read_id")
    return int(value) if isinstance(value, str) and value.isdigit() else None


def with_marker(settings: dict[str, Any] | None, timeline: str, last_read_id: str) -> tuple[
        dict[str, Any], dict[str, Any]]:
    """(new settings, the marker entity): the marker moved, its version one higher."""
    settings = dict(settings or {})
    markers = dict(settings.get("markers") or {})
    old = markers.get(timeline) or {}
    markers[timeline] = {
        "last_read_id": last_read_id,
        "version": int(old.get("version", 0)) + 1,
        "updated_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    settings["markers"] = markers
    return settings, markers[timeline]


def is_unread(row: Notification, marker: int | None) -> bool:
    return row.read_at is None and (marker is None or row.id > marker)


async def count_unread(user: User) -> int:
    """How many of the person's notifications are unread (at most UNREAD_CAP), leaving out
    those the notification policy holds back; `user` loaded in this request (its
    settings hold the marker and the policy)."""
    from instance.actions.notification_policy import listed

    query = await listed(visible(user.account_id).filter(read_at=None), user)
    marker = marker_id(user.settings)
    if marker is not None:
        query = query.filter(id__gt=marker)
    return min(await query.limit(UNREAD_CAP).count(), UNREAD_CAP)


async def mark_all_read(user_id: int) -> None:
    """Move the notifications marker to the newest notification (what clients read too)."""
    user = await User.get(id=user_id)
    newest = await Notification.filter(recipient_id=user.account_id).order_by("-id").first()
    if newest is None or (marker_id(user.settings) or 0) >= newest.id:
        return
    settings, _ = with_marker(user.settings, "notifications", str(newest.id))
    await User.filter(id=user.id).update(settings=settings)


async def mark_read(account_id: int, notification_id: int) -> Notification | None:
    """Open one notification: it, and the rest of its group (the other likes of that
    work, say), are read from now on. None if it is not the person's."""
    row = await visible(account_id).filter(id=notification_id).first()
    if row is None:
        return None
    same = Notification.filter(recipient_id=account_id, read_at=None)
    if row.kind in GROUPED_KINDS and row.work_id:
        same = same.filter(kind=row.kind, work_id=row.work_id)
    else:
        same = same.filter(id=row.id)
    await same.update(read_at=datetime.now(UTC))
    return row


def group_key(row: Notification, follows: bool = False) -> str:
    """Likes and boosts of one work share a group (the web shows "Ana and 3 others liked
    …", the API sends the same `group_key`); with `follows` (the API), follows of one UTC
    day share one too, as in Mastodon 4.3 (`follow-<days since 1970>`); every other
    notification is its own."""
    if row.kind in GROUPED_KINDS and row.work_id:
        return f"{row.kind}-{row.work_id}"
    if follows and row.kind == "follow" and row.created_at is not None:
        return f"follow-{int(row.created_at.timestamp()) // 86400}"
    return f"ungrouped-{row.id}"
