"""Settings → Export and import: one's follows, followers, blocks, mutes, domain blocks,
bookmarks and lists as the CSV files Mastodon writes, to take to another server; and the
import of such a file (follows, blocks, mutes, bookmarks or lists), run by a job."""

from __future__ import annotations

from quart import Blueprint, Response, abort, redirect, render_template, request, url_for

from instance.actions.importing.files import MAX_BYTES, MODES, ImportRefused
from instance.actions.importing.kinds import KINDS
from instance.actions.importing.run import start_import
from instance.actions.portability import EXPORTS, export_csv
from instance.services import current_services
from instance.storage.models import ImportRun
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.session import login_required, signed_in_user

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
                                 imports=imports, modes=MODES, kinds=KINDS)


@blueprint.post("/import")
@login_required
async def upload():
    """Queue an import of a CSV of the kind chosen (follows unless told); the page then
    shows its progress and report."""
    user = await signed_in_user()
    form, files = await request.form, await request.files
    upload = files.get("file")
    if upload is None or not upload.filename:
        raise ImportRefused("Choose a CSV file to import.")
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
