"""The job board's JSON API under /api/v1/impasto/jobs: the board with the web's filters,
a listing, posting and updating (a partial update keeps the fields not sent), opening,
closing, applying, the poster's applications with their marks and replies, and the
caller's own applications. Rules and refusals are instance.jobboard's."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, jsonify

from instance.api.auth import calling_user, current_user, scoped
from instance.api.body import Params, as_id, params
from instance.api.common import json_page, parse_id
from instance.api.errors import ApiError
from instance.jobboard import applications, board, display, listings
from instance.jobboard.federate import answer_sent
from instance.jobboard.fields import values_of
from instance.services import current_services
from instance.storage.models import ApplicationState, JobApplication, JobListing, ListingState

blueprint = Blueprint("api_jobboard", __name__, url_prefix="/api/v1/impasto/jobs")

FIELDS = ("title", "description", "organisation_name", "organisation_url", "kind",
          "location_mode", "city", "country", "time_zones", "pay_min", "pay_max",
          "pay_currency", "pay_period", "pay_on_request", "deadline", "apply_via",
          "apply_target", "no_ai_work", "no_ai_training")


def _iso(moment: Any) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def listing_entity(listing: JobListing) -> dict[str, Any]:
    poster = listing.poster
    return {
        "id": str(listing.id), "uri": listing.ap_id, "url": listing.url,
        "local": listing.local, "state": listing.state, "title": listing.title,
        "description": listing.description,
        "organisation": {"name": listing.organisation_name, "url": listing.organisation_url},
        "poster": {"id": str(poster.id), "acct": poster.username if poster.domain is None
                   else f"{poster.username}@{poster.domain}", "url": poster.url or poster.ap_id},
        "kind": listing.kind,
        "location": {"mode": listing.location_mode, "city": listing.city,
                     "country": listing.country, "time_zones": listing.time_zones},
        "pay": {"min": listing.pay_min, "max": listing.pay_max,
                "currency": listing.pay_currency or None, "period": listing.pay_period or None,
                "on_request": listing.pay_on_request, "text": display.pay_text(listing)},
        "skills": listing.skills, "mediums": listing.mediums,
        "deadline": _iso(listing.deadline),
        "apply": {"via": listing.apply_via, "target": listing.apply_target or None},
        "no_ai_work": listing.no_ai_work, "no_ai_training": listing.no_ai_training,
        "applications_count": listing.applications_count,
        "published_at": _iso(listing.published_at), "edited_at": _iso(listing.edited_at),
        "closed_at": _iso(listing.closed_at), "created_at": _iso(listing.created_at),
    }


def application_entity(application: JobApplication, *, with_listing: bool = False
                       ) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(application.id), "listing_id": str(application.listing_id),
        "state": application.state, "message": application.message,
        "work_ids": [str(i) for i in application.work_ids], "links": application.links,
        "contact": application.contact, "reply": application.reply or None,
        "replied_at": _iso(application.replied_at), "created_at": _iso(application.created_at),
    }
    if not with_listing:  # the poster's view: who applied
        applicant = application.applicant
        body["applicant"] = {"id": str(applicant.id), "acct": applicant.username
                             if applicant.domain is None
                             else f"{applicant.username}@{applicant.domain}",
                             "url": applicant.url or applicant.ap_id}
    if with_listing:
        body["listing"] = listing_entity(application.listing)
    return body


def _listing_fields(p: Params, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The sent fields over `base` (a partial update keeps what is not sent)."""
    data = dict(base or {})
    for name in FIELDS:
        value = p.get(name)
        if value is not None:
            data[name] = value
    for name in ("skills", "mediums"):  # a JSON array as sent (checked), or repeated fields
        value = p.get(name)
        if value is not None:
            data[name] = value if isinstance(value, list) else p.list(name)
    return data


async def _answer(listing: JobListing):
    await listing.fetch_related("poster")
    return jsonify(listing_entity(listing))


@blueprint.get("")
@scoped("read:jobs", public=True)
async def board_list():
    p = await params()
    f = board.BoardFilter.read({k: p.get(k) for k in p.values})
    page = p.integer("page", 1) or 1
    rows, more = await board.board_page(f, page)
    headers = {}
    if more:
        query = f.query_string(page=page + 1)
        headers["Link"] = f'<{current_services().urls.base}/api/v1/impasto/jobs?{query}>; rel="next"'
    return json_page([listing_entity(r) for r in rows], headers)


