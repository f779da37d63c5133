"""The board's federated side: which job boards this server follows (its jobs actor
follows theirs), a form for moderators and admins to follow another one, and reporting
a listing (to this server's moderators, and as a Flag to its own server if asked)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, redirect, render_template, request, url_for

from instance.actors.jobs_actor import existing_jobs_actor
from instance.jobboard import board
from instance.jobboard.federate import follow_board, report_listing
from instance.moderation.permissions import MANAGE_JOBS, has
from instance.moderation.reports import CATEGORIES
from instance.services import current_services
from instance.storage.models import Account, Follow
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.session import current_user, login_required, permission_required, signed_in_user

blueprint = Blueprint("jobboard_federation", __name__, url_prefix="/jobs")
blueprint.before_request(check_csrf)


@blueprint.app_template_global("jobboard_remote")
async def _remote() -> dict[str, Any]:
    """What the "other servers" tab says: the setting, followed boards, who may add one."""
    services = current_services()
    board = await existing_jobs_actor()
    follows = await Follow.filter(follower_id=board.id).prefetch_related("target") \
        if board is not None else []
    me = await current_user()
    return {"mode": services.config.jobboard.remote_listings,
            "handle": f"@jobs@{services.config.instance.domain}",
            "boards": [(f.target, f.state) for f in follows],
            "staff": has(me, MANAGE_JOBS)}


@blueprint.post("/boards/follow")
@permission_required(MANAGE_JOBS)
async def follow():
    """A moderator subscribes this board to another server's (`jobs@domain` or a domain)."""
    handle = str((await request.form).get("board", "")).strip()[:300]
    await follow_board(current_services(), handle, (await signed_in_user()).account)
    return redirect(url_for("jobboard.board_page", origin="other"))


@blueprint.get("/<int:listing_id>/report")
@login_required
async def report_form(listing_id: int):
    me = await signed_in_user()
    listing = await board.readable_listing(listing_id, me.account_id)
    return await render_template("jobboard_report.html", title=gettext("Report a listing"),
                                 listing=listing, categories=CATEGORIES)


@blueprint.post("/<int:listing_id>/report")
@login_required
async def report(listing_id: int):
    """Report a listing to this server's moderators (and, if asked, to its own server's)."""
    me = await signed_in_user()
    form = await request.form
    await report_listing(current_services(), await Account.get(id=me.account_id), listing_id,
                         comment=str(form.get("comment", "")), forward=form.get("forward") == "on",
                         category=str(form.get("category", "other")))
    return await render_template("message.html", title=gettext("Thank you"),
                                 message=gettext("The moderators will look at your report."))
