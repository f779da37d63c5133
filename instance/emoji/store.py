"""Custom emoji rows: local uploads (checked and re-encoded by the media pipeline to a
small static WebP; alpha is flattened as for every pipeline output), lookups by origin
for text, and the Mastodon CustomEmoji entity."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from typing import Any

from instance.attachments.processing import run_pipeline
from instance.emoji.text import SHORTCODE, shortcodes_in
from instance.services import Services
from instance.storage.models import CustomEmoji
from instance.translation import gettext as _
from media.errors import MediaRejected
from media.limits import Limits
from media.pipeline import PipelineOptions
from media.storage import Area, sharded_key
from media.variants import VariantOptions

MAX_BYTES = 256 * 1024
SIZE = 128  # the longest side of a stored emoji
ACCEPTED = {"PNG", "GIF", "WEBP"}


class EmojiRefused(ValueError):
    """A custom emoji that cannot be added, with a message for the admin."""


def check_shortcode(shortcode: str) -> str:
    shortcode = (shortcode or "").strip().strip(":")
    if not SHORTCODE.match(shortcode):
        raise EmojiRefused(_("A shortcode is 2 to 64 letters, digits or underscores "
                             "(got %(got)r).", got=shortcode[:70]))
    return shortcode


async def add_local(services: Services, shortcode: str, data: bytes,
                    category: str | None = None) -> CustomEmoji:
    """Check, re-encode and store a local emoji; raises EmojiRefused with why not."""
    shortcode = check_shortcode(shortcode)
    if not data:
        raise EmojiRefused(_("No image was given."))
    if len(data) > MAX_BYTES:
        raise EmojiRefused(_("The image is %(size)s KB; at most %(most)s KB is accepted.",
                             size=len(data) // 1024, most=MAX_BYTES // 1024))
    if await CustomEmoji.filter(shortcode=shortcode, domain=None).exists():
        raise EmojiRefused(_("There is already an emoji :%(shortcode)s:.", shortcode=shortcode))
    options = PipelineOptions(
        limits=Limits(max_bytes=MAX_BYTES, max_pixels=4_000_000, max_side=2048),
        variants=VariantOptions(display_max=SIZE, medium_max=SIZE, thumb_max=SIZE),
        embed_xmp=False)
    try:
        result = await run_pipeline(services, data, claimed_type=None, options=options,
                                    level="off", seed=0)
    except MediaRejected as exc:
        raise EmojiRefused(_("Not an accepted image: %(why)s", why=exc.message)) from exc
    if result.format.upper() not in ACCEPTED:
        raise EmojiRefused(_("A custom emoji is a PNG, GIF or WebP image (got %(got)s).",
                             got=result.format))
    key = sharded_key(f"{uuid.uuid4().hex}-emoji.webp")
    key = f"emoji/{key}"
    await asyncio.to_thread(services.media_store.put, Area.VARIANTS, key, result.display.webp)
    try:
        return await CustomEmoji.create(
            shortcode=shortcode, domain=None, image_key=key, image_type="image/webp",
            image_path=services.urls.media_path(key), category=(category or None))
    except Exception:
        await asyncio.to_thread(services.media_store.delete, Area.VARIANTS, key)
        raise


async def remove_local(services: Services, shortcode: str) -> bool:
    """Delete a local emoji and its file; returns whether there was one."""
    row = await CustomEmoji.get_or_none(shortcode=shortcode.strip(":"), domain=None)
    if row is None:
        return False
    if row.image_key:
        await asyncio.to_thread(services.media_store.delete, Area.VARIANTS, row.image_key)
    await row.delete()
    return True


async def set_disabled(shortcode: str, disabled: bool) -> bool:
    return bool(await CustomEmoji.filter(shortcode=shortcode.strip(":"), domain=None)
                .update(disabled=disabled))


async def local_list(include_disabled: bool = True) -> list[CustomEmoji]:
    query = CustomEmoji.filter(domain=None)
    if not include_disabled:
        query = query.filter(disabled=False, image_path__isnull=False)
    return list(await query.order_by("shortcode"))


def entity(row: CustomEmoji | Any, base: str) -> dict[str, Any]:
    """Mastodon's CustomEmoji entity."""
    path = row.image_path or ""
    url = f"{base}{path}" if path.startswith("/") else path
    return {"shortcode": row.shortcode, "url": url, "static_url": url,
            "visible_in_picker": bool(row.visible_in_picker) and row.domain is None,
            "category": row.category}


async def shown_for(wanted: Iterable[tuple[str | None, str]], using_db: Any = None
                    ) -> dict[tuple[str | None, str], CustomEmoji]:
    """(domain, shortcode) → shown emoji row, for many texts' origins in one query."""
    pairs = set(wanted)
    if not pairs:
        return {}
    codes = {code for _domain, code in pairs}
    rows = await CustomEmoji.filter(shortcode__in=list(codes), disabled=False,
                                    image_path__isnull=False).using_db(using_db)
    return {(r.domain, r.shortcode): r for r in rows if (r.domain, r.shortcode) in pairs}


async def known_in(domain: str | None, *texts: str | None, using_db: Any = None
                   ) -> list[CustomEmoji]:
    """The shown emoji of `domain` (None: local) used in `texts`."""
    codes = shortcodes_in(*texts)
    if not codes:
        return []
    found = await shown_for(((domain, c) for c in codes), using_db)
    return sorted(found.values(), key=lambda r: r.shortcode)


async def web_map(*origins: tuple[str | None, tuple[str | None, ...]]
                  ) -> dict[str | None, dict[str, str]]:
    """For web pages, in one query: domain (None: local) → {shortcode: served path} of
    the emoji each origin's texts use. Each `origin` is (domain, texts)."""
    wanted = {(domain, code) for domain, texts in origins for code in shortcodes_in(*texts)}
    out: dict[str | None, dict[str, str]] = {}
    for (domain, code), row in (await shown_for(wanted)).items():
        if row.image_path:
            out.setdefault(domain, {})[code] = row.image_path
    return out
