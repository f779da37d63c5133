"""Remote custom emoji, from the Emoji tags of incoming objects and actors: stored per
domain (one row per shortcode and domain), their icon checked by federation.remote_urls
and cached through the remote media path like remote avatars — never hot-linked. An
object names at most MAX_PER_OBJECT emoji; an icon larger than MAX_BYTES is refused."""

from __future__ import annotations

import asyncio
from typing import Any

from tortoise.exceptions import IntegrityError

from federation.remote_urls import first_http_url
from instance.emoji.text import SHORTCODE
from instance.jobs import kinds
from instance.services import Services
from instance.storage.models import (
    Account,
    CustomEmoji,
    MediaAttachment,
    MediaState,
    ProvenanceVerdict,
)

MAX_PER_OBJECT = 50
MAX_BYTES = 256 * 1024


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def emoji_tags(obj: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(shortcode, icon URL, emoji id) of the object's Emoji tags, checked and bounded."""
    out: dict[str, tuple[str, str, str | None]] = {}
    for tag in _as_list(obj.get("tag")):
        if len(out) >= MAX_PER_OBJECT:
            break
        if not isinstance(tag, dict) or tag.get("type") != "Emoji":
            continue
        name = tag.get("name")
        if not isinstance(name, str):
            continue
        code = name.strip().strip(":")
        if not SHORTCODE.match(code) or code in out:
            continue
        icon = tag.get("icon")
        url = first_http_url(icon.get("url") if isinstance(icon, dict) else icon,
                             "emoji icon", obj.get("id") if isinstance(obj.get("id"), str) else None)
        if not url:
            continue
        ident = tag.get("id") if isinstance(tag.get("id"), str) else None
        out[code] = (code, url, ident)
    return list(out.values())


async def remember_emoji(services: Services, account: Account, obj: dict[str, Any]) -> int:
    """Store the Emoji tags of `obj` (sent by remote `account`) under its domain and
    queue a fetch of each new or changed icon; returns how many were queued."""
    if account.domain is None:
        return 0
    queued = 0
    for code, url, ident in emoji_tags(obj):
        row = await CustomEmoji.get_or_none(shortcode=code, domain=account.domain)
        if row is not None and row.remote_url == url:
            continue
        if row is None:
            try:
                row = await CustomEmoji.create(shortcode=code, domain=account.domain,
                                               remote_url=url, uri=ident, visible_in_picker=False)
            except IntegrityError:  # another job stored it meanwhile: it fetches the icon
                continue
        else:
            row.remote_url, row.uri = url, ident
            await row.save(update_fields=["remote_url", "uri", "updated_at"])
        media = await MediaAttachment.create(
            account=account, remote_url=url, description=f"emoji :{code}: of {account.domain}",
            state=MediaState.PROCESSING, provenance_verdict=ProvenanceVerdict.PENDING)
        await services.jobs.enqueue(kinds.FETCH_REMOTE_MEDIA,
                                    {"media_id": media.id, "emoji": row.id})
        queued += 1
    return queued


async def apply_cached_emoji(services: Services, media: MediaAttachment, emoji_id: int) -> bool:
    """Show a cached icon if it is still the emoji's current one and within the bound."""
    row = await CustomEmoji.get_or_none(id=emoji_id)
    if row is None or row.remote_url != media.remote_url or media.state != MediaState.READY:
        return False
    if media.original_bytes > MAX_BYTES:
        from instance.attachments.processing import delete_variants, variant_keys

        keys = variant_keys(media.variants)
        media.state, media.variants = MediaState.REJECTED, {}
        media.state_reason = f"An emoji image is at most {MAX_BYTES // 1024} KB."
        await media.save(update_fields=["state", "state_reason", "variants"])
        await asyncio.to_thread(delete_variants, services.media_store, keys)
        return False
    variant = (media.variants or {}).get("thumb") or (media.variants or {}).get("display") or {}
    key = variant.get("webp")
    if not key:
        return False
    old = row.media_id
    row.media_id, row.image_path, row.image_type = media.id, services.urls.media_path(key), "image/webp"
    await row.save(update_fields=["media_id", "image_path", "image_type", "updated_at"])
    if old and old != media.id:
        from instance.attachments.processing import delete_media

        stale = await MediaAttachment.get_or_none(id=old)
        if stale is not None:
            await delete_media(services, stale)
    return True