async def _readable(listing_id: str) -> JobListing:
    user = current_user()
    return await board.readable_listing(parse_id(listing_id, "Listing"),
                                        user.account_id if user else None)


@blueprint.get("/<listing_id>")
@scoped("read:jobs", public=True)
async def show(listing_id: str):
    return jsonify(listing_entity(await _readable(listing_id)))


@blueprint.post("")
@scoped("write:jobs")
async def create():
    p = await params()
    state = p.text("state", "open")
    if state not in (ListingState.OPEN, ListingState.DRAFT):
        raise ApiError(422, "state must be open or draft")
    listing = await listings.create_listing(current_services(), calling_user(),
                                            _listing_fields(p), publish=state == "open")
    return await _answer(listing)


@blueprint.route("/<listing_id>", methods=["PUT", "PATCH"])
@scoped("write:jobs")
async def update(listing_id: str):
    user = calling_user()
    listing = await listings.own_listing(user, parse_id(listing_id, "Listing"))
    p = await params()
    changed = await listings.edit_listing(current_services(), user, listing.id,
                                          _listing_fields(p, values_of(listing)))
    return await _answer(changed)


@blueprint.post("/<listing_id>/open")
@scoped("write:jobs")
async def open_listing(listing_id: str):
    listing = await listings.open_listing(current_services(), calling_user(),
                                          parse_id(listing_id, "Listing"))
    return await _answer(listing)


@blueprint.post("/<listing_id>/close")
@scoped("write:jobs")
async def close(listing_id: str):
    p = await params()
    state = p.text("state", "closed")
    if state not in (ListingState.CLOSED, ListingState.FILLED):
        raise ApiError(422, "state must be closed or filled")
    listing = await listings.close_listing(current_services(), calling_user(),
                                           parse_id(listing_id, "Listing"), ListingState(state))
    return await _answer(listing)


@blueprint.post("/<listing_id>/apply")
@scoped("write:jobs")
async def apply(listing_id: str):
    p = await params()
    ids = p.list("work_ids")
    work_ids = [as_id(i) for i in ids]
    if any(i is None for i in work_ids):
        raise ApiError(422, "work_ids must be ids of your works")
    application = await applications.apply(
        current_services(), calling_user(), parse_id(listing_id, "Listing"),
        message=p.text("message", max_length=applications.MAX_MESSAGE + 1),
        contact=p.text("contact", max_length=applications.MAX_CONTACT + 1),
        work_ids=[i for i in work_ids if i is not None])
    await application.fetch_related("applicant")
    return jsonify(application_entity(application))


@blueprint.get("/<listing_id>/applications")
@scoped("read:jobs")
async def listing_applications(listing_id: str):
    _, rows = await applications.for_listing(calling_user(), parse_id(listing_id, "Listing"))
    return json_page([application_entity(a) for a in rows])


@blueprint.route("/applications/<application_id>", methods=["PUT", "PATCH"])
@scoped("write:jobs")
async def answer(application_id: str):
    """The poster marks (`state`) and/or replies (`reply`)."""
    p = await params()
    user, wanted = calling_user(), parse_id(application_id, "Application")
    state = p.text("state", max_length=32) if p.get("state") is not None else None
    reply = p.text("reply", max_length=applications.MAX_REPLY) \
        if p.get("reply") is not None else None
    if state is None and reply is None:
        raise ApiError(422, "Send a state, a reply, or both")
    # both checked before either is stored: a bad one leaves the application as it was
    if state is not None and state not in {s.value for s in ApplicationState}:
        raise ApiError(422, "state must be new, shortlisted or declined")
    if reply is not None and not reply.strip():
        raise ApiError(422, "The reply is empty")
    application = None
    if state is not None:
        application = await applications.mark(user, wanted, state)
    if reply is not None:
        application = await applications.reply(user, wanted, reply)
        await answer_sent(current_services(), application)
    assert application is not None
    await application.fetch_related("applicant")
    return jsonify(application_entity(application))


@blueprint.get("/applications")
@scoped("read:jobs")
async def mine():
    rows = await applications.mine(calling_user())
    return json_page([application_entity(a, with_listing=True) for a in rows])
