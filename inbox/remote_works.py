"""A remote Note/Image/Article/Page/Question stored as a Work (create or update), with
its image attachments (alt text, blurhash, focal point, size) as remote media records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from federation import licences
from federation.remote_urls import first_http_url
from federation.vocab import as_list, id_of, ids_of, is_image_type, same_origin, visibility
from inbox.common import refuses
from inbox.errors import Drop
from inbox.remote_polls import store_poll
from instance.attachments.processing import delete_media
from instance.emoji.remote import remember_emoji
from instance.jobs import kinds
from instance.services import Services
from instance.storage.models import (
    Account,
    MediaAttachment,
    MediaState,
    Notification,
    ProvenanceVerdict,
    Tag,
    Work,
    WorkState,
)
from instance.text import sanitise

OBJECT_TYPES = frozenset({"Note", "Image", "Article", "Page", "Question", "Video", "Audio",
                          "Document", "Event"})
# An attachment without a mediaType: its AS2 type says what it is (Mastodon sends images
# as Document); anything else is kept as a link, never fetched.
UNKNOWN_TYPE = "application/octet-stream"
_TYPE_MEDIA = {"Image": "image/*", "Document": "image/*", "Video": "video/*", "Audio": "audio/*"}
AI_VALUES = {"generated", "assisted", "none"}


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _text(value: Any, limit: int) -> str:
    return str(value)[:limit] if isinstance(value, str | int | float) else ""


def _attachments(obj: dict) -> list[dict[str, Any]]:
    found = []
    for entry in as_list(obj.get("attachment")):
        if not isinstance(entry, dict):
            continue
        url = first_http_url(entry.get("url") or entry.get("href"), "attachment", id_of(obj))
        if url is None:
            continue
        focal_point = entry.get("focalPoint")
        focus = focal_point if isinstance(focal_point, list) else [0, 0]
        declared = _text(entry.get("mediaType"), 64).strip().lower()
        found.append({
            "remote_url": url,
            "original_type": declared or _TYPE_MEDIA.get(str(entry.get("type") or "Image"), UNKNOWN_TYPE),
            "description": _text(entry.get("name"), 1500),
            "blurhash": _text(entry.get("blurhash"), 64) or None,
            "focus_x": float(focus[0]) if len(focus) == 2 else 0.0,
            "focus_y": float(focus[1]) if len(focus) == 2 else 0.0,
            "width": entry.get("width") if isinstance(entry.get("width"), int) else None,
            "height": entry.get("height") if isinstance(entry.get("height"), int) else None,
            "ai_label": entry.get("aiDeclaration") == "generated",
        })
    return found[:16]


def _fields(services: Services, actor: Account, obj: dict) -> dict[str, Any]:
    declared = obj.get("aiDeclaration") if obj.get("aiDeclaration") in AI_VALUES else "none"
    content = obj.get("content")
    if not isinstance(content, str):
        content_map = obj.get("contentMap")
        if isinstance(content_map, dict) and content_map:
            content = next(iter(content_map.values()))
    language = next(iter(obj["contentMap"]), None) if isinstance(obj.get("contentMap"), dict) else None
    url = first_http_url(obj.get("url"), "url", id_of(obj)) or first_http_url(obj.get("id"), "id", None)
    tools = [str(t)[:100] for t in as_list(obj.get("tools")) if isinstance(t, str)][:20]
    licence = _text(id_of(obj.get("licence")) or obj.get("license") or "", 255)
    # The sender's readable licence line is shown from `licence` here, not twice.
    content = licences.strip_line(content, licence) if isinstance(content, str) else ""
    return {
        "title": _text(obj.get("name"), 500),
        "content": sanitise(content),
        "summary": _text(obj.get("summary"), 1000),
        "sensitive": bool(obj.get("sensitive")) or bool(obj.get("summary")),
        "visibility": visibility(obj, actor.followers_url),
        "language": (language or "")[:16] or None,
        "url": url,
        "licence": licence,
        "medium": _text(obj.get("medium"), 255),
        "tools": tools,
        "ai_declaration": declared,
    }


async def _tags(work: Work, obj: dict) -> None:
    await work.tags.clear()
    for entry in as_list(obj.get("tag")):
        if isinstance(entry, dict) and entry.get("type") == "Hashtag":
            name = _text(entry.get("name"), 255).lstrip("#").lower()
            if name:
                tag, _ = await Tag.get_or_create(name=name)
                await work.tags.add(tag)


def _is_mention(tag: dict) -> bool:
    """`Mention` (any spelling: normalisation reads `as:Mention` as Mention), or an
    untyped tag whose name is a handle (`@someone`)."""
    if tag.get("type") == "Mention":
        return True
    name = tag.get("name")
    return tag.get("type") is None and isinstance(name, str) and name.startswith("@")


def _mentions(obj: dict) -> list[str]:
    """Each mentioned actor once, in order."""
    hrefs = (id_of(t.get("href")) for t in as_list(obj.get("tag"))
             if isinstance(t, dict) and _is_mention(t))
    return list(dict.fromkeys(href for href in hrefs if href))


def author_id(obj: dict) -> str | None:
    """The author of a remote object: the first `attributedTo` (a string, an object or a
    list of them) on the object's own origin."""
    return next((a for a in ids_of(obj.get("attributedTo")) if same_origin(a, id_of(obj))), None)


