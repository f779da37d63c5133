"""The job board's pages: the board with its filters and Atom feed, a listing's page (with
its schema.org JobPosting), and posting, editing, opening and ending a listing. Applying
and the poster's view of applications are in jobboard_apply.py."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, redirect, render_template, request, url_for

from instance.jobboard import board, display, listings
from instance.jobboard.availability import availability_of
from instance.jobboard.fields import ListingError, values_of
from instance.services import current_services
from instance.storage.models import JobApplication, JobListing, ListingState
from instance.storage.models.jobboard import ApplyVia, ListingKind, LocationMode, PayPeriod
from instance.web import jobboard_text
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.labels import label
from instance.web.session import current_user, login_required, signed_in_user

blueprint = Blueprint("jobboard", __name__, url_prefix="/jobs")
blueprint.before_request(check_csrf)

FEED_SIZE = 40
CHOICES = {
    "kinds": [(k.value, jobboard_text.KIND_LABELS[k.value]) for k in ListingKind],
    "places": [(m.value, jobboard_text.PLACE_LABELS[m.value]) for m in LocationMode],
    "periods": [p.value for p in PayPeriod],
    "apply_ways": jobboard_text.APPLY_WAYS,
}
NEW_LISTING = {"kind": ListingKind.FREELANCE.value, "location_mode": LocationMode.REMOTE.value,
               "apply_via": ApplyVia.IMPASTO.value}


@blueprint.app_template_global("jobboard")
def _facts() -> Any:
    """The wordings templates use: `jobboard().pay_text(listing)` and the rest."""
    return jobboard_text


@blueprint.app_template_global("jobboard_profile")
async def _profile(account_id: int) -> dict[str, Any]:
    """What a portfolio shows of the board: the availability badge and open listings."""
    availability = await availability_of(account_id)
    return {"listings": await board.open_listings_of(account_id),
            "availability": availability,
            "availability_label": jobboard_text.availability_text(availability.status)
            if availability else ""}


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 5 else 1


@blueprint.get("")
async def board_page():
    f = board.BoardFilter.read(request.args)
    page = _page_number()
    rows, more = await board.board_page(f, page)
    me = await current_user()
    saved_ids = await board.saved_among(me.account_id, rows) if me is not None else set()
    return await render_template(
        "jobboard_board.html", title=gettext("Job board"), listings=rows, filters=f, page=page,
        more=more, saved_ids=saved_ids, choices=CHOICES,
        may_post=me is not None and listings.may_post(current_services(), me))


@blueprint.get("/feed.atom")
async def feed():
    f = board.BoardFilter.read(request.args)
    rows = await (await board.shown_query(f)).limit(FEED_SIZE).select_related("poster")
    services = current_services()
    query = f.query_string()
    body = await render_template(
        "jobboard_feed.atom", listings=rows, filters=f, base_url=services.config.base_url,
        self_url=url_for(".feed") + (f"?{query}" if query else ""),
        board_url=url_for(".board_page") + (f"?{query}" if query else ""))
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@blueprint.get("/<int:listing_id>")
async def listing_page(listing_id: int):
    me = await current_user()
    listing = await board.readable_listing(listing_id, me.account_id if me else None)
    applied = saved = False
    if me is not None:
        applied = await JobApplication.filter(listing_id=listing.id,
                                              applicant_id=me.account_id).exists()
        saved = await board.is_saved(me.account_id, listing.id)
    poster_name = listing.poster.display_name or listing.poster.username
    return await render_template(
        "jobboard_listing.html", title=listing.title, listing=listing, poster=listing.poster,
        is_poster=me is not None and me.account_id == listing.poster_id, applied=applied,
        saved=saved, ld=display.job_posting(listing, poster_name),
        message=request.args.get("done", ""))


async def _form_page(listing: JobListing | None, values: dict[str, Any], error: str = "",
                     status: int = 200):
    return await render_template(
        "jobboard_form.html", title=gettext("Edit listing") if listing else gettext("Post a listing"),
        listing=listing, values=values, error=error, choices=CHOICES,
        bound=current_services().config.jobboard.description_chars), status


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
async def new_listing():
    user = await signed_in_user()
    services = current_services()
    if not listings.may_post(services, user):
        raise listings.NotAllowedToPost(
            gettext("On this server only moderators may post listings")
            if services.config.jobboard.posting == "staff"
            else gettext("On this server only approved posters may post listings"))
    if request.method == "GET":
        return await _form_page(None, NEW_LISTING)
    form = (await request.form).to_dict()
    try:
        listing = await listings.create_listing(services, user, form,
                                                publish=form.get("action") == "publish")
    except ListingError as exc:
        return await _form_page(None, form, exc.message, exc.status)
    return redirect(url_for(".listing_page", listing_id=listing.id))


@blueprint.route("/<int:listing_id>/edit", methods=["GET", "POST"])
@login_required
async def edit_listing(listing_id: int):
    user = await signed_in_user()
    listing = await listings.own_listing(user, listing_id)
    if request.method == "GET":
        values = values_of(listing)
        values.update(skills=", ".join(listing.skills), mediums=", ".join(listing.mediums),
                      deadline=listing.deadline.date().isoformat() if listing.deadline else "")
        return await _form_page(listing, values)
    form = (await request.form).to_dict()
    services = current_services()
    try:
        await listings.edit_listing(services, user, listing_id, form)
    except ListingError as exc:
        return await _form_page(listing, form, exc.message, exc.status)
    if form.get("action") == "publish" and listing.state == ListingState.DRAFT:
        return await open_listing(listing_id)
    return redirect(url_for(".listing_page", listing_id=listing_id, done=gettext("Listing saved.")))


@blueprint.post("/<int:listing_id>/open")
@login_required
async def open_listing(listing_id: int):
    await listings.open_listing(current_services(), await signed_in_user(), listing_id)
    return redirect(url_for(".listing_page", listing_id=listing_id,
                            done=gettext("The listing is on the board.")))


@blueprint.post("/<int:listing_id>/end")
@login_required
async def end_listing(listing_id: int):
    """Close the listing, or mark it filled (form field `state`)."""
    state = (await request.form).get("state", "")
    if state not in (ListingState.CLOSED, ListingState.FILLED):
        raise listings.ListingStateError(gettext("End a listing as closed or filled"))
    await listings.close_listing(current_services(), await signed_in_user(), listing_id,
                                 ListingState(state))
    return redirect(url_for(".listing_page", listing_id=listing_id,
                            done=gettext("The listing is %(state)s.", state=label(state, "listing"))))


@blueprint.get("/posted")
@login_required
async def posted():
    """The poster's own listings, drafts included."""
    user = await signed_in_user()
    rows = await JobListing.filter(poster_id=user.account_id, local=True).exclude(
        state=ListingState.REMOVED).order_by("-created_at", "-id")
    return await render_template("jobboard_posted.html", title=gettext("Your listings"), listings=rows)
