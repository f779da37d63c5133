"""Statuses: post (with media and Impasto's art fields), read, delete, thread context,
and the interactions (favourite, reblog, bookmark, pin). Works are created, liked and
boosted only through instance.actions so that everything federates."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import TYPE_CHECKING

from quart import Blueprint, jsonify, request

from federation import licences
from instance.actions.pins import set_pinned
from instance.api.auth import me, scoped, viewer
from instance.api.body import Params, as_id, params
from instance.api.common import base_url, json_page, parse_id, work_or_404
from instance.api.entities import account_entity, iso, reblog_entity
from instance.api.errors import ApiError
from instance.api.filtering import apply_filters
from instance.api.instance_info import MAX_CHARACTERS, MAX_MEDIA
from instance.api.paging import link_header, page
from instance.api.polls import poll_of_request
from instance.api.scheduled_statuses import parse_when, scheduled_entity
from instance.api.status_batch import statuses_for
from instance.api.visibility import can_see
from instance.services import current_services
from instance.storage.models import Boost, Like, MediaAttachment, OutboxActivity, Work
from instance.storage.models.works import VISIBILITIES
from media.errors import MediaRejected

if TYPE_CHECKING:
    from instance.actions.editing import ImageEdit

blueprint = Blueprint("api_statuses", __name__, url_prefix="/api/v1/statuses")

_idempotency: OrderedDict[tuple[int, str], tuple[float, int]] = OrderedDict()
IDEMPOTENCY_SECONDS = 3600


async def one(work: Work) -> dict:
    reader = viewer()
    return (await statuses_for([work.id], base_url(), reader.id if reader else None))[0]


async def reload(work_id: int) -> dict:
    reader = viewer()
    found = await statuses_for([work_id], base_url(), reader.id if reader else None)
    if not found:
        raise ApiError(404, "Record not found")
    return found[0]


def _remembered(key: str) -> int | None:
    now = time.monotonic()
    while _idempotency and next(iter(_idempotency.values()))[0] < now - IDEMPOTENCY_SECONDS:
        _idempotency.popitem(last=False)
    found = _idempotency.get((me().id, key))
    return found[1] if found else None


@blueprint.post("")
@scoped("write:statuses")
async def create():
    from instance.actions.scheduled import schedule
    from instance.actions.works import create_work

    key = request.headers.get("Idempotency-Key", "")[:128]
    if key and (earlier := _remembered(key)) is not None:
        return jsonify(await reload(earlier))
    p = await params()
    text = p.text("status", max_length=MAX_CHARACTERS)
    media_ids = []
    for raw in p.list("media_ids"):
        media_ids.append(parse_id(raw, "Media"))
    if len(media_ids) > MAX_MEDIA:
        raise ApiError(422, f"Validation failed: at most {MAX_MEDIA} media attachments")
    if not text.strip() and not media_ids:
        raise ApiError(422, "Validation failed: Text can't be blank")
    poll = poll_of_request(p)
    if poll is not None and media_ids:
        raise ApiError(422, "Validation failed: a status cannot have both media and a poll")
    visibility = p.text("visibility", max_length=16) or "public"
    if visibility not in VISIBILITIES:
        raise ApiError(422, f"Validation failed: visibility must be one of {', '.join(VISIBILITIES)}")
    reply_to = p.text("in_reply_to_id", max_length=20)
    in_reply_to_id = None
    if reply_to:
        in_reply_to_id = (await work_or_404(reply_to)).id
    cloak = p.text("cloak_level", max_length=8) or None
    if cloak not in (None, "off", "low", "medium", "high"):
        raise ApiError(422, "Validation failed: cloak_level must be off, low, medium or high")
    fields = dict(
        title=p.text("title", max_length=500),
        content_source=text,
        summary=p.text("spoiler_text", max_length=1000),
        sensitive=p.flag("sensitive"),
        visibility=visibility,
        licence=p.text("licence", max_length=255),
        medium=p.text("medium", max_length=255),
        tools=p.list("tools")[:20],
        tags=p.list("tags")[:20],
        ai_declaration=p.text("ai_declaration", max_length=16) or "none",
        in_reply_to_id=in_reply_to_id,
        media_ids=media_ids,
        language=p.text("language", max_length=16) or None,
        cloak_level=cloak,
    )
    when = parse_when(p)
    if when is not None:
        kept = {**fields, "poll": None if poll is None else {
            "options": poll.options, "expires_in": poll.expires_in, "multiple": poll.multiple,
            "hide_totals": poll.hide_totals}}
        row = await schedule(current_services(), me(), when, kept)
        return jsonify(await scheduled_entity(row))
    work = await create_work(current_services(), me(), poll=poll, **fields)
    if key:
        _idempotency[(me().id, key)] = (time.monotonic(), work.id)
    return jsonify(await reload(work.id))


@blueprint.get("/<status_id>")
@scoped("read:statuses", public=True)
async def get_status(status_id: str):
    return jsonify(await one(await work_or_404(status_id)))


def _optional(p: Params, name: str, max_length: int) -> str | None:
    """A text field of an edit: None when the client did not send it (left as it is)."""
    return p.text(name, max_length=max_length) if p.get(name) is not None else None


async def _image_edits(p: Params, work: Work) -> list[ImageEdit] | None:
    """Mastodon's `media_ids` (the new ordered set) and `media_attributes` (alt text and
    focus of each); None when the client sent neither (the images stay as they are)."""
    from instance.actions.editing import ImageEdit
    from instance.attachments.uploads import parse_focus

    attributes: dict[int, ImageEdit] = {}
    raw = p.get("media_attributes")
    for item in raw if isinstance(raw, list) else []:
        media_id = as_id(item.get("id", "")) if isinstance(item, dict) else None
        if media_id is None:
            raise ApiError(422, "Validation failed: each media_attributes entry needs an id")
        focus = None
        if item.get("focus") not in (None, ""):
            try:
                point = parse_focus(item["focus"])
            except MediaRejected as exc:
                raise ApiError(422, exc.message) from None
            focus = (point.x, point.y)
        description = item.get("description")
        attributes[media_id] = ImageEdit(
            media_id, None if description is None else str(description), focus)
    if "media_ids" in p.values or "media_ids[]" in p.values:
        ids = [parse_id(raw_id, "Media") for raw_id in p.list("media_ids")]
    elif attributes:
        ids = [m.id for m in await MediaAttachment.filter(work_id=work.id).order_by("position", "id")]
    else:
        return None
    return [attributes.get(media_id) or ImageEdit(media_id) for media_id in ids]


@blueprint.route("/<status_id>", methods=["PUT"])
@scoped("write:statuses")
async def edit(status_id: str):
    """Mastodon's edit: text, content warning, sensitive, language and images (set,
    order, alt text, focus); visibility is not editable, as in Mastodon. Impasto's art
    fields too. A field the client did not send stays as it is."""
    from instance.actions.editing import edit_work

    work = await work_or_404(status_id)
    if work.account_id != me().id:
        raise ApiError(404, "Record not found")
    p = await params()
    cloak = _optional(p, "cloak_level", 8)
    await edit_work(
        current_services(),
        me(),
        work.id,
        content_source=_optional(p, "status", MAX_CHARACTERS),
        summary=_optional(p, "spoiler_text", 1000),
        sensitive=p.flag("sensitive") if p.get("sensitive") is not None else None,
        title=_optional(p, "title", 500),
        language=(p.text("language", max_length=16) or None) if p.get("language") is not None else None,
        medium=_optional(p, "medium", 255),
        licence=_optional(p, "licence", 255),
        ai_declaration=_optional(p, "ai_declaration", 16),
        tools=p.list("tools")[:20] if p.get("tools") is not None else None,
        tags=p.list("tags")[:30] if p.get("tags") is not None else None,
        cloak_level=cloak,
        images=await _image_edits(p, work),
    )
    return jsonify(await reload(work.id))


def _edit_media(attachment: dict, ids: dict[str, str]) -> dict:
    url = attachment.get("url") if isinstance(attachment.get("url"), str) else None
    focus = attachment.get("focalPoint")
    return {
        "id": ids.get(url or "", ""), "type": "image", "url": url, "preview_url": url,
        "remote_url": None, "description": attachment.get("name"),
        "blurhash": attachment.get("blurhash"),
        "meta": {"focus": {"x": focus[0], "y": focus[1]}}
        if isinstance(focus, list) and len(focus) == 2 else {},
    }


@blueprint.get("/<status_id>/history")
@scoped("read:statuses", public=True)
async def history(status_id: str):
    """Mastodon's edit history, oldest first: the Note of the Create and of each Update
    this server sent (kept with the activity), so it costs no table of its own. A status
    we never sent (a remote one) has only its current version."""
    work = await work_or_404(status_id)
    current = await one(work)
    rows = await OutboxActivity.filter(
        object_ap_id=work.ap_id, account_id=work.account_id, activity_type__in=("Create", "Update")
    ).order_by("id")
    ids = {m["url"]: m["id"] for m in current["media_attachments"] if m.get("url")}
    versions = []
    for row in rows:
        note = row.document.get("object")
        if not isinstance(note, dict):
            continue
        versions.append({
            "content": licences.strip_line(str(note.get("content") or ""), note.get("licence")),
            "spoiler_text": str(note.get("summary") or ""),
            "sensitive": bool(note.get("sensitive")),
            "created_at": iso(row.created_at),
            "account": current["account"],
            "poll": None,
            "emojis": [],
            "media_attachments": [_edit_media(a, ids) for a in note.get("attachment") or []
                                  if isinstance(a, dict)],
        })
    if not versions:
        versions.append({key: current[key] for key in (
            "content", "spoiler_text", "sensitive", "created_at", "account", "poll", "emojis",
            "media_attachments")})
    return jsonify(versions)


@blueprint.delete("/<status_id>")
@scoped("write:statuses")
async def delete(status_id: str):
    from instance.actions.works import delete_work

    work = await work_or_404(status_id)
    if work.account_id != me().id:
        raise ApiError(404, "Record not found")
    body = await one(work)
    body["text"] = work.content_source
    await delete_work(current_services(), me(), work.id)
    return jsonify(body)


@blueprint.get("/<status_id>/context")
@scoped("read:statuses", public=True)
async def context(status_id: str):
    work = await work_or_404(status_id)
    reader = viewer()
    ancestors: list[Work] = []
    parent_id = work.in_reply_to_id
    while parent_id and len(ancestors) < 40:
        parent = await Work.get_or_none(id=parent_id)
        if parent is None or not await can_see(parent, reader):
            break
        ancestors.append(parent)
        parent_id = parent.in_reply_to_id
    descendants: list[Work] = []
    frontier = [work.id]
    while frontier and len(descendants) < 200:
        children = await Work.filter(in_reply_to_id__in=frontier).order_by("id").limit(200)
        visible = [c for c in children if await can_see(c, reader)]
        descendants.extend(visible)
        frontier = [c.id for c in visible]
    rid = reader.id if reader else None
    return jsonify(
        {
            "ancestors": await apply_filters(
                await statuses_for([w.id for w in reversed(ancestors)], base_url(), rid), rid, "thread"),
            "descendants": await apply_filters(
                await statuses_for([w.id for w in descendants], base_url(), rid), rid, "thread"),
        }
    )


async def _interact(status_id: str, action: str) -> Work:
    from instance.actions import social

    work = await work_or_404(status_id)
    await getattr(social, action)(current_services(), me(), work)
    return work


@blueprint.post("/<status_id>/favourite")
@scoped("write:favourites")
async def favourite(status_id: str):
    return jsonify(await reload((await _interact(status_id, "like")).id))


@blueprint.post("/<status_id>/unfavourite")
@scoped("write:favourites")
async def unfavourite(status_id: str):
    return jsonify(await reload((await _interact(status_id, "unlike")).id))


@blueprint.post("/<status_id>/reblog")
@scoped("write:statuses")
async def reblog(status_id: str):
    from instance.actions.social import boost

    work = await work_or_404(status_id)
    if work.visibility not in ("public", "unlisted"):
        raise ApiError(422, "Validation failed: this status cannot be reblogged")
    record = await boost(current_services(), me(), work)
    record = await Boost.get(id=record.id).select_related("account")
    return jsonify(reblog_entity(record, await reload(work.id), base_url()))


@blueprint.post("/<status_id>/unreblog")
@scoped("write:statuses")
async def unreblog(status_id: str):
    return jsonify(await reload((await _interact(status_id, "unboost")).id))


@blueprint.post("/<status_id>/bookmark")
@scoped("write:bookmarks")
async def bookmark(status_id: str):
    from instance.actions.social import bookmark as add_bookmark

    work = await work_or_404(status_id)
    await add_bookmark(me(), work)
    return jsonify(await reload(work.id))


@blueprint.post("/<status_id>/unbookmark")
@scoped("write:bookmarks")
async def unbookmark(status_id: str):
    from instance.actions.social import unbookmark as remove_bookmark

    work = await work_or_404(status_id)
    await remove_bookmark(me(), work)
    return jsonify(await reload(work.id))


async def _pin(status_id: str, pinned: bool) -> dict:
    work = await work_or_404(status_id)
    await set_pinned(me().id, work, pinned)
    return await reload(work.id)


@blueprint.post("/<status_id>/pin")
@scoped("write:accounts")
async def pin(status_id: str):
    return jsonify(await _pin(status_id, True))


@blueprint.post("/<status_id>/unpin")
@scoped("write:accounts")
async def unpin(status_id: str):
    return jsonify(await _pin(status_id, False))


async def _who(status_id: str, model: type[Like] | type[Boost]):
    work = await work_or_404(status_id)
    p = await params()
    paging = page(p, default=40, maximum=80)
    rows = await paging.rows(model.filter(work_id=work.id).select_related("account"))
    body = [account_entity(r.account, base_url()) for r in rows if not r.account.suspended]
    return json_page(
        body, link_header(base_url(), rows[0].id if rows else None, rows[-1].id if rows else None)
    )


@blueprint.get("/<status_id>/favourited_by")
@scoped("read:accounts", public=True)
async def favourited_by(status_id: str):
    return await _who(status_id, Like)


@blueprint.get("/<status_id>/reblogged_by")
@scoped("read:accounts", public=True)
async def reblogged_by(status_id: str):
    return await _who(status_id, Boost)