async def store_work(services: Services, actor: Account, obj: dict, *, notify: bool = True) -> Work:
    """Create (or update, when known) the Work for `obj`, authored by `actor`. Without
    `notify` (old works fetched by a backfill), mentions notify nobody."""
    ident = id_of(obj)
    if not ident or obj.get("type") not in OBJECT_TYPES:
        raise Drop(f"not a supported object: {obj.get('type')!r}")
    authors = ids_of(obj.get("attributedTo"))  # a list too (PeerTube: the person and a group)
    if actor.ap_id not in authors or not same_origin(ident, actor.ap_id):
        raise Drop("the object is not attributed to the actor")
    fields = _fields(services, actor, obj)
    existing = await Work.get_or_none(ap_id=ident)
    if existing is not None:
        if existing.account_id != actor.id:
            raise Drop("the object belongs to someone else")
        await update_work(services, existing, obj, fields)
        await remember_emoji(services, actor, obj)
        await store_poll(existing, obj)
        return await _apply_ai_policy(services, existing, new=False)
    parent_id = id_of(obj.get("inReplyTo"))
    parent = await Work.get_or_none(ap_id=parent_id) if parent_id else None
    mentions = _mentions(obj)
    async with in_transaction():
        work = await Work.create(
            ap_id=ident, account_id=actor.id, local=False, state=WorkState.READY,
            published_at=_when(obj.get("published")) or datetime.now(UTC),
            in_reply_to_id=parent.id if parent else None, in_reply_to_ap_id=parent_id,
            conversation=id_of(obj.get("context")) or id_of(obj.get("conversation")),
            mentions=mentions, **fields,
        )
        for position, media in enumerate(_attachments(obj)):
            await _new_remote_media(services, actor.id, work.id, position, media)
        if parent is not None:
            await Work.filter(id=parent.id).update(replies_count=F("replies_count") + 1)
        await _tags(work, obj)
        await remember_emoji(services, actor, obj)
        await store_poll(work, obj)
        for local in await Account.filter(ap_id__in=mentions if notify else [], domain=None):
            if not await refuses(local.id, actor):
                await Notification.create(recipient_id=local.id, kind="mention",
                                          from_account_id=actor.id, work_id=work.id)
    return await _apply_ai_policy(services, work, new=True)


async def _apply_ai_policy(services: Services, work: Work, *, new: bool) -> Work:
    """The moderation side's remote AI policy (text labels, the artist's declaration):
    it counts the work for its domain and may label, hide or drop it."""
    from instance.moderation import remote_ai

    await remote_ai.on_remote_work_stored(services, work, new=new)
    current = await Work.get_or_none(id=work.id)
    if current is None:
        raise Drop("dropped by the remote AI policy")
    if current.ai_declaration == "generated" and not current.ai_label:
        await remote_ai.mark_ai(services, current, "declared AI-generated (aiDeclaration)")
        current = await Work.get_or_none(id=work.id)
        if current is None:
            raise Drop("dropped by the remote AI policy (declared AI-generated)")
    return current


async def _new_remote_media(services: Services, account_id: int, work_id: int, position: int,
                            media: dict[str, Any]) -> None:
    """Record a remote image and queue its fetch: it is shown only once we hold cleaned,
    checked copies of it (never hot-linked), unless its domain's media are rejected.
    Other kinds (video, audio, documents) are kept with their type and shown as links."""
    if not is_image_type(media["original_type"]):
        await MediaAttachment.create(account_id=account_id, work_id=work_id, position=position,
                                     state=MediaState.READY, provenance_verdict=ProvenanceVerdict.NONE,
                                     **media)
        return
    record = await MediaAttachment.create(account_id=account_id, work_id=work_id, position=position,
                                          state=MediaState.PROCESSING,
                                          provenance_verdict=ProvenanceVerdict.PENDING, **media)
    await services.jobs.enqueue(kinds.FETCH_REMOTE_MEDIA, {"media_id": record.id})


async def update_work(services: Services, work: Work, obj: dict, fields: dict[str, Any]) -> None:
    async with in_transaction():
        await Work.filter(id=work.id).update(edited_at=_when(obj.get("updated")) or datetime.now(UTC),
                                             mentions=_mentions(obj), **fields)
        known = {m.remote_url: m for m in await MediaAttachment.filter(work_id=work.id)}
        wanted = _attachments(obj)
        for position, media in enumerate(wanted):
            if media["remote_url"] in known:
                await MediaAttachment.filter(id=known[media["remote_url"]].id).update(
                    position=position, **media)
            else:
                await _new_remote_media(services, work.account_id, work.id, position, media)
        keep = {m["remote_url"] for m in wanted}
        gone = await MediaAttachment.filter(work_id=work.id).exclude(remote_url__in=list(keep))
    for record in gone:  # the record, then its cached files
        await delete_media(services, record)
    await _tags(work, obj)


def addresses_local(obj: dict, activity: dict, local_prefix: str) -> bool:
    """Is anyone here addressed (to/cc/mention)?"""
    ids = ids_of(activity.get("to")) + ids_of(activity.get("cc")) + ids_of(obj.get("to")) \
        + ids_of(obj.get("cc")) + _mentions(obj)
    return any(i.startswith(local_prefix) for i in ids)
