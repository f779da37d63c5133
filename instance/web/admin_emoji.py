"""The admin custom emoji page: upload (checked and re-encoded by the media pipeline),
list, disable and delete (asked once) local emoji. Staff with manage_settings only; CSRF on forms."""

from __future__ import annotations

from quart import Blueprint, redirect, render_template, request, url_for

from instance.emoji import store
from instance.moderation.permissions import MANAGE_SETTINGS
from instance.services import current_services
from instance.storage.models import AuditEntry, CustomEmoji
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.session import current_user, permission_required

blueprint = Blueprint("admin_emoji", __name__, url_prefix="/admin")
blueprint.before_request(check_csrf)


async def _page(error: str = "", status: int = 200, shortcode: str = ""):
    rows = await store.local_list()
    body = await render_template("admin/emoji.html", title=gettext("Custom emoji"), rows=rows,
                                 max_kb=store.MAX_BYTES // 1024, shortcode=shortcode,
                                 message=request.args.get("done", ""), error=error)
    return body, status


async def _audit(action: str, shortcode: str) -> None:
    user = await current_user()
    await AuditEntry.create(actor_id=user.account_id if user else None, action=action,
                            target=f":{shortcode}:")


@blueprint.get("/emoji")
@permission_required(MANAGE_SETTINGS)
async def emoji_page():
    return await _page()


@blueprint.post("/emoji")
@permission_required(MANAGE_SETTINGS)
async def add_emoji():
    form, files = await request.form, await request.files
    shortcode = (form.get("shortcode") or "").strip()
    upload = files.get("image")
    if upload is None or not upload.filename:
        return await _page(gettext("Choose an image (PNG, GIF or WebP)."), 422, shortcode)
    data = upload.read(store.MAX_BYTES + 1)
    try:
        row = await store.add_local(current_services(), shortcode, data,
                                    category=(form.get("category") or "").strip()[:64] or None)
    except store.EmojiRefused as exc:
        return await _page(str(exc), 422, shortcode)
    await _audit("emoji.add", row.shortcode)
    return redirect(url_for(".emoji_page", done=gettext("Added :%(shortcode)s:.", shortcode=row.shortcode)))


@blueprint.post("/emoji/<shortcode>/disable")
@permission_required(MANAGE_SETTINGS)
async def toggle_emoji(shortcode: str):
    disabled = (await request.form).get("disabled", "1") == "1"
    if not await store.set_disabled(shortcode, disabled):
        return await _page(gettext("There is no emoji :%(shortcode)s:.", shortcode=shortcode), 404)
    await _audit("emoji.disable" if disabled else "emoji.enable", shortcode)
    done = (gettext(":%(shortcode)s: disabled.", shortcode=shortcode) if disabled
            else gettext(":%(shortcode)s: enabled.", shortcode=shortcode))
    return redirect(url_for(".emoji_page", done=done))


@blueprint.get("/emoji/<shortcode>/delete")
@permission_required(MANAGE_SETTINGS)
async def confirm_delete(shortcode: str):
    """Asks once: a deleted emoji leaves every post that uses it showing its bare shortcode."""
    row = await CustomEmoji.get_or_none(shortcode=shortcode, domain=None)
    if row is None:
        return await _page(gettext("There is no emoji :%(shortcode)s:.", shortcode=shortcode), 404)
    title = gettext("Delete :%(shortcode)s:?", shortcode=row.shortcode)
    return await render_template("admin/emoji_delete.html", title=title, row=row)


@blueprint.post("/emoji/<shortcode>/delete")
@permission_required(MANAGE_SETTINGS)
async def delete_emoji(shortcode: str):
    if not await store.remove_local(current_services(), shortcode):
        return await _page(gettext("There is no emoji :%(shortcode)s:.", shortcode=shortcode), 404)
    await _audit("emoji.remove", shortcode)
    return redirect(url_for(".emoji_page", done=gettext("Deleted :%(shortcode)s:.", shortcode=shortcode)))
