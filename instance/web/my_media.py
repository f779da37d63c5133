"""An artist's own view of one image: the provenance verdict with its evidence, the cloak
metrics, and a before/after comparison at 100% zoom (owner only, never cached; the
original file itself is never served)."""

from __future__ import annotations

import asyncio

from quart import Blueprint, Response, abort, render_template

from instance.services import current_services
from instance.storage.models import MediaAttachment, MediaState
from instance.web.i18n import gettext
from instance.web.session import login_required, signed_in_user
from media.compare import Region, comparison_crops
from media.storage import Area

blueprint = Blueprint("my_media", __name__, url_prefix="/settings/media")


async def _own_media(media_id: int) -> MediaAttachment:
    user = await signed_in_user()
    media = await MediaAttachment.get_or_none(id=media_id, account_id=user.account_id)
    if media is None:
        abort(404, description="No such image of yours.")
    return media


@blueprint.get("/<int:media_id>")
@login_required
async def detail(media_id: int):
    media = await _own_media(media_id)
    return await render_template(
        "my_media.html", media=media, metrics=media.cloak_metrics or {},
        title=gettext("Your image"),
    )


@blueprint.get("/<int:media_id>/compare/<region>/<which>.png")
@login_required
async def compare(media_id: int, region: str, which: str):
    if which not in ("before", "after") or region not in tuple(Region):
        abort(404)
    media = await _own_media(media_id)
    display = (media.variants or {}).get("display") or {}
    served = media.state in (MediaState.READY, MediaState.HELD)
    if not served or not media.original_key or not display.get("webp"):
        abort(404, description="This image has no served copy yet.")
    services = current_services()
    store = services.media_store
    original = await asyncio.to_thread(store.get, Area.ORIGINALS, media.original_key)
    served_copy = await asyncio.to_thread(store.get, Area.VARIANTS, display["webp"])
    before, after = await services.media.call(comparison_crops, original, served_copy, region=Region(region))
    return Response(
        before if which == "before" else after, content_type="image/png",
        headers={"Cache-Control": "private, no-store", "X-Robots-Tag": "noai, noimageai, noindex"},
    )


@blueprint.post("/<int:media_id>/review")
@login_required
async def ask_for_review(media_id: int):
    from quart import redirect, request, url_for

    from instance.attachments.review import request_review
    from instance.web.csrf import check_csrf

    await check_csrf()
    user = await signed_in_user()
    form = await request.form
    await request_review(user.account, media_id, form.get("note", "").strip())
    return redirect(url_for(".detail", media_id=media_id))
