"""Avatars and headers: they go through the same pipeline as works (checked, cleaned,
cloaked); a durable job puts the new image's path (never an absolute URL: the domain or
port may change) on the profile once the image is ready and tells followers elsewhere."""

from __future__ import annotations

from instance.actions.social import update_profile
from instance.jobs import Permanent, Retry, kinds
from instance.jobs.registry import JobContext
from instance.services import Services
from instance.storage.models import Account, MediaAttachment, MediaState, User


async def replace_profile_image(
    services: Services, user: User, field: str, data: bytes, filename: str, content_type: str
) -> None:
    """Avatars and headers go through the same pipeline as works (checked, cleaned,
    cloaked); a job puts the new URL on the profile once the image is ready."""
    from instance.attachments.uploads import create_upload

    media = await create_upload(
        services,
        user.account,
        data,
        filename=filename,
        content_type=content_type,
        description=f"{field} of @{user.account.username}",
    )
    await services.jobs.enqueue(kinds.APPLY_PROFILE_IMAGE, {"media_id": media.id, "field": field})


async def apply_profile_image(ctx: JobContext, payload: dict) -> None:
    media = await MediaAttachment.get_or_none(id=payload["media_id"])
    field = payload.get("field")
    if media is None or field not in ("avatar", "header"):
        raise Permanent("no such image or field")
    if media.state == MediaState.PROCESSING:
        raise Retry(5, "the image is still being processed")
    if media.state != MediaState.READY:
        raise Permanent(f"the {field} was not accepted: {media.state_reason}")
    variant = (media.variants or {}).get("thumb" if field == "avatar" else "display") or {}
    key = variant.get("jpeg") or variant.get("webp")
    if not key:
        raise Permanent("the image has no served variant")
    url = ctx.services.urls.media_path(key)  # a path: made absolute where it is rendered
    await update_profile(ctx.services, await Account.get(id=media.account_id), **{f"{field}_url": url})
