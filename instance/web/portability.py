"""Settings → Export: one's follows, followers, blocks, mutes, domain blocks, bookmarks
and lists as the CSV files Mastodon writes, to take to another server."""

from __future__ import annotations

from quart import Blueprint, Response, abort, render_template

from instance.actions.portability import EXPORTS, export_csv
from instance.services import current_services
from instance.web.csrf import check_csrf
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
    return await render_template("export.html", title="Export your data", labels=LABELS,
                                 files={what: name for what, (name, _) in EXPORTS.items()})


@blueprint.get("/<what>.csv")
@login_required
async def download(what: str):
    if what not in EXPORTS:
        abort(404)
    user = await signed_in_user()
    name, text = await export_csv(what, user.account_id, current_services().config.instance.domain)
    return Response(text, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
