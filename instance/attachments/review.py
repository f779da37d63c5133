"""The human side of the AI policy: an artist asks for a review, a moderator decides.

Detection reads what a file declares, and a declaration can be wrong or planted, so no
automatic decision is final. Moderators see the image itself, re-rendered from the
private original (`review_preview_of`). A decision is written with an AuditEntry and the
artist's notification (`impasto.review`, from the instance actor so no moderator is
named) in the same transaction, and is kept when the image is processed again.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tortoise.transactions import in_transaction

from instance.actors.instance_actor import instance_actor
from instance.attachments.processing import ask_to_publish, delete_variants, variant_keys
from instance.attachments.uploads import upload_limits
from instance.errors import Refused
from instance.jobs import kinds
from instance.services import Services
from instance.storage.models import (
    Account,
    AuditEntry,
    MediaAttachment,
    MediaState,
    Notification,
    ReviewState,
)
from instance.translation import gettext as _
from media.errors import MediaRejected
from media.preview import review_preview
from media.storage import Area

DECISIONS = ("approve", "label", "reject")
REVIEW_NOTIFICATION = "impasto.review"  # to the artist: a moderator's decision
REVIEW_REQUEST_NOTIFICATION = "impasto.review_request"  # to staff: an artist asks


class ReviewError(Refused):
    """A review request or decision that cannot be done; the message says why."""

    title = "Not sent"


def review_refusal(media: MediaAttachment) -> str | None:
    """Why the artist cannot ask for a review of this upload now, or None if they can."""
    if media.review_state == ReviewState.REVIEWED:
        return _("A moderator has already reviewed this upload.")
    if media.review_state == ReviewState.QUEUED and media.review_requested:
        return _("You have already asked for a review of this upload.")
    if not (media.state in (MediaState.REJECTED, MediaState.HELD) or media.ai_label):
        return _("Only rejected, held or AI-labelled uploads can be reviewed.")
    if media.state == MediaState.REJECTED and not media.original_key:
        return _("This file could not be decoded; upload it again instead.")
    return None


def review_queue() -> Any:
    """Media waiting for a moderator, oldest first (a queryset to page through)."""
    return MediaAttachment.filter(review_state=ReviewState.QUEUED).order_by("id")


async def request_review(account: Account, media_id: int, note: str = "") -> MediaAttachment:
    """The artist asks moderators to look again at a rejected, held or labelled upload;
    every moderator and admin is notified (`impasto.review_request`)."""
    media = await MediaAttachment.get_or_none(id=media_id, account_id=account.id)
    if media is None:
        raise ReviewError(_("No such upload."))
    refusal = review_refusal(media)
    if refusal:
        raise ReviewError(refusal)
    media.review_requested, media.review_state = True, ReviewState.QUEUED
    if note:
        media.state_reason = f"{media.state_reason}\nArtist's note: {note[:1000]}".strip()
    async with in_transaction() as connection:
        await media.save(update_fields=["review_requested", "review_state", "state_reason"],
                         using_db=connection)
        staff = await Account.filter(user__role__in=("admin", "moderator"), domain=None).using_db(
            connection).values_list("id", flat=True)
        await Notification.bulk_create([
            Notification(recipient_id=staff_id, kind=REVIEW_REQUEST_NOTIFICATION,
                         from_account_id=account.id, work_id=media.work_id, media_id=media.id,
                         detail={"note": note[:1000]})
            for staff_id in staff], using_db=connection)
    return media


async def review_preview_of(services: Services, media_id: int) -> bytes | None:
    """A JPEG of the original of an upload that is or was in the review queue (for the
    moderators' page), or None: not such an upload, or its original is gone."""
    media = await MediaAttachment.get_or_none(
        id=media_id, remote_url=None,
        review_state__in=(ReviewState.QUEUED, ReviewState.REVIEWED))
    if media is None or not media.original_key:
        return None
    try:
        data = await asyncio.to_thread(services.media_store.get, Area.ORIGINALS, media.original_key)
        return await services.media.call(review_preview, data,
                                          limits=upload_limits(services.config))
    except (FileNotFoundError, MediaRejected):
        return None


async def decide(services: Services, moderator: Account, media_id: int, decision: str,
                 reason: str = "") -> MediaAttachment:
    """approve (published unlabelled), label (published with the AI label) or reject.

    A rejected upload has no variants yet: approving it queues the pipeline again, which
    keeps this decision. The work is published once all its media are ready.
    """
    if decision not in DECISIONS:
        raise ReviewError(_("decision must be one of %(choices)s", choices=', '.join(DECISIONS)))
    sender = await instance_actor(services)
    async with in_transaction() as connection:
        media = await MediaAttachment.get_or_none(id=media_id, using_db=connection)
        if media is None or media.remote_url:
            raise ReviewError(_("No such local upload."))
        before = {"state": media.state, "ai_label": media.ai_label,
                  "verdict": media.provenance_verdict}
        media.review_state = ReviewState.REVIEWED
        media.ai_label = decision == "label"
        media.state_reason = reason or f"Reviewed by a moderator: {decision}."
        if decision == "reject":
            media.state = MediaState.REJECTED
        elif media.state == MediaState.REJECTED or not media.variants:
            if not media.original_key:
                raise ReviewError(_("The original is gone; the artist must upload it again."))
            media.state = MediaState.PROCESSING
            await services.jobs.enqueue(kinds.PROCESS_MEDIA, {"media_id": media.id},
                                        using_db=connection)
        else:
            media.state = MediaState.READY
        await media.save(using_db=connection)
        await AuditEntry.create(
            actor=moderator, action=f"media.{decision}", target=str(media.id),
            detail={"before": before, "after": {"state": media.state,
                                                "ai_label": media.ai_label},
                    "reason": reason, "signals": media.provenance_evidence},
            using_db=connection)
        await Notification.create(
            recipient_id=media.account_id, kind=REVIEW_NOTIFICATION, from_account=sender,
            work_id=media.work_id, media_id=media.id,
            detail={"decision": decision, "reason": reason}, using_db=connection)
    if media.state == MediaState.REJECTED and media.variants:  # nothing public stays of it
        keys = variant_keys(media.variants)
        await MediaAttachment.filter(id=media.id).update(variants={})
        await asyncio.to_thread(delete_variants, services.media_store, keys)
        media.variants = {}
    if media.state == MediaState.READY and media.work_id:
        await ask_to_publish(services, media.work_id)
    return media
