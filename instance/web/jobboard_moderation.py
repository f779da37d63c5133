"""Moderating the board from the browser: the listings from other servers held for
approval (`[jobboard] hold_remote_listings`) with approve and reject, and removing any
listing from its page. The decisions are instance.jobboard.moderation's, the same
functions `impasto jobs-board release|reject|remove` call."""

from __future__ import annotations

from quart import Blueprint, redirect, render_template, request, url_for

from instance.jobboard import moderation
from instance.moderation.permissions import (
    MANAGE_JOBS,
)
from instance.services import current_services
from instance.storage.models import Account
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.session import permission_required, signed_in_user

blueprint = Blueprint("jobboard_moderation", __name__, url_prefix="/jobs")
blueprint.before_request(check_csrf)


async def _reason() -> str:
    return str((await request.form).get("reason", "")).strip()[:moderation.MAX_REASON]


async def _me() -> Account:
    return await Account.get(id=(await signed_in_user()).account_id)


@blueprint.get("/held")
@permission_required(MANAGE_JOBS)
async def held():
    return await render_template(
        "jobboard_held.html", title=gettext("Listings held for approval"),
        listings=await moderation.held_listings(), message=request.args.get("done", ""))


@blueprint.post("/held/<int:listing_id>/approve")
@permission_required(MANAGE_JOBS)
async def approve(listing_id: int):
    listing = await moderation.release_listing(listing_id, await _me())
    return redirect(url_for(".held", done=gettext(
        "“%(title)s” is on the other servers tab.", title=listing.title)))


@blueprint.post("/held/<int:listing_id>/reject")
@permission_required(MANAGE_JOBS)
async def reject(listing_id: int):
    listing = await moderation.reject_listing(current_services(), listing_id, await _me(),
                                              await _reason())
    return redirect(url_for(".held", done=gettext("“%(title)s” is refused.", title=listing.title)))


@blueprint.post("/<int:listing_id>/remove")
@permission_required(MANAGE_JOBS)
async def remove(listing_id: int):
    """Remove a listing (with a reason, for the audit log); a local one's Delete federates."""
    reason = await _reason()
    if not reason:
        return await render_template(
            "message.html", title=gettext("Listing not removed"),
            message=gettext("Say why the listing is removed (the reason goes to the audit log).")), 422
    listing = await moderation.moderate_remove(current_services(), listing_id, await _me(),
                                               reason)
    where = gettext("Servers that received it are told to delete it.") if listing.local else \
        gettext("It is gone from this server; its own server still has it.")
    return await render_template("message.html", title=gettext("Listing removed"),
                                 message=gettext("“%(title)s” is removed. %(where)s",
                                                 title=listing.title, where=where))
