"""The upload page: images with alt text each (drag and drop, progress, each image's
provenance verdict shown before publishing), then the work's title, description, medium,
tools, tags, licence, content warning and cloak level.

Works without JavaScript too: the form posts the files with the work in one request."""

from __future__ import annotations

from quart import Blueprint, jsonify, redirect, render_template, request, url_for

from federation import licences
from instance.actions.works import MAX_IMAGES
from instance.attachments.review import review_refusal
from instance.attachments.uploads import MediaStoreDown
from instance.services import current_services
from instance.storage.models import MediaAttachment, MediaState, User
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext, lazy_gettext
from instance.web.labels import licence_name
from instance.web.render import media_url
from instance.web.session import current_user, login_required, signed_in_user
from instance.web.upload_text import refusal_message, script_text, stage_name
from media.errors import MediaRejected

blueprint = Blueprint("upload", __name__)
blueprint.before_request(check_csrf)

LICENCES = tuple((licence.code, licence_name(licence)) for licence in licences.LICENCES)  # the form's choices
CLOAK_LEVELS = ("off", "low", "medium", "high")
RETRY_LATER = {"Retry-After": "60"}
AI_DECLARATIONS = (("none", lazy_gettext("No AI used")), ("assisted", lazy_gettext("AI-assisted")),
                   ("generated", lazy_gettext("AI-generated")))


def media_state(media: MediaAttachment) -> dict:
    """What the page shows for one uploaded image, before publishing."""
    return {
        "id": str(media.id),
        "state": media.state,
        "reason": media.state_reason,
        "verdict": media.provenance_verdict,
        "signals": media.provenance_evidence or [],
        "description": media.description,
        "thumb": media_url(media, "thumb"),
        "progress": _progress(media.progress),  # {"stage", "fraction", "eta_seconds"} while processing
        "review_state": media.review_state,
        "ai_label": media.ai_label,
        "reviewable": review_refusal(media) is None,
    }


def _progress(progress: dict | None) -> dict | None:
    """The stage named in the reader's language (the script shows it as it is)."""
    if not progress:
        return progress
    return {**progress, "stage": stage_name(str(progress.get("stage", "")))}


async def store_upload(user: User, file, description: str) -> MediaAttachment:
    """One posted file stored as the artist's upload (processing queued)."""
    from instance.attachments.uploads import create_upload

    data = file.read()
    return await create_upload(
        current_services(), user.account, data, filename=file.filename or "",
        content_type=file.content_type or "", description=description,
    )


@blueprint.get("/upload")
@login_required
async def page():
    user = await signed_in_user()
    settings = user.settings or {}
    return await render_template(
        "upload.html", title=gettext("Upload a work"), licences=LICENCES, cloak_levels=CLOAK_LEVELS,
        declarations=AI_DECLARATIONS, default_licence=_default_licence(settings),
        default_cloak=settings.get("cloak_level") or current_services().config.cloak.default_level,
        error=None, form={}, start_media=await _start_media(user), script_text=script_text(),
    )


def _default_licence(settings: dict) -> str:
    """The artist's own default licence, else the instance's."""
    return settings.get("licence") or current_services().config.instance.default_licence


async def _start_media(user: User) -> list[dict]:
    """`?media=<id>` (an approved upload in no work, from its review notification) puts
    the artist's own, unattached, not rejected uploads back into the form."""
    wanted = [int(v) for v in request.args.getlist("media") if v.isdigit()][:MAX_IMAGES]
    if not wanted:
        return []
    found = await MediaAttachment.filter(
        id__in=wanted, account_id=user.account_id, work_id=None, remote_url=None,
        state__in=(MediaState.READY, MediaState.HELD, MediaState.PROCESSING))
    return [{"id": str(m.id), "name": f"Image {m.id}", "alt": m.description} for m in found]


@blueprint.post("/upload/media")
@login_required
async def upload_one():
    """One image from the page's script: stored privately, processing queued."""
    user = await current_user()
    files, form = await request.files, await request.form
    file = files.get("file")
    if file is None:
        return jsonify(error=gettext("No file was sent.")), 422
    try:
        media = await store_upload(user, file, form.get("description", "")[:1500])
    except MediaRejected as exc:
        return jsonify(error=refusal_message(exc), code=exc.code), 422
    except MediaStoreDown as exc:  # the page's script shows `error` beside the image
        return jsonify(error=exc.message, code="store_unavailable"), 503, RETRY_LATER
    return jsonify(media_state(media)), 202


