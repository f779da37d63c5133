"""Settings → Export and import: one's follows, followers, blocks, mutes, domain blocks,
bookmarks and lists as the CSV files Mastodon writes, to take to another server; the full
archive (everything one owns, originals included, as one zip built by a job and offered
to its owner only, until it expires); and the import of a CSV file, run by a job."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import BinaryIO

from quart import Blueprint, Response, abort, redirect, render_template, request, url_for

from instance.actions.archive import PIECE, downloadable, latest_archive, request_archive
from instance.actions.importing.files import MAX_BYTES, MODES, ImportRefused
from instance.actions.importing.kinds import KINDS
from instance.actions.importing.run import start_import
from instance.actions.portability import EXPORTS, export_csv
from instance.services import current_services
from instance.storage.models import ImportRun
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.session import login_required, signed_in_user
from media.storage import Area

blueprint = Blueprint("portability", __name__, url_prefix="/settings/export")
blueprint.before_request(check_csrf)

LABELS = {
    "following": "Follows",
    "followers": "Followers",
    "blocks": "Blocked accounts",
    "mutes": "Muted accounts",
    "domain_blocks": "Blocked domains",
    "bookmarks": "Bookmarks",
    "lists": "Lists",
}


@blueprint.get("")
@login_required
async def page():
    user = await signed_in_user()
    imports = await ImportRun.filter(account_id=user.account_id).order_by("-id").limit(5)
    return await render_template("export.html", title=gettext("Export and import"), labels=LABELS,
                                 files={what: name for what, (name, _) in EXPORTS.items()},
                                 imports=imports, modes=MODES, kinds=KINDS,
                                 archive=await latest_archive(user.account_id))


@blueprint.post("/archive")
@login_required
async def archive():
    """Queue the building of the full archive (refused while one is being built)."""
    user = await signed_in_user()
    await request_archive(current_services(), user.account)
    return redirect(url_for("portability.page") + "#archive")


async def _pieces(source: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while piece := await asyncio.to_thread(source.read, PIECE):
            yield piece
    finally:
        source.close()


@blueprint.get("/archive/<token>.zip")
@login_required
async def archive_download(token: str):
    """The finished zip, streamed from private storage to its owner only (404 for anyone
    else, and once it has expired)."""
    user = await signed_in_user()
    run = await downloadable(user.account_id, token)
    if run is None or run.storage_key is None:
        abort(404)
    try:
        source = await asyncio.to_thread(current_services().media_store.open, Area.ORIGINALS,
                                         run.storage_key)
    except FileNotFoundError:
        abort(404)
    name = f"archive-{user.account.username}-{run.created_at:%Y%m%d}.zip"
    return Response(_pieces(source), content_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Content-Length": str(run.size),
        "Cache-Control": "private, no-store"})


@blueprint.post("/import")
@login_required
async def upload():
    """Queue an import of a CSV of the kind chosen (follows unless told); the page then
    shows its progress and report."""
    user = await signed_in_user()
    form, files = await request.form, await request.files
    upload = files.get("file")
    if upload is None or not upload.filename:
        raise ImportRefused(gettext("Choose a CSV file to import."))
    data = upload.read(MAX_BYTES + 1)
    await start_import(current_services(), user.account, data, form.get("mode", "merge"),
                       form.get("what", "following"))
    return redirect(url_for("portability.page") + "#imports")


@blueprint.get("/<what>.csv")
@login_required
async def download(what: str):
    if what not in EXPORTS:
        abort(404)
    user = await signed_in_user()
    name, text = await export_csv(what, user.account_id, current_services().config.instance.domain)
    return Response(text, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
