"""Media uploads: the pipeline (provenance, cloak, variants) runs in a job. v2 answers
200 with the URL when that job finishes within a moment (as Mastodon does for images it
processes at once, so apps need not poll), else 202; GET /api/v1/media/:id answers 206
until the attachment is ready; v1 waits longer for old clients. Refusals from the
pipeline's cheap checks are 422 (413 too big)."""

from __future__ import annotations

import asyncio
import time
from typing import cast

from quart import Blueprint, jsonify

from instance.api.auth import me, scoped
from instance.api.body import params
from instance.api.common import base_url, parse_id
from instance.api.entities import media_entity
from instance.api.errors import ApiError
from instance.services import current_services
from instance.storage.models import MediaAttachment, MediaState

blueprint = Blueprint("api_media", __name__)

V1_WAIT_SECONDS = 30.0
V2_WAIT_SECONDS = 2.0  # long enough for an uncloaked image, short enough not to hold apps
FAILED_STATES = (MediaState.REJECTED, MediaState.FAILED)


async def _upload():
    from instance.attachments.uploads import create_upload, http_status
    from media.errors import MediaRejected

    p = await params()
    upload = p.files.get("file")
    if upload is None:
        raise ApiError(422, "Validation failed: File can't be blank")
    data = upload.read()
    focus = p.text("focus", max_length=64) or None
    try:
        return await create_upload(
            current_services(),
            me(),
            data,
            filename=upload.filename or "upload",
            content_type=upload.mimetype or "application/octet-stream",
            description=p.text("description", max_length=10_000),
            focus=focus,
        )
    except MediaRejected as exc:
        raise ApiError(http_status(exc), exc.message) from None


@blueprint.post("/api/v2/media")
@scoped("write:media")
async def upload_v2():
    media = await _processed_within(await _upload(), V2_WAIT_SECONDS)
    return jsonify(media_entity(media, base_url())), 200 if media.state == MediaState.READY else 202


@blueprint.post("/api/v1/media")
@scoped("write:media")
async def upload_v1():
    """Old clients expect a finished attachment: wait (bounded) for the job."""
    media = await _processed_within(await _upload(), V1_WAIT_SECONDS)
    return jsonify(media_entity(media, base_url()))


async def _processed_within(media: MediaAttachment, seconds: float) -> MediaAttachment:
    """The attachment once its job has ended, or as it is after `seconds`."""
    deadline = time.monotonic() + seconds
    while media.state == MediaState.PROCESSING and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        media = await MediaAttachment.get(id=media.id)
    return media


async def _own(media_id: str) -> MediaAttachment:
    media = await MediaAttachment.get_or_none(id=parse_id(media_id), account_id=me().id)
    if media is None:
        raise ApiError(404, "Record not found")
    return media


@blueprint.get("/api/v1/media/<media_id>")
@scoped("write:media", "read:statuses")
async def get_media(media_id: str):
    media = await _own(media_id)
    if media.state in FAILED_STATES:
        raise ApiError(422, media.state_reason or "The image could not be processed")
    return jsonify(media_entity(media, base_url())), 200 if media.state == MediaState.READY else 206


@blueprint.put("/api/v1/media/<media_id>")
@scoped("write:media")
async def update_media(media_id: str):
    from instance.attachments.uploads import MAX_DESCRIPTION, parse_focus
    from media.errors import MediaRejected

    media = await _own(media_id)
    p = await params()
    changes: dict = {}
    if p.get("description") is not None:
        description = p.text("description", max_length=10_000)
        if len(description) > MAX_DESCRIPTION:
            raise ApiError(422, f"Validation failed: description is longer than {MAX_DESCRIPTION} characters")
        changes["description"] = description
    if p.get("focus") is not None:
        try:
            point = parse_focus(p.text("focus", max_length=64))
        except MediaRejected as exc:
            raise ApiError(422, exc.message) from None
        changes.update(focus_x=point.x, focus_y=point.y)
    if changes and media.work_id is not None:
        # Attached and maybe federated: it changes through the work's edit (an Update).
        from instance.actions.editing import ImageEdit, edit_work

        focus = (changes["focus_x"], changes["focus_y"]) if "focus_x" in changes else None
        ids = cast(list[int], await MediaAttachment.filter(work_id=media.work_id).order_by(
            "position", "id").values_list("id", flat=True))
        await edit_work(current_services(), me(), media.work_id, images=[
            ImageEdit(i, changes.get("description"), focus) if i == media.id else ImageEdit(i)
            for i in ids])
    elif changes:
        await MediaAttachment.filter(id=media.id).update(**changes)
    if changes:
        media = await MediaAttachment.get(id=media.id)
    return jsonify(media_entity(media, base_url()))
