"""The artist's edit and delete pages of a work (owner only, CSRF, no script needed).

The edit form lists the work's images in order, each with its alt text, its place in
the order, its focal point and a remove box, and takes new images as a file input; the
work's fields are the upload page's plus visibility. It calls
`instance.actions.editing.edit_work`, the same function the client API calls. Delete
asks once on its own page, then calls `instance.actions.works.delete_work`."""

from __future__ import annotations

from typing import Any, cast

from quart import Blueprint, redirect, render_template, request, url_for

from instance.actions.editing import ImageEdit, edit_work
from instance.actions.works import MAX_IMAGES, delete_work, own_work
from instance.attachments.policy import effective_cloak_level
from instance.attachments.processing import delete_media
from instance.errors import Refused
from instance.services import current_services
from instance.storage.models import MediaAttachment, User, Work, WorkState
from instance.text import render
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext, lazy_gettext
from instance.web.session import login_required, signed_in_user
from instance.web.upload import AI_DECLARATIONS, CLOAK_LEVELS, LICENCES, store_upload, work_fields
from instance.web.upload_text import refusal_message
from media.errors import MediaRejected

blueprint = Blueprint("work_edit", __name__)
blueprint.before_request(check_csrf)

VISIBILITY_CHOICES = (
    ("public", "Public"),
    ("unlisted", "Unlisted (not on Explore or tag pages)"),
    ("private", "Followers only"),
)


class FormError(Refused):
    """A field of the edit form that is not what it may be."""

    title = lazy_gettext("Not saved")  # shown in the reader's language


def _number(form: Any, name: str, label: str, kind: type = float) -> Any:
    raw = (form.get(name) or "").strip()
    try:
        return kind(raw) if raw else None
    except ValueError:
        raise FormError(gettext("%(label)s must be a number", label=label)) from None


def image_edits(form: Any, current: list[MediaAttachment], new_ids: list[int]) -> list[ImageEdit]:
    """The images the form keeps, in the order their numbers give (ties keep the page's
    order), then the new uploads."""
    kept: list[tuple[int, int, ImageEdit]] = []
    for index, media in enumerate(current):
        if form.get(f"remove-{media.id}") == "on":
            continue
        place = _number(form, f"position-{media.id}", f"The order of image {index + 1}", int)
        x = _number(form, f"focus-x-{media.id}", f"The focal point of image {index + 1}")
        y = _number(form, f"focus-y-{media.id}", f"The focal point of image {index + 1}")
        focus = (x if x is not None else media.focus_x, y if y is not None else media.focus_y)
        description = form.get(f"alt-{media.id}")
        kept.append((place if place is not None else index + 1, index,
                     ImageEdit(media.id, None if description is None else description.strip(),
                               focus)))
    return [edit for _, _, edit in sorted(kept, key=lambda k: k[:2])] + [
        ImageEdit(media_id) for media_id in new_ids]


async def _page(work: Work, user: User, *, error: str | None = None, form: Any = None,
                status: int = 200) -> tuple[str, int]:
    services = current_services()
    media = await MediaAttachment.filter(work_id=work.id).order_by("position", "id")
    tags = cast(list[str], await work.tags.all().values_list("name", flat=True))
    from_text = set(render(work.content_source, services.config.base_url, {}).tags)
    return await render_template(
        "edit_work.html", title=gettext("Edit “%(title)s”", title=work.title or gettext("Untitled")),
        work=work, media=media,
        explicit_tags=" ".join(t for t in tags if t not in from_text), error=error,
        form=form, licences=LICENCES, cloak_levels=CLOAK_LEVELS, declarations=AI_DECLARATIONS,
        visibilities=VISIBILITY_CHOICES, max_images=MAX_IMAGES,
        cloak_now=effective_cloak_level(services.config, work, user),
    ), status


def _done(user: User, work: Work):
    if work.state == WorkState.READY:
        return redirect(url_for("pages.work", username=user.account.username, work_id=work.id,
                                saved=1))
    return redirect(url_for("upload.published", work_id=work.id))


@blueprint.get("/works/<int:work_id>/edit")
@login_required
async def edit_form(work_id: int):
    user = await signed_in_user()
    return await _page(await own_work(user.account, work_id), user)


@blueprint.post("/works/<int:work_id>/edit")
@login_required
async def edit(work_id: int):
    services = current_services()
    user = await signed_in_user()
    work = await own_work(user.account, work_id)
    form, files = await request.form, await request.files
    current = await MediaAttachment.filter(work_id=work.id).order_by("position", "id")
    stored: list[MediaAttachment] = []
    try:
        images = image_edits(form, current, [])
        uploads = [f for f in files.getlist("files") if f.filename]
        if len(images) + len(uploads) > MAX_IMAGES:
            raise FormError(gettext("A work has at most %(max_images)s images; remove some first.",
                                    max_images=MAX_IMAGES))
        for file in uploads:
            stored.append(await store_upload(user, file, ""))
        fields = work_fields(form)
        visibility = form.get("visibility") or work.visibility
        await edit_work(
            services, user.account, work.id, title=fields["title"],
            content_source=fields["content_source"], summary=fields["summary"],
            sensitive=fields["sensitive"], visibility=visibility, licence=fields["licence"],
            medium=fields["medium"], tools=fields["tools"], tags=fields["tags"],
            ai_declaration=fields["ai_declaration"], cloak_level=fields["cloak_level"] or "",
            images=image_edits(form, current, [m.id for m in stored]),
        )
    except (Refused, MediaRejected) as exc:
        for media in stored:  # nothing of a refused edit is kept
            await delete_media(services, media)
        text = refusal_message(exc) if isinstance(exc, MediaRejected) else exc.message
        message = text[:1].upper() + text[1:]
        return await _page(work, user, error=message, form=form, status=exc.status
                           if isinstance(exc, Refused) else 422)
    if stored:  # back to the form: the new images want their alt text
        return redirect(url_for("work_edit.edit_form", work_id=work.id, added=len(stored)))
    return _done(user, await Work.get(id=work.id))


@blueprint.get("/works/<int:work_id>/delete")
@login_required
async def delete_form(work_id: int):
    user = await signed_in_user()
    work = await own_work(user.account, work_id)
    return await render_template("delete_work.html", title=gettext("Delete this work?"), work=work)


@blueprint.post("/works/<int:work_id>/delete")
@login_required
async def delete(work_id: int):
    user = await signed_in_user()
    await delete_work(current_services(), user.account, work_id)
    return redirect(url_for("pages.profile", username=user.account.username))
