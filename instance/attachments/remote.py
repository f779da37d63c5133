"""Remote media: fetch a remote image once, check what it declares, serve cleaned copies.

Remote images are fetched through the federation SSRF guard with the remote-media size
bound, run through the same pipeline (provenance on the fetched bytes, metadata
stripped, no cloak: they are not our artists' images) and cached as public variants
under `cache/…` keys. The verdict is recorded for the timeline filter of the inbox side;
what to do with declared-AI remote works is its decision ([ai] remote_ai_verdict).

Nothing is fetched from a domain whose policy rejects media (reject_media or suspend,
on the domain or a parent). `prune_remote_cache` drops cached copies after
[media] remote_cache_days; the record stays and can be fetched again.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from tortoise.expressions import Q

from federation.client import FetchError
from instance.attachments.policy import optout_marks
from instance.attachments.processing import (
    delete_variants,
    plain,
    provenance_of,
    run_pipeline,
    store_variants,
    variant_keys,
)
from instance.attachments.remote_profiles import apply_cached
from instance.jobs import Permanent, Retry
from instance.jobs.registry import JobContext
from instance.moderation.domains import rejects_media
from instance.services import Services
from instance.storage.models import (
    Account,
    CustomEmoji,
    MediaAttachment,
    MediaState,
    ProvenanceVerdict,
)
from media.errors import MediaRejected
from media.limits import Limits
from media.pipeline import PipelineOptions

CACHE_PREFIX = "cache/"
IMAGE_ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8"


class RemoteMediaError(Exception):
    """The remote image could not be fetched (network, status, size); retry later."""


def remote_limits(config: Any) -> Limits:
    return Limits(max_bytes=config.federation.max_remote_media_bytes,
                  max_pixels=config.media.max_pixels, max_side=config.media.max_dimension)


def _domain(url: str) -> str:
    return urlsplit(url).netloc.rsplit("@", 1)[-1].lower()


async def fetch_remote_media(services: Services, account: Account, url: str, *,
                             work_id: int | None = None, description: str = "",
                             position: int = 0) -> MediaAttachment:
    """Record a remote image for `account` (and its work) and cache it now."""
    media = await MediaAttachment.filter(remote_url=url, account_id=account.id,
                                         work_id=work_id).first()
    if media is None:
        media = await MediaAttachment.create(
            account=account, work_id=work_id, remote_url=url, description=description,
            position=position, state=MediaState.PROCESSING,
            provenance_verdict=ProvenanceVerdict.PENDING)
    return await cache_remote(services, media)


async def cache_remote(services: Services, media: MediaAttachment) -> MediaAttachment:
    """Fetch, check and cache one remote record; raises RemoteMediaError to retry."""
    if not media.remote_url:
        raise ValueError("not a remote media record")
    if media.variants and media.state == MediaState.READY:
        return media
    domain = _domain(media.remote_url)
    if await rejects_media(domain):
        media.state = MediaState.REJECTED
        media.state_reason = f"Media from {domain} are not fetched (domain policy)."
        await media.save(update_fields=["state", "state_reason"])
        return media
    started = time.perf_counter()
    try:
        response = await services.http.get(
            media.remote_url, accept=IMAGE_ACCEPT,
            max_bytes=services.config.federation.max_remote_media_bytes)
    except FetchError as exc:
        if exc.status is None or _may_come_back(exc.status):
            raise RemoteMediaError(str(exc)) from exc
        return await _failed(media, str(exc))
    if not 200 <= response.status < 300:
        reason = f"GET {response.url} answered {response.status}"
        if _may_come_back(response.status):
            raise RemoteMediaError(reason)
        return await _failed(media, reason)  # 404, 410, 403…: no retry brings it back
    fetch_ms = round((time.perf_counter() - started) * 1000, 2)
    account = await media.account
    options = PipelineOptions(limits=remote_limits(services.config),
                              marks=optout_marks(services.config, account, None, None),
                              embed_xmp=services.config.optout.xmp)
    try:
        result = await run_pipeline(services, response.body, claimed_type=None,
                                    options=options, level="off", seed=0)
    except MediaRejected as exc:
        media.state, media.state_reason = MediaState.REJECTED, exc.message
        await media.save(update_fields=["state", "state_reason"])
        return media
    old_keys = variant_keys(media.variants)
    variants = await asyncio.to_thread(store_variants, services.media_store, result,
                                       prefix=CACHE_PREFIX)
    verdict = provenance_of(result)
    media.state, media.state_reason = MediaState.READY, ""
    media.variants = variants
    media.original_type, media.original_bytes = result.mime, len(response.body)
    media.sha256 = hashlib.sha256(response.body).hexdigest()
    media.width, media.height, media.blurhash = result.width, result.height, result.blurhash
    media.provenance_verdict = verdict["verdict"]
    media.provenance_evidence = plain(verdict["signals"])
    media.ai_label = media.ai_label or verdict["verdict"] == ProvenanceVerdict.AI  # keep a declared label
    media.cloak_level, media.cloak_metrics = "off", None
    media.timings = plain({**result.timings_ms, "fetch": fetch_ms})
    media.processed_at = datetime.now(UTC)
    try:
        await media.save()
    except BaseException:
        await asyncio.to_thread(delete_variants, services.media_store, variant_keys(variants))
        raise
    await asyncio.to_thread(delete_variants, services.media_store, old_keys)
    return media


def _may_come_back(status: int) -> bool:
    """A server error, a timeout or a rate limit may pass; any other answer is final."""
    return status >= 500 or status in (408, 425, 429)


async def _failed(media: MediaAttachment, reason: str) -> MediaAttachment:
    media.state, media.state_reason = MediaState.FAILED, reason[:2000]
    await media.save(update_fields=["state", "state_reason"])
    return media


async def prune_remote_cache(services: Services, older_than_days: float) -> int:
    """Delete cached copies of remote media processed more than N days ago; returns how
    many records lost their copies (they can be fetched again)."""
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    pruned = 0
    stale = MediaAttachment.filter(remote_url__isnull=False, processed_at__lt=cutoff)
    async for media in stale.only("id", "variants", "work_id", "account_id", "remote_url"):
        keys = variant_keys(media.variants)
        if not keys or (media.work_id is None and await _is_profile_image(media)):
            continue
        await MediaAttachment.filter(id=media.id).update(
            variants={}, state=MediaState.PROCESSING, state_reason="cached copy pruned")
        await asyncio.to_thread(delete_variants, services.media_store, keys)
        pruned += 1
    return pruned


async def _is_profile_image(media: MediaAttachment) -> bool:
    """A cached avatar, header or custom emoji in use stays (its path is shown)."""
    if await CustomEmoji.filter(media_id=media.id).exists():
        return True
    return await Account.filter(
        Q(avatar_remote_url=media.remote_url) | Q(header_remote_url=media.remote_url),
        id=media.account_id).exists()


async def fetch_job(ctx: JobContext, payload: dict) -> None:
    """Payload: {"media_id": int} of a remote record (created by the inbox side), and
    "profile": "avatar" or "header" for an account's profile image."""
    media = await MediaAttachment.get_or_none(id=int(payload.get("media_id", 0)))
    if media is None:
        return
    if not media.remote_url:
        raise Permanent(f"media {media.id} is not remote")
    try:
        media = await cache_remote(ctx.services, media)
    except RemoteMediaError as exc:
        if ctx.attempt >= ctx.max_attempts:  # the last attempt: say so on the record
            await _failed(media, f"gave up after {ctx.attempt} attempts: {exc}")
        raise Retry(min(3600.0, 60.0 * 2 ** ctx.attempt), str(exc)) from exc
    if payload.get("emoji"):  # a remote custom emoji's icon (instance.emoji.remote)
        from instance.emoji.remote import apply_cached_emoji

        await apply_cached_emoji(ctx.services, media, int(payload["emoji"]))
        return
    if payload.get("profile"):  # a remote avatar or header (remote_profiles)
        await apply_cached(ctx.services, media, str(payload["profile"]))
        return
    from instance.moderation.remote_ai import on_remote_media_checked

    await on_remote_media_checked(ctx.services, media)
