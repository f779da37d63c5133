"""The job board's pages for applying and answering: the apply form (a message and works
picked from the artist's portfolio), the poster's applications page (each applicant with
their picked works, a mark and a reply), the artist's own applications, saved listings,
and the availability setting shown as a badge on the portfolio."""

from __future__ import annotations

from quart import Blueprint, redirect, render_template, request, url_for

from instance.jobboard import applications, board
from instance.jobboard.availability import AvailabilityError, set_availability
from instance.jobboard.federate import answer_sent, availability_changed
from instance.services import current_services
from instance.storage.models import Work, WorkState
from instance.storage.models.jobboard import ListingKind
from instance.web import jobboard_text
from instance.web.csrf import check_csrf
from instance.web.i18n import gettext
from instance.web.labels import label
from instance.web.render import ordered_media
from instance.web.session import login_required, signed_in_user

blueprint = Blueprint("jobboard_apply", __name__, url_prefix="/jobs")
blueprint.before_request(check_csrf)

PORTFOLIO_CHOICES = 60  # the newest works offered to pick from


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 19]


async def _portfolio(account_id: int) -> list[Work]:
    return await Work.filter(
        account_id=account_id, local=True, state=WorkState.READY, deleted_at=None,
        hidden=False, visibility__in=("public", "unlisted"), in_reply_to_id=None,
    ).order_by("-id").limit(PORTFOLIO_CHOICES).prefetch_related(ordered_media(), "account")


@blueprint.route("/<int:listing_id>/apply", methods=["GET", "POST"])
@login_required
async def apply(listing_id: int):
    user = await signed_in_user()
    listing = await board.readable_listing(listing_id, user.account_id)
    applications.check_takes_applications(listing, user)  # a closed one: no form to fill
    services = current_services()
    limit = services.config.jobboard.works_per_application
    message, contact, work_ids = "", "", list[int]()
    error, status = "", 200
    if request.method == "POST":
        form = await request.form
        message, contact = form.get("message", ""), form.get("contact", "")
        work_ids = _ids(form.getlist("work_ids"))
        try:
            await applications.apply(services, user, listing.id, message=message,
                                     contact=contact, work_ids=work_ids)
        except applications.ApplicationError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect(url_for(".mine", done=gettext(
                "Your application to %(title)s is sent.", title=listing.title)))
    return await render_template(
        "jobboard_apply.html", title=gettext("Apply: %(title)s", title=listing.title), listing=listing,
        works=await _portfolio(user.account_id), error=error,
        values={"message": message, "contact": contact, "work_ids": work_ids},
        limit=limit), status


@blueprint.get("/<int:listing_id>/applications")
@login_required
async def listing_applications(listing_id: int):
    user = await signed_in_user()
    listing, rows = await applications.for_listing(user, listing_id)
    works = await applications.works_of(rows)
    return await render_template(
        "jobboard_applications.html", title=gettext("Applications: %(title)s", title=listing.title),
        listing=listing,
        applications=rows, works=works, message=request.args.get("done", ""))


@blueprint.post("/applications/<int:application_id>/mark")
@login_required
async def mark(application_id: int):
    state = (await request.form).get("state", "")
    application = await applications.mark(await signed_in_user(), application_id, state)
    return redirect(url_for(".listing_applications", listing_id=application.listing_id,
                            done=gettext("Marked %(state)s.", state=label(state, "application")))
        + f"#application-{application.id}")


@blueprint.post("/applications/<int:application_id>/reply")
@login_required
async def reply(application_id: int):
    text = (await request.form).get("reply", "")
    application = await applications.reply(await signed_in_user(), application_id, text)
    await answer_sent(current_services(), application)  # to an applicant on another server
    return redirect(url_for(".listing_applications", listing_id=application.listing_id,
                            done=gettext("Reply sent.")) + f"#application-{application.id}")


@blueprint.get("/applications")
@login_required
async def mine():
    user = await signed_in_user()
    rows = await applications.mine(user)
    return await render_template(
        "jobboard_mine.html", title=gettext("Your applications"), applications=rows,
        works=await applications.works_of(rows), message=request.args.get("done", ""))


@blueprint.get("/saved")
@login_required
async def saved():
    user = await signed_in_user()
    return await render_template("jobboard_saved.html", title=gettext("Saved listings"),
                                 listings=await board.saved(user.account_id))


@blueprint.post("/<int:listing_id>/save")
@login_required
async def save(listing_id: int):
    user = await signed_in_user()
    form = await request.form
    if form.get("saved") == "0":
        await board.unsave(user.account_id, listing_id)
    else:
        await board.save(user.account_id, listing_id)
    back = form.get("next", "")
    # back to the page the button was on: only a path of the board, never another site
    if not (back.startswith("/jobs") and "//" not in back and "\\" not in back):
        back = url_for("jobboard.listing_page", listing_id=listing_id)
    return redirect(back)


@blueprint.post("/availability")
@login_required
async def availability():
    """The artist's availability (the form is on the settings page)."""
    user = await signed_in_user()
    form = await request.form

    def amount(name: str) -> int | None:
        text = form.get(name, "").strip().replace(",", "")
        if text and not (text.isascii() and text.isdigit() and len(text) < 13):
            raise AvailabilityError(gettext("Prices are whole numbers above 0"))
        return int(text) if text else None

    kinds = [k for k in form.getlist("kinds") if k in {v.value for v in ListingKind}]
    await set_availability(user.account_id, form.get("status", ""), kinds,
                           amount("price_min"), amount("price_max"), form.get("currency", ""))
    await availability_changed(current_services(), user.account_id)  # the profile field
    return redirect(url_for("settings.page", done=gettext("Availability saved.")) + "#availability")


@blueprint.app_template_global("availability_choices")
def _availability_choices() -> dict:
    return {"statuses": list(jobboard_text.AVAILABILITY_LABELS.items()),
            "kinds": [(k.value, jobboard_text.kind_name(k.value)) for k in ListingKind]}

