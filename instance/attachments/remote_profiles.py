"""Remote avatars and headers, cached like work media instead of hot-linked: each is a
remote media record of its account (no work) fetched by the remote-media job through the
SSRF guard and the same checks, and the profile shows the cached copy's path once it is
ready (a placeholder until then). A hot-linked image would tell the remote server who
reads our pages, and could change into anything after it was checked."""

from __future__ import annotations

import asyncio
from typing import Literal

from instance.attachments.processing import delete_variants, variant_keys
from instance.jobs import kinds
from instance.services import Services
from instance.storage.models import Account, MediaAttachment, MediaState, ProvenanceVerdict

Field = Literal["avatar", "header"]
FIELDS: tuple[Field, ...] = ("avatar", "header")
# The variant each shows: small for avatars, the display size for headers (as local ones).
VARIANT = {"avatar": "thumb", "header": "display"}


async def cache_profile_images(services: Services, account: Account) -> int:
    """Queue a fetch of each remote profile image not cached yet; returns how many."""
    queued = 0
    for field in FIELDS:
        remote = getattr(account, f"{field}_remote_url")
        if account.domain is None or not remote or getattr(account, f"{field}_url"):
            continue
        record = await MediaAttachment.filter(account_id=account.id, work_id=None,
                                              remote_url=remote).first()
        if record is not None:
            if record.state == MediaState.READY:
                await apply_cached(services, record, field)
            continue  # fetching already (or failed for good: the placeholder stays)
        record = await MediaAttachment.create(
            account=account, remote_url=remote, description=f"{field} of {account.ap_id}",
            state=MediaState.PROCESSING, provenance_verdict=ProvenanceVerdict.PENDING)
        await services.jobs.enqueue(kinds.FETCH_REMOTE_MEDIA,
                                    {"media_id": record.id, "profile": field})
        queued += 1
    return queued


async def apply_cached(services: Services, media: MediaAttachment, field: str) -> bool:
    """Show a cached profile image if it is still the account's current one, and drop
    the account's older cached profile images; returns whether it was applied."""
    if field not in FIELDS or media.state != MediaState.READY:
        return False
    variant = (media.variants or {}).get(VARIANT[field]) or {}
    key = variant.get("webp") or variant.get("jpeg")
    if not key:
        return False
    updated = await Account.filter(
        id=media.account_id, **{f"{field}_remote_url": media.remote_url}
    ).update(**{f"{field}_url": services.urls.media_path(key)})
    account = await Account.get(id=media.account_id)
    current = {account.avatar_remote_url, account.header_remote_url} - {None}
    stale = await MediaAttachment.filter(account_id=account.id, work_id=None,
                                         remote_url__isnull=False,
                                         remote_url__not_in=current or {""})
    for old in stale:
        await asyncio.to_thread(delete_variants, services.media_store, variant_keys(old.variants))
        await old.delete()
    return bool(updated)
