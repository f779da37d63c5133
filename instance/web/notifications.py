"""The notifications page: each entry links to what happened (through /notifications/<id>,
which marks it read) with a thumbnail of the work; likes and boosts of one work are one
entry ("Ana and 3 others liked …"); "Mark all as read" moves the read marker that
Mastodon clients share (instance.actions.notifications owns the unread rule)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quart import Blueprint, abort, redirect, render_template, request, url_for
from tortoise.query_utils import Prefetch

from instance.actions.notifications import (
    REVIEW,
    REVIEW_REQUEST,
    group_key,
    is_unread,
    mark_all_read,
    mark_read,
    marker_id,
    visible,
)
from instance.storage.models import Account, MediaAttachment, MediaState, Notification, WorkState
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.render import media_url
from instance.web.session import login_required, signed_in_user

blueprint = Blueprint("notifications", __name__)
blueprint.before_request(check_csrf)

PAGE = 60  # rows read per page (a group of likes counts each like)


@dataclass
class Entry:
    """One line of the page: a notification, or the likes (boosts) of one work."""

    rows: list[Notification] = field(default_factory=list)  # newest first
    unread: bool = False

    @property
    def newest(self) -> Notification:
        return self.rows[0]

    @property
    def accounts(self) -> list[Account]:
        seen: dict[int, Account] = {}
        for row in self.rows:
            seen.setdefault(row.from_account_id, row.from_account)
        return list(seen.values())


def grouped(rows: list[Notification], marker: int | None) -> list[Entry]:
    """Rows (newest first) into entries, each placed where its newest row is."""
    entries: dict[str, Entry] = {}
    for row in rows:
        entry = entries.setdefault(group_key(row), Entry())
        entry.rows.append(row)
        entry.unread = entry.unread or is_unread(row, marker)
    return list(entries.values())


def work_url(work: Any) -> str | None:
    """The page of a work that can be shown, else None."""
    if work is None or work.state != WorkState.READY or work.deleted_at is not None:
        return None
    if work.local:
        return url_for("pages.work", username=work.account.username, work_id=work.id)
    return url_for("pages.any_work", work_id=work.id)


def account_url(account: Account) -> str:
    if account.domain is None:
        return url_for("pages.profile", username=account.username)
    return url_for("social.remote_profile", username=account.username, domain=account.domain)


def target_url(row: Notification) -> str:
    """Where "what happened" is shown (always a path on this site)."""
    if row.kind == "admin.sign_up":
        return url_for("admin_queue.registrations")
    if row.kind == "admin.report":
        return url_for("admin_queue.reports")
    if row.kind == REVIEW_REQUEST:
        return url_for("admin_queue.media_review") + f"#media-{row.media_id}"
    if row.kind == REVIEW:
        shown = work_url(row.work)
        if shown:
            return shown
        return url_for("my_media.detail", media_id=row.media_id) if row.media_id else url_for(".page")
    if row.kind in ("follow", "follow_request"):
        return account_url(row.from_account)
    return work_url(row.work) or account_url(row.from_account)


def thumbnail(row: Notification) -> str | None:
    """The work's first served image, or the reviewed upload's own thumbnail."""
    if row.kind in (REVIEW, REVIEW_REQUEST) and row.media is not None:
        return media_url(row.media, "thumb")
    if row.work is None:
        return None
    media = sorted(row.work.media, key=lambda m: m.position)
    return media_url(media[0], "thumb") if media else None


def publishable(row: Notification) -> bool:
    """An approved upload that is in no work yet: the artist may publish it now."""
    media = row.media
    return (row.kind == REVIEW and media is not None and media.work_id is None
            and media.state == MediaState.READY)


@blueprint.get("/notifications")
@login_required
async def page():
    me = await signed_in_user()
    query = visible(me.account_id)
    before = request.args.get("before", "")
    if before.isdigit():
        query = query.filter(id__lt=int(before))
    rows = await query.order_by("-id").limit(PAGE + 1).prefetch_related(
        "from_account", "media", "work__account",
        Prefetch("work__media", queryset=MediaAttachment.filter(state=MediaState.READY)))
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    entries = grouped(rows, marker_id(me.settings))
    return await render_template(
        "notifications.html", entries=entries, title=gettext("Notifications"),
        any_unread=any(e.unread for e in entries),
        next_before=rows[-1].id if more else None,
        target_url=target_url, thumbnail=thumbnail, account_url=account_url,
        publishable=publishable, message=request.args.get("done", ""),
    )


@blueprint.get("/notifications/<int:notification_id>")
@login_required
async def open_one(notification_id: int):
    """Follow a notification's link: it (and its group) is read from now on."""
    me = await signed_in_user()
    row = await mark_read(me.account_id, notification_id)
    if row is None:
        abort(404, description="No such notification.")
    await row.fetch_related("from_account", *(("work__account",) if row.work_id else ()))
    return redirect(target_url(row))


@blueprint.post("/notifications/read")
@login_required
async def read_all():
    me = await signed_in_user()
    await mark_all_read(me.id)
    return redirect(url_for(".page", done=gettext("All notifications are marked as read.")))