@blueprint.get("/upload/media/<int:media_id>")
@login_required
async def media_status(media_id: int):
    user = await signed_in_user()
    media = await MediaAttachment.get_or_none(id=media_id, account_id=user.account_id)
    if media is None:
        return jsonify(error=gettext("No such upload.")), 404
    return jsonify(media_state(media))


@blueprint.post("/upload")
@login_required
async def publish():
    from instance.actions.works import create_work

    services = current_services()
    user = await current_user()
    form, files = await request.form, await request.files
    media_ids = [int(v) for v in form.getlist("media") if v.isdigit()][:MAX_IMAGES]
    candidates = await MediaAttachment.filter(id__in=media_ids, account_id=user.account_id, work=None)
    owned = {m.id: m for m in candidates}
    try:
        for file in files.getlist("files")[: MAX_IMAGES - len(owned)]:  # the no-script path
            if file.filename:
                media = await store_upload(user, file, "")
                owned[media.id] = media
                media_ids.append(media.id)
    except MediaRejected as exc:
        return await _form_again(user, form, refusal_message(exc))
    except MediaStoreDown as exc:  # the form comes back filled in, to send again later
        return await _form_again(user, form, exc.message, status=503)
    if not owned and not form.get("description", "").strip():
        return await _form_again(user, form, gettext("Add at least one image, or a description."))
    for media in owned.values():
        alt = form.get(f"alt-{media.id}")
        if alt is not None and alt != media.description:
            media.description = alt[:1500]
            await media.save(update_fields=["description"])
    fields = work_fields(form)
    ordered = [media_id for media_id in media_ids if media_id in owned]
    work = await create_work(services, user.account, media_ids=ordered, **fields)
    return redirect(url_for("upload.published", work_id=work.id))


def _split(text: str, limit: int) -> list[str]:
    return [part.strip().lstrip("#") for part in text.replace(",", " ").split() if part.strip()][:limit]


def work_fields(form) -> dict:
    """The work's fields from the form, each checked against what it may be."""
    summary = form.get("summary", "").strip()[:1000]
    declaration = form.get("ai_declaration", "none")
    return {
        "title": form.get("title", "").strip()[:500],
        "content_source": form.get("description", "").strip(),
        "summary": summary,
        "sensitive": bool(summary) or form.get("sensitive") == "on",
        "licence": form.get("licence", "") if form.get("licence", "") in dict(LICENCES) else "",
        "medium": form.get("medium", "").strip()[:255],
        "tools": [t.strip() for t in form.get("tools", "").split(",") if t.strip()][:20],
        "tags": _split(form.get("tags", ""), 30),
        "ai_declaration": declaration if declaration in dict(AI_DECLARATIONS) else "none",
        "cloak_level": form.get("cloak_level") if form.get("cloak_level") in CLOAK_LEVELS else None,
    }


async def _form_again(user: User, form, error: str, status: int = 422):
    settings = user.settings or {}
    return await render_template(
        "upload.html", title=gettext("Upload a work"), licences=LICENCES, cloak_levels=CLOAK_LEVELS,
        declarations=AI_DECLARATIONS, default_licence=_default_licence(settings),
        default_cloak=settings.get("cloak_level") or current_services().config.cloak.default_level,
        error=error, form=form, script_text=script_text(),
    ), status, (RETRY_LATER if status == 503 else {})


@blueprint.get("/upload/done/<int:work_id>")
@login_required
async def published(work_id: int):
    from instance.storage.models import Work, WorkState

    user = await signed_in_user()
    work = await Work.get_or_none(id=work_id, account_id=user.account_id)
    if work is None:
        return redirect(url_for("upload.page"))
    if work.state == WorkState.READY:
        return redirect(url_for("pages.work", username=user.account.username, work_id=work.id))
    return await render_template("published.html", work=work, title=gettext("Almost there"))
